"""`flask lists ...`: blacklist proposals and a subject's standing, from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from service.core import clock
from service.core.actors import Actor
from service.core.db import db, transactional
from service.lists.models import ListEntry
from service.lists.queries import proposals, subject_status
from service.register.models import Authority, Subject
from service.rules.refusals import RuleViolation

lists_cli = click.Group("lists", help="Blacklist and red list: proposals, confirmation, status.")
DATE = click.DateTime(formats=["%Y-%m-%d"])


def _entry(entry_id: int) -> ListEntry:
    entry = db.session.get(ListEntry, entry_id)
    if entry is None:
        raise click.BadParameter(f"no list entry {entry_id}", param_hint="ID")
    return entry


def _run(operation, *args, **kwargs):
    """Run an operation; a refusal by the rules becomes a clear CLI error."""
    try:
        return operation(*args, actor=Actor.cli("lists"), now=clock.now(), today=clock.today(),
                         **kwargs)
    except RuleViolation as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc


@lists_cli.command("pending")
@click.option("--authority", help="Only proposals of this authority (full name).")
@with_appcontext
def pending(authority: str | None) -> None:
    """List blacklist proposals awaiting an official's confirmation."""
    authority_id = None
    if authority:
        authority_id = db.session.scalar(select(Authority.id).where(Authority.name == authority))
        if authority_id is None:
            raise click.BadParameter(f"no authority named {authority!r}", param_hint="--authority")
    found = proposals(authority_id)
    for entry in found:
        numbers = ", ".join(d.number for d in entry.decisions)
        click.echo(f"{entry.id}\t{entry.subject.name}\t{entry.subject.uscc or '-'}\t"
                   f"{entry.basis}\t{clock.local_date(entry.proposed_at)}\t{numbers}")
    click.echo(f"{len(found)} proposal(s) pending", err=True)


@lists_cli.command("confirm")
@click.argument("entry_id", metavar="ID", type=int)
@click.option("--notified-on", type=DATE, required=True,
              help="Day the party was told the facts, reasons and basis (陈述申辩告知日期).")
@with_appcontext
@transactional
def confirm(entry_id: int, notified_on) -> None:
    """Confirm a proposal: the subject is blacklisted from today."""
    from service.lists.operations import confirm_listing

    entry = _run(confirm_listing, _entry(entry_id), notified_on=notified_on.date())
    click.echo(f"entry {entry.id} listed from {entry.starts_on} to {entry.scheduled_end_on}")


@lists_cli.command("reject")
@click.argument("entry_id", metavar="ID", type=int)
@click.option("--reason", required=True, help="Why the proposal is rejected (不予列入理由).")
@with_appcontext
@transactional
def reject(entry_id: int, reason: str) -> None:
    """Reject a proposal."""
    from service.lists.operations import reject_proposal

    _run(reject_proposal, _entry(entry_id), reason=reason)
    click.echo(f"proposal {entry_id} rejected")


@lists_cli.command("status")
@click.argument("subject")
@click.option("--as-of", type=DATE, default=None, help="Day to answer for; default today.")
@with_appcontext
def status(subject: str, as_of) -> None:
    """Show a subject's standing (SUBJECT: its id or USCC)."""
    by_id = subject.isdigit() and len(subject) < 18  # a USCC has 18 characters
    found = db.session.scalar(select(Subject).where(
        Subject.id == int(subject) if by_id else Subject.uscc == subject.strip().upper()))
    if found is None:
        raise click.BadParameter(f"no subject {subject!r}", param_hint="SUBJECT")
    answer = subject_status(found.id, as_of.date() if as_of else clock.today())
    click.echo(f"{found.name}: {answer.status} as of {answer.as_of}")
    for entry in answer.blacklist + answer.red_list:
        end = entry.scheduled_end_on or "until removed"
        click.echo(f"  {entry.list_kind} entry {entry.id} ({entry.basis}) {entry.starts_on} – "
                   f"{end}, {entry.authority_name or '-'}")
    p = answer.penalties
    click.echo(f"  disclosed penalties: {p.count}, latest {p.latest_decided_on or '-'}, "
               f"fines {p.total_fine} 万元, {', '.join(p.violation_types) or '-'}")
