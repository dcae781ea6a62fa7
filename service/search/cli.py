"""`python -m service search ...`: rebuild, check and catch up the search index."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from service.search.interface import get_search
from service.search.whoosh_backend import IndexBusy

search_cli = click.Group("search", help="The full-text search index (Whoosh).")


@search_cli.command("reindex")
@click.option("--procs", default=1, show_default=True, help="Writer processes.")
@click.option("--limitmb", default=128, show_default=True, help="Memory per writer (MB).")
@with_appcontext
def reindex_command(procs: int, limitmb: int) -> None:
    """Build a new index beside the live one and swap it in (search keeps working)."""
    search = get_search()
    with click.progressbar(length=1, label="indexing decisions") as bar:
        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        try:
            count = search.reindex(progress, procs=procs, limitmb=limitmb)
        except IndexBusy as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"indexed {count} decisions; the new index is live")


@search_cli.command("check")
@click.option("--repair", is_flag=True, help="Rewrite the documents that differ.")
@with_appcontext
def check_command(repair: bool) -> None:
    """Compare the index with the database: missing, stale and extra documents."""
    report = get_search().check(repair=repair)
    for label, ids in (("missing", report.missing), ("stale", report.stale),
                       ("extra", report.extra)):
        shown = ", ".join(map(str, ids[:20])) + (" ..." if len(ids) > 20 else "")
        click.echo(f"{label}: {len(ids)}" + (f" ({shown})" if ids else ""))
    click.echo(f"outbox rows pending: {report.pending}")
    if report.ok:
        click.echo("index agrees with the database")
    elif report.repaired:
        click.echo("repaired")
    else:
        raise click.ClickException("index differs from the database: run with --repair")


@search_cli.command("apply")
@with_appcontext
def apply_command() -> None:
    """Apply pending outbox rows to the index now."""
    try:
        applied = get_search().apply_pending()
    except IndexBusy as exc:
        raise click.ClickException(f"{exc}; the rows stay pending") from None
    click.echo(f"applied {applied} outbox rows")
