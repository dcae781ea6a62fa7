"""The red list through the database: nomination, refusal with the reason, removal."""

from datetime import UTC, date, datetime

import pytest

from service.core.actors import Actor
from service.lists.operations import RuleViolation, nominate_red, recompute_subject, remove_red
from service.lists.queries import subject_status
from tests.factories import make_authority, make_decision, make_entry, make_official, make_subject

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
TODAY = date(2026, 7, 1)


@pytest.fixture
def official(session):
    return Actor.user(make_official(make_authority()))


def nominate(subject, official, today=TODAY, **kw):
    args = {"basis_text": "国家知识产权示范企业", "authority": make_authority()}
    return nominate_red(subject, actor=official, now=NOW, today=today, **(args | kw))


def test_an_eligible_subject_is_red_listed_until_removed(session, official):
    subject = make_subject()
    make_decision(subject, decided_on=date(2023, 6, 30), fine="150")  # three years ago
    make_decision(subject, decided_on=date(2025, 6, 30))  # its one-year disclosure ended
    entry = nominate(subject, official)
    assert (entry.status, entry.starts_on, entry.scheduled_end_on) == ("active", TODAY, None)
    assert subject_status(subject.id, TODAY).status == "red_list"
    with pytest.raises(RuleViolation, match="already on the red list"):
        nominate(subject, official)

    remove_red(entry, reason="推荐单位撤回推荐", actor=official, now=NOW, today=TODAY)
    assert (entry.end_reason, entry.ended_on, entry.end_note) == (
        "removed", TODAY, "推荐单位撤回推荐")
    assert subject_status(subject.id, TODAY).status == "nothing_on_record"
    assert subject_status(subject.id, date(2026, 6, 30)).status == "nothing_on_record"
    with pytest.raises(RuleViolation) as refused:
        remove_red(entry, reason="x", actor=official, now=NOW, today=TODAY)
    assert refused.value.code == "not_in_force"


@pytest.mark.parametrize(("arrange", "code"), [
    (lambda s: make_decision(s, decided_on=date(2024, 1, 1), fine="150"), "recent_penalty"),
    (lambda s: make_entry(s, starts_on=date(2026, 1, 1)), "blacklisted"),
])
def test_an_ineligible_subject_is_refused_with_the_reason(session, official, arrange, code):
    subject = make_subject()
    arrange(subject)
    with pytest.raises(RuleViolation) as refused:
        nominate(subject, official)
    assert refused.value.code == code
    assert refused.value.to_api_error().status == 409


def test_nomination_input_is_checked(session, official):
    with pytest.raises(RuleViolation, match="basis_text: required"):
        nominate(make_subject(), official, basis_text=" ")
    with pytest.raises(RuleViolation, match="authority: required"):
        nominate(make_subject(), official, authority=None)


def test_a_new_penalty_removes_the_subject_from_the_red_list(session, official):
    subject = make_subject()
    entry = nominate(subject, official, today=date(2026, 6, 1))
    make_decision(subject, decided_on=TODAY, published_at=NOW)
    recompute_subject(subject.id, actor=Actor.system(), now=NOW, today=TODAY)
    assert (entry.status, entry.end_reason) == ("ended", "excluded")
    assert subject_status(subject.id, TODAY).status == "disclosed_penalties"
    assert subject_status(subject.id, date(2026, 6, 30)).status == "red_list"
