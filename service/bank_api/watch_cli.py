"""`python -m service bank ...`: monitoring jobs for cron (status-change scan, webhooks)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.core import clock
from service.core.db import db, transactional

bank_watch_cli = click.Group("bank", help="Bank API monitoring: status changes and webhooks.")
changes_cli = click.Group("changes", help="The status-change feed behind /api/v1/changes.")
bank_watch_cli.add_command(changes_cli)
DATE = click.DateTime(formats=["%Y-%m-%d"])


@changes_cli.command("scan")
@click.option("--as-of", type=DATE, default=None, help="Day to record for; default today.")
@click.option("--since", type=DATE, default=None,
              help="Look at dates from this day on (default: a week back, catching missed runs).")
@click.option("--all", "every_subject", is_flag=True, help="Re-read every subject.")
@with_appcontext
@transactional
def scan(as_of, since, every_subject: bool) -> None:
    """Record status changes that became true by date (a listing or disclosure ended).

    Run daily after `rules evaluate`; idempotent.
    """
    from service.bank_api.monitoring import scan_status_changes

    today = as_of.date() if as_of else clock.today()
    count = scan_status_changes(today=today, now=clock.now(),
                                since=since.date() if since else None,
                                every_subject=every_subject)
    click.echo(f"{count} status change(s) recorded as of {today}")


@changes_cli.command("baseline")
@with_appcontext
@transactional
def baseline() -> None:
    """Record every subject's standing without emitting changes (once, on an existing register)."""
    from service.bank_api.monitoring import baseline_states

    count = baseline_states(today=clock.today(), now=clock.now())
    click.echo("standings were already recorded; nothing to do" if count is None else
               f"{count} standing(s) recorded")


@bank_watch_cli.command("deliver-webhooks")
@with_appcontext
def deliver() -> None:
    """Queue new changes for webhooks and send due messages once (cron, every minute)."""
    from service.bank_api.webhooks import deliver_webhooks

    try:
        outcome = deliver_webhooks(clock=clock.now, commit=db.session.commit)
    except BaseException:
        db.session.rollback()
        raise
    click.echo(", ".join(f"{k} {v}" for k, v in outcome.items()))


def setup_baseline(demo: bool = False) -> None:
    """Setup step: record standings once, so the first changes are real ones."""
    from service.bank_api.monitoring import baseline_states

    count = baseline_states(today=clock.today(), now=clock.now())
    db.session.commit()
    if count:
        click.echo(f"bank monitoring: {count} standing(s) recorded")
