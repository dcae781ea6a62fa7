"""evaluate_all and the CLI over it: batched, idempotent, records expiry."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from service.audit.models import AuditEvent, DataChange
from service.core import clock
from service.core.actors import Actor
from service.lists.models import ListEntry
from service.lists.operations import evaluate_all
from service.lists.queries import subject_status
from tests.factories import make_decision, make_entry, make_subject

CRON = Actor.cli("rules evaluate")
NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
TODAY = date(2026, 7, 1)


def arrange_register():
    repeat = make_subject()
    make_decision(repeat, decided_on=date(2024, 5, 1))
    make_decision(repeat, decided_on=date(2026, 6, 1))
    expired = make_subject()
    old = make_decision(expired, decided_on=date(2023, 1, 2), fine="150")
    entry = make_entry(expired, starts_on=date(2023, 2, 1), decisions=[old])
    quiet = [make_subject() for _ in range(5)]
    for subject in quiet:
        make_decision(subject, decided_on=date(2026, 5, 1))
    return repeat, entry


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_evaluate_all_proposes_records_expiry_and_a_second_run_changes_nothing(session):
    repeat, entry = arrange_register()
    # Expiry does not wait for the run: the public answer changes with the date alone.
    assert subject_status(entry.subject_id, date(2026, 1, 31)).status == "blacklisted"
    assert subject_status(entry.subject_id, date(2026, 2, 1)).status == "nothing_on_record"
    batches = []

    summary = evaluate_all(actor=CRON, now=NOW, today=TODAY, progress=batches.append,
                           batch_size=3)

    assert batches == [3, 3, 1]
    assert (summary.subjects, summary.proposed, summary.expired, summary.reclassified) == (
        7, 1, 1, 1)  # reclassified: the repeat's later decision became serious
    assert (entry.status, entry.end_reason, entry.ended_on) == ("ended", "expired",
                                                               date(2026, 2, 1))
    proposal = session.scalar(select(ListEntry).where(ListEntry.subject_id == repeat.id))
    assert proposal.status == "proposed"
    events, changes = count(session, AuditEvent), count(session, DataChange)

    again = evaluate_all(actor=CRON, now=NOW, today=TODAY)

    assert again.changed == 0
    assert again.subjects == 7
    assert count(session, AuditEvent) == events + 1  # only the run's own summary
    assert count(session, DataChange) == changes


def test_a_changed_policy_reclassifies_on_the_next_run(app, session):
    subject = make_subject()
    decision = make_decision(subject, decided_on=date(2026, 6, 1), fine="60")
    policy = app.extensions["policy"]
    app.extensions["policy"] = replace(policy, disclosure=replace(
        policy.disclosure, serious_fine_min=Decimal(50)))
    try:
        summary = evaluate_all(actor=CRON, now=NOW, today=TODAY)
    finally:
        app.extensions["policy"] = policy
    assert summary.reclassified == 1
    assert (decision.severity, decision.disclosure_ends_on) == ("serious", date(2029, 5, 31))


def test_cli_evaluate_prints_the_summary(app, session):
    arrange_register()
    result = app.test_cli_runner().invoke(args=["rules", "evaluate", "--as-of", "2026-07-01"])
    assert result.exit_code == 0, result.output
    assert "evaluated 7 subjects as of 2026-07-01" in result.output
    assert "proposed     1" in result.output
    assert "expired      1" in result.output


def test_cli_lists_pending_confirm_and_status(app, session):
    runner = app.test_cli_runner()
    today = clock.today()  # the commands act on the real date
    subject = make_subject()
    make_decision(subject, decided_on=today - timedelta(days=30), fine="150")
    runner.invoke(args=["rules", "evaluate"])
    [entry_id] = session.scalars(select(ListEntry.id).where(ListEntry.subject_id == subject.id))

    result = runner.invoke(args=["lists", "pending"])
    assert f"{entry_id}\t{subject.name}\t{subject.uscc}\tlarge_fine" in result.output

    tomorrow = (today + timedelta(days=1)).isoformat()
    refused = runner.invoke(args=["lists", "confirm", str(entry_id), "--notified-on", tomorrow])
    assert refused.exit_code == 1
    assert "in the future" in refused.output

    result = runner.invoke(args=["lists", "confirm", str(entry_id), "--notified-on",
                                 today.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"entry {entry_id} listed from {today}" in result.output

    for key in (subject.uscc, str(subject.id)):
        result = runner.invoke(args=["lists", "status", key])
        assert "blacklisted" in result.output
        assert "disclosed penalties: 1" in result.output
    assert runner.invoke(args=["lists", "status", "91110105MA0000000X"]).exit_code == 2
