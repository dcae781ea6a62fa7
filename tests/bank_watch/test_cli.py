"""The cron commands: `bank changes scan`, `bank changes baseline`, `bank deliver-webhooks`."""

from datetime import date, timedelta

from sqlalchemy import select

from service.bank_api.watch_models import StatusChange
from service.core import clock
from tests.factories import make_decision, make_entry, make_subject


def test_scan_records_an_ended_disclosure_once(app, session):
    subject = make_subject()
    decision = make_decision(subject, decided_on=clock.today() - timedelta(days=30))
    session.commit()
    after_end = (decision.disclosure_ends_on + timedelta(days=1)).isoformat()
    runner = app.test_cli_runner()

    baseline = runner.invoke(args=["bank", "changes", "baseline"])
    assert baseline.exit_code == 0, baseline.output
    assert "1 standing(s) recorded" in baseline.output
    first = runner.invoke(args=["bank", "changes", "scan", "--as-of", after_end])
    again = runner.invoke(args=["bank", "changes", "scan", "--as-of", after_end])

    assert first.exit_code == 0, first.output
    assert f"1 status change(s) recorded as of {after_end}" in first.output
    assert "0 status change(s)" in again.output
    [change] = session.scalars(select(StatusChange)).all()
    assert (change.from_status, change.to_status) == ("disclosed_penalties", "nothing_on_record")


def test_baseline_does_nothing_the_second_time(app, session):
    make_entry(make_subject(), starts_on=date(2026, 1, 5))
    session.commit()
    runner = app.test_cli_runner()
    assert "1 standing(s)" in runner.invoke(args=["bank", "changes", "baseline"]).output
    assert "nothing to do" in runner.invoke(args=["bank", "changes", "baseline"]).output


def test_deliver_webhooks_with_nothing_to_send(app, session):
    result = app.test_cli_runner().invoke(args=["bank", "deliver-webhooks"])
    assert result.exit_code == 0, result.output
    assert "queued 0, delivered 0, retrying 0, failed 0" in result.output
