"""Confirming, rejecting and manually making listings; persons listed with an organisation."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from service.core.actors import Actor
from service.lists.models import ListEntry
from service.lists.operations import (
    RuleViolation,
    confirm_listing,
    list_manually,
    recompute_subject,
    reject_proposal,
)
from service.lists.queries import subject_status
from tests.factories import (
    make_authority,
    make_decision,
    make_entry,
    make_official,
    make_person,
    make_subject,
    mark_revoked,
    name_person,
)

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
TODAY = date(2026, 7, 1)


@pytest.fixture
def official(session):
    return Actor.user(make_official(make_authority()))


def propose(subject, **decision_kw):
    decision = make_decision(subject, decided_on=date(2026, 6, 1), fine="150", **decision_kw)
    recompute_subject(subject.id, actor=Actor.system(), now=NOW, today=TODAY)
    [entry] = [e for e in subject_entries(subject) if e.status == "proposed"]
    return entry, decision


def subject_entries(subject):
    from service.core.db import db

    return db.session.scalars(select(ListEntry).where(ListEntry.subject_id == subject.id)
                              .order_by(ListEntry.id)).all()


def test_confirming_starts_today_for_three_years_and_records_who(session, official):
    entry, _ = propose(make_subject())
    confirm_listing(entry, notified_on=date(2026, 6, 15), actor=official, now=NOW, today=TODAY)
    assert (entry.status, entry.starts_on, entry.scheduled_end_on) == (
        "active", TODAY, date(2029, 6, 30))
    assert (entry.notified_on, entry.confirmed_by_id, entry.confirmed_at) == (
        date(2026, 6, 15), official.id, NOW)
    assert subject_status(entry.subject_id, TODAY).status == "blacklisted"


@pytest.mark.parametrize(("notified_on", "code", "field"), [
    (None, "required", "notified_on"),
    (date(2026, 7, 2), "invalid", "notified_on"),  # in the future
    (date(2026, 5, 31), "invalid", "notified_on"),  # before the decision it notifies
])
def test_confirming_needs_a_real_notice_date(session, official, notified_on, code, field):
    entry, _ = propose(make_subject())
    with pytest.raises(RuleViolation) as refused:
        confirm_listing(entry, notified_on=notified_on, actor=official, now=NOW, today=TODAY)
    assert (refused.value.code, refused.value.field, refused.value.status) == (code, field, 422)
    assert entry.status == "proposed"


def test_a_proposal_whose_basis_was_revoked_cannot_be_confirmed(session, official):
    entry, decision = propose(make_subject())
    mark_revoked(decision)
    with pytest.raises(RuleViolation, match="basis no longer holds") as refused:
        confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW, today=TODAY)
    assert refused.value.code == "basis_revoked"
    assert entry.end_reason == "basis_revoked"


def test_only_a_proposal_can_be_confirmed_or_rejected(session, official):
    entry, _ = propose(make_subject())
    reject_proposal(entry, reason="当事人陈述申辩成立", actor=official, now=NOW, today=TODAY)
    assert (entry.status, entry.end_note, entry.ended_by_id) == (
        "rejected", "当事人陈述申辩成立", official.id)
    for act in (lambda: confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW,
                                        today=TODAY),
                lambda: reject_proposal(entry, reason="x", actor=official, now=NOW, today=TODAY)):
        with pytest.raises(RuleViolation) as refused:
            act()
        assert (refused.value.code, refused.value.status) == ("not_proposed", 409)


def test_rejecting_needs_a_reason(session, official):
    entry, _ = propose(make_subject())
    with pytest.raises(RuleViolation, match="reason: required"):
        reject_proposal(entry, reason="  ", actor=official, now=NOW, today=TODAY)


def test_the_legal_representative_is_listed_with_the_organisation_and_leaves_with_it(
        session, official):
    company = make_subject()
    representative, manager = make_person("张三"), make_person("李四")
    entry, decision = propose(company)
    name_person(decision, representative, "legal_representative")
    name_person(decision, manager, "responsible_person")

    confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW, today=TODAY)

    children = [subject_entries(p)[0] for p in (representative, manager)]
    for child in children:
        assert (child.parent_id, child.basis, child.status) == (
            entry.id, "associated_person", "active")
        assert (child.starts_on, child.scheduled_end_on) == (entry.starts_on,
                                                              entry.scheduled_end_on)
        assert company.name in child.basis_text
    assert "法定代表人" in children[0].basis_text
    assert "直接责任人员" in children[1].basis_text
    assert subject_status(representative.id, TODAY).status == "blacklisted"

    mark_revoked(decision)
    recompute_subject(company.id, actor=official, now=NOW, today=TODAY)

    for child in children:
        assert (child.status, child.end_reason) == ("ended", "basis_revoked")
    assert subject_status(representative.id, TODAY).status == "nothing_on_record"


def test_persons_named_on_an_extending_decision_join_the_listing(session, official):
    company = make_subject()
    entry, _ = propose(company)
    confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW, today=TODAY)
    later = make_decision(company, decided_on=date(2026, 6, 30), is_criminal_transfer=True)
    person = make_person("王五")
    name_person(later, person)
    recompute_subject(company.id, actor=official, now=NOW, today=TODAY)
    [child] = subject_entries(person)
    assert child.parent_id == entry.id
    assert child.scheduled_end_on == date(2029, 6, 30)


def test_no_persons_are_listed_when_the_policy_says_so(app, session, official):
    from dataclasses import replace

    company = make_subject()
    entry, decision = propose(company)
    person = make_person()
    name_person(decision, person)
    policy = app.extensions["policy"]
    app.extensions["policy"] = replace(policy, blacklist=replace(
        policy.blacklist, list_legal_representatives=False))
    try:
        confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW, today=TODAY)
    finally:
        app.extensions["policy"] = policy
    assert subject_entries(person) == []


def test_confirming_ends_a_red_list_entry_the_same_day(session, official):
    company = make_subject()
    red = make_entry(company, "red", starts_on=date(2020, 1, 1))
    entry, _ = propose(company, published_at=datetime(2026, 6, 1, tzinfo=UTC))
    assert red.status == "ended"  # the penalty alone already excludes it
    assert subject_status(company.id, TODAY).status == "disclosed_penalties"
    confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW, today=TODAY)
    status = subject_status(company.id, TODAY)
    assert status.status == "blacklisted"
    assert status.red_list == ()


def test_listing_by_hand(session, official):
    company = make_subject()
    decision = make_decision(company, decided_on=date(2026, 5, 1))
    entry = list_manually(company, basis_text="多次销售侵权商品，情节严重",
                          decision_ids=[decision.id],
                          notified_on=date(2026, 6, 1), actor=official, now=NOW, today=TODAY)
    assert (entry.status, entry.basis, entry.starts_on, entry.scheduled_end_on) == (
        "active", "manual", TODAY, date(2029, 6, 30))
    assert entry.authority_id == official.authority_id
    with pytest.raises(RuleViolation) as refused:
        list_manually(company, basis_text="再次", decision_ids=[], notified_on=TODAY,
                      actor=official, now=NOW, today=TODAY)
    assert refused.value.code == "already_listed"


@pytest.mark.parametrize(("kw", "message"), [
    ({"basis_text": ""}, "basis_text: required"),
    ({"decision_ids": [999999]}, "not a decision about"),
    ({"notified_on": None}, "notified_on: required"),
])
def test_listing_by_hand_checks_its_input(session, official, kw, message):
    company = make_subject()
    args = {"basis_text": "情节严重", "decision_ids": [], "notified_on": TODAY} | kw
    with pytest.raises(RuleViolation, match=message):
        list_manually(company, actor=official, now=NOW, today=TODAY, **args)


def test_listing_by_hand_waits_for_a_pending_proposal(session, official):
    company = make_subject()
    propose(company)
    with pytest.raises(RuleViolation) as refused:
        list_manually(company, basis_text="情节严重", decision_ids=[], notified_on=TODAY,
                      actor=official, now=NOW, today=TODAY)
    assert refused.value.code == "proposal_pending"


def test_a_person_listed_with_a_company_leaves_the_red_list(session, official):
    company, person = make_subject(), make_person()
    red = make_entry(person, "red", starts_on=date(2024, 1, 1))
    entry, decision = propose(company)
    name_person(decision, person)
    confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW, today=TODAY)
    assert (red.status, red.end_reason, red.ended_on) == ("ended", "excluded", TODAY)
    assert subject_status(person.id, TODAY).status == "blacklisted"
    assert subject_status(person.id, TODAY).red_list == ()
