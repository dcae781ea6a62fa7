"""Run Alembic migrations programmatically (CLI, tests, the one-command start)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from service.core.config import ROOT


def alembic_config(url: str | None = None, connection=None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if url:
        config.attributes["url"] = url
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_database(url: str | None = None, connection=None, revision: str = "heads") -> None:
    """Bring the schema to the newest revision (every branch head)."""
    command.upgrade(alembic_config(url, connection), revision)
