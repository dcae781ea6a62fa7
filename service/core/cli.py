"""The CLI root: database and one-command setup. Feature groups live in their packages."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from service.core.migrate import upgrade_database

db_cli = click.Group("db", help="Database schema (Alembic migrations).")
demo_cli = click.Group("demo", help="Demo data for a local service.")


@db_cli.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    upgrade_database(current_app.config["DATABASE_URL"])
    click.echo("database is at the newest revision")


@click.command("setup")
@click.option("--demo/--no-demo", default=False, help="Load demo data into an empty database.")
@with_appcontext
def setup_command(demo: bool) -> None:
    """Migrate, optionally load demo data, and bring the search index up to date."""
    upgrade_database(current_app.config["DATABASE_URL"])
    click.echo("database migrated")
    for step in current_app.extensions.get("setup_steps", []):
        step(demo=demo)


@demo_cli.command("load")
@with_appcontext
def demo_load() -> None:
    """Load the demo register (DEMO data) into a database that holds no decisions."""
    from service.register.demo import setup_step

    setup_step(demo=True)
