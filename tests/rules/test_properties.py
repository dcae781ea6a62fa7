"""Invariants of the list and disclosure rules over random subject histories (no database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.rules.disclosure import is_disclosed
from service.rules.facts import SubjectHistory
from service.rules.policy import default_policy
from service.rules.replay import status_on
from tests.rules.simulation import DecisionSpec, Event, World

POLICY = default_policy()
BASE = date(2020, 1, 1)
CATEGORIES = [
    frozenset({"罚款"}), frozenset({"罚款", "没收违法所得"}), frozenset({"警告"}),
    frozenset({"通报批评"}), frozenset({"吊销许可证件"}), frozenset({"责令关闭"}),
    frozenset({"罚款", "责令停产停业"}),
]
FINES = [None, Decimal(5), Decimal("99.999999"), Decimal(100), Decimal(150)]
TYPES = ["侵犯注册商标专用权", "侵犯著作权", "假冒专利", "制售假冒伪劣商品", "广告违法"]
OFFICIAL_ACTS = ["confirm", "confirm", "reject", "nominate", "nominate", "remove_red",
                 "evaluate"]
RETROACTIVE_ACTS = ["revoke", "repair_decision", "repair_listing"]


def day(offset: int) -> date:
    return BASE + timedelta(days=offset)


@st.composite
def worlds(draw, *, in_order: bool | None = None, retroactive: bool | None = None) -> World:
    """A random life: decisions published (in decision order or not) and officials acting."""
    in_order = draw(st.booleans()) if in_order is None else in_order
    retroactive = draw(st.booleans()) if retroactive is None else retroactive
    offsets = sorted(draw(st.lists(st.integers(0, 2000), min_size=1, max_size=6)))
    events, last_published = [], BASE
    for offset in offsets:
        decided = day(offset)
        published = decided + timedelta(days=draw(st.integers(0, 90)))
        if in_order:
            published = last_published = max(published, last_published)
        spec = DecisionSpec(
            decided_on=decided, published_on=published,
            categories=draw(st.sampled_from(CATEGORIES)), fine=draw(st.sampled_from(FINES)),
            violation_type=draw(st.sampled_from(TYPES)),
            is_criminal_transfer=draw(st.booleans()) and draw(st.booleans()),
            is_nonperformance=draw(st.booleans()) and draw(st.booleans()),
            is_simple_procedure=draw(st.booleans()) and draw(st.booleans()),
            performed_after_days=draw(st.sampled_from([None, 0, 30, 400])),
        )
        events.append(Event(published, "publish", spec))
        if draw(st.integers(0, 9)) < 7:  # an official usually confirms some weeks later
            confirmed = published + timedelta(days=draw(st.integers(0, 60)))
            events.append(Event(confirmed, "confirm"))
            if retroactive and draw(st.booleans()):  # and the party may apply for early removal
                events.append(Event(confirmed + timedelta(days=draw(st.integers(300, 800))),
                                    "repair_listing"))
    acts = OFFICIAL_ACTS + (RETROACTIVE_ACTS if retroactive else [])
    for _ in range(draw(st.integers(0, 10))):
        events.append(Event(day(draw(st.integers(0, 2400))), draw(st.sampled_from(acts)),
                            index=draw(st.integers(0, 5))))
    return World(POLICY).run(events)


def check_days(world: World) -> list[date]:
    """Every boundary where a rule could slip, plus a sweep of ordinary days."""
    days = {day(n) for n in range(0, 3300, 41)}
    for record in world.history.records:
        ends = [record.decided_on, record.published_on, world.published_end.get(record.id)]
        if record.stored:
            ends.append(record.stored.disclosure_ends_on)
        days.update(d + timedelta(days=k) for d in ends if d for k in (-1, 0, 1))
    for entry in world.history.entries:
        for d in (entry.starts_on, entry.scheduled_end_on, entry.ended_on):
            if d:
                days.update(d + timedelta(days=k) for k in (-1, 0, 1))
    for snapshot_day, _ in world.snapshots:
        days.update({snapshot_day, snapshot_day + timedelta(days=1)})
    return sorted(days)


PROPERTY_SETTINGS = settings(max_examples=120, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(worlds())
def test_no_subject_is_on_both_lists_on_the_same_day(world):
    states = [world.history] + [h for _, h in world.snapshots]
    for d in check_days(world):
        for history in states:
            assert not (history.black_in_force(d) and history.red_in_force(d)), d


@PROPERTY_SETTINGS
@given(worlds())
def test_nothing_is_disclosed_after_its_period_unless_a_new_fact_extends_it(world):
    records = {r.id: r for r in world.history.records}
    for record in world.history.records:
        end_when_published = world.published_end[record.id]
        later_end = record.stored.disclosure_ends_on if record.stored else None
        if later_end and (end_when_published is None or later_end > end_when_published):
            # Only an earlier infringement published later (a repeat) may lengthen it.
            assert any(world.published_day[o.id] > world.published_day[record.id]
                       and o.decided_on <= record.decided_on for o in records.values()), record
        for d in check_days(world):
            if is_disclosed(record.disclosure_state(POLICY), d):
                assert d <= later_end
                assert d <= end_when_published or later_end > end_when_published


@PROPERTY_SETTINGS
@given(worlds())
def test_a_listing_never_ends_before_its_minimum_unless_revoked_or_repaired(world):
    records = {r.id: r for r in world.history.records}
    rules = POLICY.blacklist
    for entry in world.history.entries:
        if not entry.is_own_black or entry.starts_on is None:
            continue
        minimum_last_day = rules.duration.last_day_from(entry.starts_on)
        revoked = any(records[i].revoked for i in entry.decision_ids)
        assert entry.scheduled_end_on >= minimum_last_day or revoked, entry
        if entry.ended_on is not None and entry.ended_on <= minimum_last_day:
            assert (entry.end_reason == "basis_revoked" and revoked) or (
                entry.end_reason == "repaired"
                and entry.ended_on >= rules.repair_after.after(entry.starts_on)), entry


@PROPERTY_SETTINGS
@given(worlds())
def test_replaying_a_past_day_equals_computing_on_that_day(world):
    """Only a revocation, a repair or a late-published earlier infringement rewrites the past."""
    since = max(world.retroactive_days, default=BASE)
    for d in check_days(world):
        if d >= since:
            assert status_on(world.history, d, POLICY) == status_on(world.state_on(d), d, POLICY), d


@settings(max_examples=60, deadline=None)
@given(worlds(in_order=True, retroactive=False))
def test_without_retroactive_facts_every_past_day_replays_exactly(world):
    assert not world.retroactive_days
    for d in check_days(world):
        assert status_on(world.history, d, POLICY) == status_on(world.state_on(d), d, POLICY), d


@settings(max_examples=60, deadline=None)
@given(worlds(), st.integers(0, 1500))
def test_recomputing_twice_changes_nothing(world, later):
    last_day = max(d for d, _ in world.snapshots)
    for when in (last_day, last_day + timedelta(days=later)):
        world.recompute(when)
        before = world.history
        world.recompute(when)
        assert world.history == before
        assert world.changes[-1][1].is_empty


def test_empty_history_has_nothing_on_record():
    assert status_on(SubjectHistory(1), BASE, POLICY).status == "nothing_on_record"
