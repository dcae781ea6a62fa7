"""Who may run the lists, repair, red list, audit, client and report pages: role × authority."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.lists.models import ListEntry, RepairApplication
from service.lists.operations import nominate_red, submit_repair
from tests.console.helpers import logged_in, make_user, post_form
from tests.console_extra.conftest import days_ago
from tests.console_extra.test_lists_pages import propose
from tests.factories import make_decision, make_subject


def _proposal(authority):
    entry, _ = propose(authority)
    return f"/console/lists/{entry.id}/confirm", {"notified_on": days_ago(1).isoformat()}


def _reject(authority):
    entry, _ = propose(authority)
    return f"/console/lists/{entry.id}/reject", {"reason": "陈述申辩成立"}


def _manual(authority):
    subject = make_subject()
    decision = make_decision(subject, authority, decided_on=days_ago(40))
    db.session.commit()
    return "/console/lists/manual", {"subject_id": subject.id, "decision_ids": [decision.id],
                                     "authority_id": authority.id, "basis_text": "认定",
                                     "notified_on": days_ago(1).isoformat()}


def _repair(authority):
    decision = make_decision(authority=authority, decided_on=days_ago(200), fine="5.5")
    db.session.commit()
    return "/console/repairs/new", {"target": "decision", "decision_id": decision.id,
                                    "applicant": "甲", "evidence": "已缴清",
                                    "commitment": "承诺", "performed_on": days_ago(150)}


def _decide_repair(authority):
    decision = make_decision(authority=authority, decided_on=days_ago(200), fine="5.5")
    application = submit_repair(
        {"target": "decision", "decision_id": decision.id, "applicant": "甲",
         "evidence": "已缴清", "commitment": "承诺", "performed_on": days_ago(150)},
        actor=Actor.system(), now=clock.now(), today=clock.today())
    db.session.commit()
    return f"/console/repairs/{application.id}/approve", {"note": "同意"}


def _nominate(authority):
    subject = make_subject()
    db.session.commit()
    return "/console/redlist/nominate", {"subject": subject.uscc, "basis_text": "示范企业",
                                         "authority_id": authority.id}


def _remove_red(authority):
    entry = nominate_red(make_subject(), basis_text="示范企业", authority=authority,
                         actor=Actor.system(), now=clock.now(), today=clock.today())
    db.session.commit()
    return f"/console/redlist/{entry.id}/remove", {"reason": "资格撤销"}


ACTIONS = {"list.confirm": _proposal, "list.reject": _reject, "list.manual": _manual,
           "repair.submit": _repair, "repair.decide": _decide_repair,
           "red.nominate": _nominate, "red.remove": _remove_red}
# role → may act on its own authority's records / on another authority's.
EXPECTED = {"clerk": (False, False), "reviewer": (True, False), "admin": (True, True)}


# A reviewer's nomination always names their own authority (tested separately below).
MATRIX = [(action, role, whose) for action in sorted(ACTIONS) for role in sorted(EXPECTED)
          for whose in ("own", "other")
          if (action, role, whose) != ("red.nominate", "reviewer", "other")]


@pytest.mark.parametrize(("action", "role", "whose"), MATRIX)
def test_list_actions_matrix(client, authority, other_authority, action, role, whose):
    user = make_user(None if role == "admin" else authority, role)
    target = authority if whose == "own" else other_authority
    path, form = ACTIONS[action](target)
    logged_in(client, user)
    response = post_form(client, path, form, token_from="/console/lists")
    allowed = EXPECTED[role][0 if whose == "own" else 1]
    if allowed:
        assert response.status_code == 302, response.get_data(as_text=True)
    else:
        assert response.status_code == 403
    if not allowed:
        assert db.session.scalar(select(ListEntry).where(ListEntry.status.in_(
            ["active", "rejected", "ended"]))) is None or action == "red.remove"
        assert db.session.scalar(select(RepairApplication).where(
            RepairApplication.status != "pending")) is None


def test_a_reviewer_nominates_for_their_own_authority_only(client, authority, other_authority,
                                                           reviewer):
    path, form = _nominate(other_authority)
    logged_in(client, reviewer)
    assert post_form(client, path, form, token_from="/console/redlist").status_code == 302
    entry = db.session.scalar(select(ListEntry).where(ListEntry.list_kind == "red"))
    assert entry.authority_id == authority.id


@pytest.mark.parametrize("path", ["/console/lists", "/console/repairs", "/console/redlist"])
@pytest.mark.parametrize("role", ["clerk", "reviewer", "admin"])
def test_every_official_sees_the_list_pages(client, authority, path, role):
    logged_in(client, make_user(None if role == "admin" else authority, role))
    assert client.get(path).status_code == 200


def test_a_clerk_sees_proposals_without_the_buttons(client, authority, clerk):
    propose(authority)
    page = logged_in(client, clerk).get("/console/lists").get_data(as_text=True)
    assert "仅审核员可处理" in page
    assert "确认列入" not in page


def test_a_reviewer_does_not_see_other_authorities_proposals(client, other_authority,
                                                             reviewer):
    entry, _ = propose(other_authority)
    page = logged_in(client, reviewer).get("/console/lists").get_data(as_text=True)
    assert f'data-proposal="{entry.id}"' not in page


@pytest.mark.parametrize("path", ["/console/decisions", "/console/lists", "/console/redlist",
                                  "/console/audit"])
@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "abc"])
def test_any_page_number_shows_a_page(client, admin, path, page):
    db.session.commit()
    response = logged_in(client, admin).get(f"{path}?page={page}")
    assert response.status_code == 200
