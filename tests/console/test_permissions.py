"""The permission rules as a table, without a database (see test_matrix for the pages)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from service.console.permissions import ACTIONS, can, why_not


def user(role, authority_id=1, uid=10, active=True):
    return SimpleNamespace(id=uid, role=role, authority_id=authority_id, is_active=active)


def decision(authority_id=1, created_by_id=99):
    return SimpleNamespace(authority_id=authority_id, created_by_id=created_by_id)


CLERK_DOES = {"decision.list", "decision.view", "decision.create", "decision.edit",
              "decision.submit"}
REVIEWER_DOES = {"decision.list", "decision.view", "decision.publish", "decision.return",
                 "decision.correct", "decision.revoke"}
# Lists, credit repair, red list, audit and reports (feat/consolex; pages in tests/console_extra).
CLERK_DOES |= {"list.view", "report.view"}
REVIEWER_DOES |= {"list.view", "list.confirm", "list.reject", "list.manual", "repair.submit",
                  "repair.decide", "red.nominate", "red.remove", "audit.view", "report.view",
                  "decision.import"}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ["clerk", "reviewer", "admin"])
def test_roles_within_their_authority(role, action):
    expected = {"clerk": CLERK_DOES, "reviewer": REVIEWER_DOES, "admin": set(ACTIONS)}[role]
    assert can(user(role), action, decision()) is (action in expected)


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", ["clerk", "reviewer"])
def test_nobody_but_admins_acts_on_another_authority(role, action):
    assert can(user(role, authority_id=1), action, decision(authority_id=2)) is False
    assert why_not(user(role, authority_id=1), action, decision(authority_id=2))


def test_admins_act_on_every_authority():
    assert can(user("admin", authority_id=None), "decision.revoke", decision(authority_id=7))


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_nobody_publishes_their_own_entry(role):
    own = decision(created_by_id=10)
    assert can(user(role, uid=10), "decision.publish", own) is False
    assert "自己录入" in why_not(user(role, uid=10), "decision.publish", own)
    assert can(user(role, uid=10), "decision.return", own) is True


def test_inactive_or_missing_user_can_do_nothing():
    assert can(None, "decision.list") is False
    assert can(user("admin", active=False), "decision.list") is False


def test_unknown_action_is_an_error_not_a_silent_answer():
    with pytest.raises(KeyError):
        can(user("admin"), "decision.delete")
