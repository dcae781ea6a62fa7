"""The SQL filters agree with the pure rules they mirror."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from service.core.clock import local_date
from service.core.db import db
from service.lists.models import ListEntry
from service.register.models import Decision
from service.register.queries import disclosed_on, entry_in_force_on
from service.rules.disclosure import DisclosureState, is_disclosed
from service.rules.listing import EntryState, entry_in_force
from tests.factories import make_decision, make_subject


def test_disclosed_on_matches_rule(session):
    decisions = [
        make_decision(decided_on=date(2025, 1, 5)),
        make_decision(decided_on=date(2025, 6, 1), fine="150"),
        make_decision(decided_on=date(2026, 1, 1), categories=("警告",), fine=None),
        make_decision(decided_on=date(2026, 2, 1), published=False),
        make_decision(decided_on=date(2025, 3, 1), revoked_at=datetime(2025, 5, 1, tzinfo=UTC)),
        make_decision(decided_on=date(2025, 3, 1), repaired_on=date(2025, 9, 1)),
        # published at 23:30 Beijing time on 2025-04-01 = 15:30 UTC
        make_decision(decided_on=date(2025, 4, 1),
                      published_at=datetime(2025, 4, 1, 15, 30, tzinfo=UTC)),
    ]
    for day in [date(2025, 1, 4) + timedelta(days=n * 29) for n in range(60)] + [date(2025, 4, 1)]:
        in_sql = set(db.session.scalars(select(Decision.id).where(disclosed_on(day))))
        by_rule = {d.id for d in decisions if is_disclosed(DisclosureState(
            status=d.status, is_disclosable=d.is_disclosable, decided_on=d.decided_on,
            disclosure_ends_on=d.disclosure_ends_on,
            published_on=local_date(d.published_at) if d.published_at else None,
            revoked=d.revoked_at is not None, repaired_on=d.repaired_on), day)}
        assert in_sql == by_rule, day


def test_entry_in_force_on_matches_rule(session):
    subject = make_subject()
    specs = [
        ("active", date(2025, 1, 1), date(2027, 12, 31), None, None),
        ("ended", date(2025, 1, 1), date(2027, 12, 31), date(2026, 2, 1), "repaired"),
        ("ended", date(2025, 1, 1), date(2027, 12, 31), date(2026, 2, 1), "basis_revoked"),
        ("ended", date(2025, 1, 1), date(2027, 12, 31), date(2026, 2, 1), "removed"),
        ("proposed", None, None, None, None),
        ("rejected", None, None, None, None),
        ("active", date(2025, 6, 1), None, None, None),
    ]
    entries = []
    for status, start, end, ended, reason in specs:
        entry = ListEntry(list_kind="black", subject=subject, status=status, basis="manual",
                          basis_text="测试", starts_on=start, scheduled_end_on=end,
                          ended_on=ended, end_reason=reason)
        db.session.add(entry)
        entries.append(entry)
    db.session.flush()
    for day in [date(2024, 12, 1) + timedelta(days=n * 30) for n in range(45)]:
        in_sql = set(db.session.scalars(select(ListEntry.id).where(entry_in_force_on(day))))
        by_rule = {e.id for e in entries if entry_in_force(EntryState(
            e.status, e.starts_on, e.scheduled_end_on, e.ended_on, e.end_reason), day)}
        assert in_sql == by_rule, day
