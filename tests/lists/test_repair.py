"""Credit repair through the database: minimums refused with reasons, approval effects."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from service.core.actors import Actor
from service.lists.models import ListEntry
from service.lists.operations import (
    RuleViolation,
    approve_repair,
    confirm_listing,
    deny_repair,
    recompute_subject,
    submit_repair,
)
from service.lists.queries import subject_status
from service.register.models import DecisionRevision
from tests.factories import (
    make_authority,
    make_decision,
    make_official,
    make_person,
    make_subject,
    name_person,
)

D = date(2026, 3, 10)
NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)


@pytest.fixture
def official(session):
    return Actor.user(make_official(make_authority()))


def application(target, obj, **kw):
    key = "decision_id" if target == "decision" else "list_entry_id"
    return {"target": target, key: obj.id, "applicant": "北京星辰贸易有限公司",
            "evidence": "罚款缴纳凭证（2026-04-01）", "commitment": "本单位承诺依法诚信经营",
            "performed_on": date(2026, 4, 1)} | kw


def submit(data, today, actor):
    return submit_repair(data, actor=actor, now=NOW, today=today)


@pytest.mark.parametrize(("decision_kw", "today", "data_kw", "codes"), [
    ({}, date(2026, 6, 9), {}, ["too_early"]),  # ordinary: not before 3 months
    ({"fine": "150"}, date(2027, 3, 9), {}, ["too_early"]),  # serious: not before 1 year
    ({}, date(2026, 6, 10), {"performed_on": None}, ["not_performed"]),
    ({}, date(2026, 6, 10), {"commitment": ""}, ["no_commitment"]),
    ({"categories": ("责令关闭",), "fine": None, "violation_type": "制售假冒伪劣商品"},
     date(2028, 1, 1), {}, ["unrepairable"]),
])
def test_decision_repair_minimums_are_refused_with_reasons(session, official, decision_kw, today,
                                                           data_kw, codes):
    decision = make_decision(decided_on=D, **decision_kw)
    with pytest.raises(RuleViolation) as refused:
        submit(application("decision", decision, **data_kw), today, official)
    assert [r.code for r in refused.value.refusals] == codes
    assert refused.value.status == 409


def test_approved_decision_repair_leaves_public_view_and_bank_answers(session, official):
    decision = make_decision(decided_on=D, performed_on=date(2026, 4, 1))
    today = date(2026, 6, 10)
    assert subject_status(decision.subject_id, today).penalties.count == 1
    filed = submit(application("decision", decision, performed_on=None), today, official)
    approve_repair(filed, note="材料齐全", actor=official, now=NOW, today=today)
    assert decision.repaired_on == today
    assert (filed.status, filed.decided_by_id, filed.decision_note) == (
        "approved", official.id, "材料齐全")
    for day in (D, today, date(2026, 12, 1)):  # not even for a past day
        assert subject_status(decision.subject_id, day).status == "nothing_on_record"
    revision = session.scalar(select(DecisionRevision).where(
        DecisionRevision.decision_id == decision.id))
    assert (revision.action, revision.reason) == ("repaired", "材料齐全")


def test_submission_input_errors_name_the_field(session, official):
    decision = make_decision(decided_on=D)
    cases = [({"target": "entry"}, "target"), ({"decision_id": 999999}, "decision_id"),
             ({"applicant": ""}, "applicant"), ({"performed_on": date(2026, 7, 2)}, "performed_on"),
             ({"performed_on": date(2026, 3, 9)}, "performed_on")]
    for change, field in cases:
        with pytest.raises(RuleViolation) as refused:
            submit(application("decision", decision) | change, date(2026, 7, 1), official)
        assert (refused.value.field, refused.value.status) == (field, 422)


def test_one_pending_application_per_record_and_denial_needs_a_note(session, official):
    decision = make_decision(decided_on=D)
    filed = submit(application("decision", decision), date(2026, 7, 1), official)
    with pytest.raises(RuleViolation, match="already pending"):
        submit(application("decision", decision), date(2026, 7, 1), official)
    with pytest.raises(RuleViolation, match="note: required"):
        deny_repair(filed, note="", actor=official, now=NOW, today=date(2026, 7, 1))
    deny_repair(filed, note="履行凭证不清晰", actor=official, now=NOW, today=date(2026, 7, 1))
    assert filed.status == "denied"
    assert decision.repaired_on is None
    with pytest.raises(RuleViolation) as refused:
        approve_repair(filed, actor=official, now=NOW, today=date(2026, 7, 1))
    assert refused.value.code == "not_pending"


def listed_company(official, listed_on: date):
    company = make_subject()
    decision = make_decision(company, decided_on=listed_on, fine="150",
                             performed_on=listed_on)
    person = make_person()
    name_person(decision, person)
    recompute_subject(company.id, actor=official, now=NOW, today=listed_on)
    from service.core.db import db

    entry = db.session.scalar(select(ListEntry).where(ListEntry.subject_id == company.id))
    confirm_listing(entry, notified_on=listed_on, actor=official, now=NOW, today=listed_on)
    return company, person, entry


def test_early_removal_not_before_a_year_then_ends_the_listing_and_its_persons(session, official):
    company, person, entry = listed_company(official, date(2026, 1, 5))
    with pytest.raises(RuleViolation) as refused:
        submit(application("listing", entry), date(2027, 1, 4), official)
    assert [r.code for r in refused.value.refusals] == ["too_early"]

    filed = submit(application("listing", entry), date(2027, 1, 5), official)
    approve_repair(filed, note="同意提前移出", actor=official, now=NOW, today=date(2027, 1, 5))

    assert (entry.status, entry.end_reason, entry.ended_on) == ("ended", "repaired",
                                                               date(2027, 1, 5))
    from service.core.db import db

    [child] = db.session.scalars(select(ListEntry).where(ListEntry.subject_id == person.id))
    assert (child.status, child.end_reason) == ("ended", "repaired")
    for day in (date(2026, 6, 1), date(2027, 6, 1)):  # the public sees no trace of it
        assert subject_status(company.id, day).blacklist == ()
        assert subject_status(person.id, day).status == "nothing_on_record"
    assert recompute_subject(company.id, actor=official, now=NOW,
                             today=date(2027, 1, 6)).proposal is None


def test_early_removal_is_refused_after_a_new_heavy_penalty(session, official):
    company, _, entry = listed_company(official, date(2026, 1, 5))
    make_decision(company, decided_on=date(2026, 9, 1), fine="200")
    with pytest.raises(RuleViolation) as refused:
        submit(application("listing", entry), date(2027, 3, 1), official)
    assert [r.code for r in refused.value.refusals] == ["new_penalty"]
