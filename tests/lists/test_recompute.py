"""recompute_subject through the real database: what the register triggers after a change."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from service.audit.models import AuditEvent, DataChange
from service.core.actors import Actor
from service.lists.models import ListEntry
from service.lists.operations import recompute_subject
from service.search.models import SearchOutbox
from tests.factories import make_decision, make_entry, make_subject, mark_revoked

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
TODAY = date(2026, 7, 1)
SYSTEM = Actor.system("register")


def recompute(subject):
    return recompute_subject(subject.id, actor=SYSTEM, now=NOW, today=TODAY)


def entries(session, subject, kind="black"):
    return session.scalars(select(ListEntry).where(ListEntry.subject_id == subject.id,
                                                   ListEntry.list_kind == kind)
                           .order_by(ListEntry.id)).all()


def test_a_second_penalty_within_five_years_is_proposed_and_reclassified(session):
    subject = make_subject()
    first = make_decision(subject, decided_on=date(2022, 3, 1))
    second = make_decision(subject, decided_on=date(2026, 6, 20))
    assert second.severity == "ordinary"

    recompute(subject)

    [proposal] = entries(session, subject)
    assert (proposal.status, proposal.basis) == ("proposed", "repeat_infringement")
    assert {d.id for d in proposal.decisions} == {first.id, second.id}
    assert proposal.starts_on is None  # never active without an official
    assert (second.severity, second.disclosure_ends_on) == ("serious", date(2029, 6, 19))
    assert first.severity == "ordinary"
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["decision.reclassify", "listing.propose"]
    outbox = session.scalars(select(SearchOutbox.object_id).where(
        SearchOutbox.object_type == "decision")).all()
    assert outbox == [second.id]


def test_recompute_is_idempotent(session):
    subject = make_subject()
    make_decision(subject, decided_on=date(2026, 6, 20), fine="150")
    recompute(subject)
    events = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    assert recompute(subject).is_empty
    assert session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) == events
    assert len(entries(session, subject)) == 1


def test_a_new_qualifying_penalty_while_listed_extends_the_listing(session):
    subject = make_subject()
    old = make_decision(subject, decided_on=date(2025, 12, 1), fine="150")
    listing = make_entry(subject, starts_on=date(2026, 1, 5), decisions=[old])
    new = make_decision(subject, decided_on=date(2026, 6, 20), is_criminal_transfer=True)

    recompute(subject)

    assert listing.scheduled_end_on == date(2029, 6, 19)
    assert {d.id for d in listing.decisions} == {old.id, new.id}
    assert len(entries(session, subject)) == 1
    change = session.scalars(select(DataChange.kind)).all()
    assert "listing.extend" in change


def test_a_listing_whose_decision_was_revoked_ends_with_basis_revoked(session):
    subject = make_subject()
    decision = make_decision(subject, decided_on=date(2025, 12, 1), fine="150")
    listing = make_entry(subject, starts_on=date(2026, 1, 5), decisions=[decision])
    mark_revoked(decision, reason="复议机关认定事实不清")

    recompute(subject)

    assert (listing.status, listing.end_reason, listing.ended_on) == (
        "ended", "basis_revoked", TODAY)
    assert "复议机关认定事实不清" in listing.end_note
    assert session.scalars(select(DataChange.kind)).all() == ["listing.end_revoked"]


def test_a_new_penalty_ends_the_red_list_entry_at_once(session):
    subject = make_subject()
    red = make_entry(subject, "red", starts_on=date(2025, 5, 1))
    make_decision(subject, decided_on=date(2026, 6, 28))

    recompute(subject)

    assert (red.status, red.end_reason, red.ended_on) == ("ended", "excluded", TODAY)
    assert "recent_penalty" not in red.end_note
    assert "disclosed IP penalty" in red.end_note


def test_an_ordinary_subject_changes_nothing(session):
    subject = make_subject()
    make_decision(subject, decided_on=date(2026, 6, 20))
    assert recompute(subject).is_empty
    assert entries(session, subject) == []


def test_a_decision_changed_on_review_so_it_no_longer_qualifies_ends_the_listing(session):
    subject = make_subject()
    decision = make_decision(subject, decided_on=date(2025, 12, 1), fine="150")
    listing = make_entry(subject, starts_on=date(2026, 1, 5), decisions=[decision])
    decision.fine_amount, decision.corrected_at = Decimal("15"), NOW  # 行政复议变更

    recompute(subject)

    assert (listing.status, listing.end_reason) == ("ended", "basis_revoked")
    assert "已更正" in listing.end_note
    assert (decision.severity, decision.disclosure_ends_on) == ("ordinary", date(2026, 11, 30))


def test_reclassifications_are_recorded_in_decision_order(session):
    """The same events in the same order on every database, whatever order rows come in."""
    subject = make_subject()
    decisions = [make_decision(subject, decided_on=date(2026, 1 + i, 10)) for i in range(5)]
    for decision in decisions[1:3]:  # new row versions: PostgreSQL now returns these last
        decision.remarks = "补充说明"
    session.flush()

    recompute(subject)

    reclassified = session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == "decision.reclassify").order_by(AuditEvent.id)).all()
    assert reclassified == [d.id for d in decisions[1:]]
    changes = session.scalars(select(DataChange.object_id).where(
        DataChange.kind == "decision.reclassified").order_by(DataChange.id)).all()
    assert changes == reclassified
