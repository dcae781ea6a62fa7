"""The authorization matrix: each role × each action × own authority / another authority,
through the real pages (login, CSRF token, form post) on both databases.

Allowed actions answer 200 or 302 and change the record; refused ones answer 403 and
change nothing. Decisions are entered by a third official, so the four-eyes rule
(nobody publishes what they entered or edited) does not mask the role and authority
rules here; the test_four_eyes_* tests cover it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from service.accounts.models import User
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.register.models import Decision
from service.register.operations import add_revision
from tests.console.helpers import decision_form, logged_in, make_user, post_form
from tests.factories import make_authority, make_decision

ROLES = ("clerk", "reviewer", "admin")
# Account administration, done to a clerk of the target authority: (path, form, done?).
USER_ACTIONS = {
    "update_user": ("edit", {"role": "reviewer"}, lambda user: user.role == "reviewer"),
    "reset_password": ("password", {"new_password": "Matrix-reset-2026",
                                    "repeat_password": "Matrix-reset-2026"},
                       lambda user: user.must_change_password),
    "deactivate_user": ("deactivate", {}, lambda user: not user.is_active),
    "reactivate_user": ("reactivate", {}, lambda user: user.is_active),
}
ALLOWED = {
    "clerk": {"list", "view", "create", "edit", "submit"},
    "reviewer": {"list", "view", "publish", "return", "correct", "revoke"},
    "admin": {"list", "view", "create", "edit", "submit", "publish", "return", "correct",
              "revoke", "create_user", *USER_ACTIONS},
}
ACTIONS = ("list", "view", "create", "edit", "submit", "publish", "return", "correct",
           "revoke", "create_user", *USER_ACTIONS)


@dataclass
class World:
    own: object
    other: object
    author: User


@pytest.fixture
def world(session) -> World:
    own, other = make_authority(), make_authority()
    world = World(own, other, make_user(own, "clerk"))
    db.session.commit()
    return world


def _decision(authority, author, status: str) -> Decision:
    decision = make_decision(authority=authority, published=status == "published",
                             created_by_id=author.id)
    decision.status = status
    db.session.commit()  # arranged like earlier requests: a refused request rolls back its own
    return decision


def _act(client, action: str, target, author):
    """Do `action` on a record of authority `target`; return (response, check_changed)."""
    if action == "list":
        decision = _decision(target, author, "draft")
        response = client.get("/console/decisions")
        listed = f'data-decision="{decision.id}"' in response.get_data(as_text=True)
        return response, lambda: listed
    if action == "view":
        decision = _decision(target, author, "published")
        return client.get(f"/console/decisions/{decision.id}"), lambda: True
    if action == "create":
        form = decision_form(authority_id=str(target.id), number="京朝市监处罚〔2026〕矩阵号")
        response = post_form(client, "/console/decisions/new", form)
        return response, lambda: db.session.scalar(
            select(Decision).where(Decision.number == "京朝市监处罚〔2026〕矩阵号",
                                   Decision.authority_id == target.id)) is not None
    if action == "create_user":
        form = {"username": "matrix.user", "role": "clerk", "authority_id": str(target.id),
                "password": "Matrix-pass-2026"}
        response = post_form(client, "/console/users/new", form)
        return response, lambda: db.session.scalar(
            select(User).where(User.username == "matrix.user")) is not None
    if action in USER_ACTIONS:
        return _act_on_user(client, action, target)
    status = {"edit": "draft", "submit": "draft", "publish": "pending", "return": "pending",
              "correct": "published", "revoke": "published"}[action]
    decision = _decision(target, author, status)
    url = f"/console/decisions/{decision.id}/{action}"
    form = {
        "edit": decision_form(number=decision.number, party_name="矩阵更名有限公司"),
        "submit": {}, "publish": {}, "return": {"comment": "请补充证据"},
        "correct": decision_form(number=decision.number, uscc=decision.uscc,
                                 party_name="矩阵更名有限公司", reason="当事人名称有误"),
        "revoke": {"kind": "自行纠正", "reason": "认定事实错误"},
    }[action]
    response = post_form(client, url, form)
    expected = {"edit": ("draft", "矩阵更名有限公司"), "submit": ("pending", None),
                "publish": ("published", None), "return": ("draft", None),
                "correct": ("published", "矩阵更名有限公司"), "revoke": ("revoked", None)}[action]

    def changed() -> bool:
        db.session.refresh(decision)
        name_ok = expected[1] is None or decision.party_name == expected[1]
        return decision.status == expected[0] and name_ok

    return response, changed


def _act_on_user(client, action: str, target):
    path, form, done = USER_ACTIONS[action]
    user = make_user(target, "clerk", is_active=action != "reactivate_user")
    db.session.commit()
    response = post_form(client, f"/console/users/{user.id}/{path}",
                         {"authority_id": str(target.id), **form})

    def changed() -> bool:
        db.session.refresh(user)
        return bool(done(user))

    return response, changed


@pytest.mark.parametrize("scope", ["own", "other"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_matrix(client, world, role, action, scope):
    user = make_user(None if role == "admin" else world.own, role)
    db.session.commit()
    logged_in(client, user)
    target = world.own if scope == "own" else world.other
    allowed = action in ALLOWED[role] and (scope == "own" or role == "admin")
    response, changed = _act(client, action, target, world.author)
    if action == "list" and action in ALLOWED[role]:
        # Everyone may open the list; it shows only their authority's records (admins: all).
        assert response.status_code == 200
        assert changed() is allowed
        return
    if allowed:
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:2000]
        assert changed()
    else:
        assert response.status_code == 403
        if action != "view":
            assert not changed()


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_four_eyes_nobody_publishes_their_own_entry(client, world, role):
    user = make_user(None if role == "admin" else world.own, role)
    decision = _decision(world.own, user, "pending")
    logged_in(client, user)
    page = client.get(f"/console/decisions/{decision.id}").get_data(as_text=True)
    assert "审核通过并公示" not in page
    assert "须由其他审核员审核发布" in page
    response = post_form(client, f"/console/decisions/{decision.id}/publish")
    assert response.status_code == 403
    assert decision.status == "pending"


@pytest.mark.parametrize(("revision", "barred"),
                         [("edited", True), ("corrected", True), ("submitted", False)])
@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_four_eyes_covers_whoever_edited_the_content(client, world, role, revision, barred):
    user = make_user(None if role == "admin" else world.own, role)
    decision = _decision(world.own, world.author, "pending")  # entered by the clerk
    add_revision(decision, revision, actor=Actor.user(user), now=clock.now())
    db.session.commit()
    logged_in(client, user)
    page = client.get(f"/console/decisions/{decision.id}").get_data(as_text=True)
    assert ("审核通过并公示" in page) is not barred
    response = post_form(client, f"/console/decisions/{decision.id}/publish")
    if barred:
        assert response.status_code == 403
        assert "不能审核发布自己录入或修改过的决定" in response.get_data(as_text=True)
        db.session.refresh(decision)
        assert decision.status == "pending"
        # Returning is not approving: the editor may still send it back.
        response = post_form(client, f"/console/decisions/{decision.id}/return",
                             {"comment": "请补充证据"})
        assert response.status_code == 302
        db.session.refresh(decision)
        assert decision.status == "draft"
    else:  # submitting is not writing the content
        assert response.status_code == 302
        db.session.refresh(decision)
        assert decision.status == "published"


def test_pages_offer_only_permitted_actions(client, world):
    reviewer = make_user(world.own, "reviewer")
    decision = _decision(world.own, world.author, "pending")
    logged_in(client, reviewer)
    page = client.get(f"/console/decisions/{decision.id}").get_data(as_text=True)
    assert "审核通过并公示" in page
    assert "退回修改" in page
    assert "修改草稿" not in page
    assert "录入决定" not in page  # the navigation hides what a reviewer cannot do


def test_refusal_says_why(client, world):
    clerk = make_user(world.own, "clerk")
    decision = _decision(world.other, world.author, "published")
    db.session.commit()
    logged_in(client, clerk)
    page = client.get(f"/console/decisions/{decision.id}")
    assert page.status_code == 403
    assert "该记录属于其他机关" in page.get_data(as_text=True)
    own = _decision(world.own, world.author, "published")
    page = post_form(client, f"/console/decisions/{own.id}/revoke",
                     {"kind": "自行纠正", "reason": "x"})
    assert page.status_code == 403
    assert "您的角色无权执行此操作" in page.get_data(as_text=True)
