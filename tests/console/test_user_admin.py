"""Admins change an account's role and authority, reset its password, deactivate and
reactivate it; every change is audited, and the last active admin cannot be removed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.accounts.models import User
from service.audit.models import AuditEvent
from service.console.accounts import AccountError, deactivate_user
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from tests.console.helpers import PASSWORD, logged_in, login, make_user, post_form
from tests.factories import make_authority

NEW_PASSWORD = "Reset-by-admin-2026"


@pytest.fixture
def admin(session):
    return make_user(None, "admin", username="chief.admin")


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _edit(client, user: User, **form):
    return post_form(client, f"/console/users/{user.id}/edit", form,
                     token_from=f"/console/users/{user.id}/edit")


def _reset(client, user: User, new: str = NEW_PASSWORD, repeat: str | None = None):
    form = {"new_password": new, "repeat_password": new if repeat is None else repeat}
    return post_form(client, f"/console/users/{user.id}/password", form,
                     token_from=f"/console/users/{user.id}/edit")


def test_the_users_page_links_each_account_to_its_management_page(client, admin, authority):
    clerk = make_user(authority, "clerk")
    logged_in(client, admin)
    assert f'href="/console/users/{clerk.id}/edit"' in client.get("/console/users").get_data(
        as_text=True)
    page = client.get(f"/console/users/{clerk.id}/edit").get_data(as_text=True)
    assert "角色与所属机关" in page
    assert "重置密码" in page
    assert f'action="/console/users/{clerk.id}/deactivate"' in page


def test_admin_changes_role_and_authority_with_an_audit_record(app, client, admin, authority):
    clerk = make_user(authority, "clerk", display_name="李明")
    other = make_authority()
    own_session = logged_in(app.test_client(), clerk)
    logged_in(client, admin)
    response = _edit(client, clerk, display_name="李明", role="reviewer",
                     authority_id=str(other.id))
    assert response.status_code == 302
    assert (clerk.role, clerk.authority_id) == ("reviewer", other.id)
    [event] = _events("user.update")
    assert event.actor == f"user:{admin.id}"
    assert (event.object_type, event.object_id) == ("user", clerk.id)
    assert event.at is not None
    assert event.before == {"role": "clerk", "authority_id": authority.id}
    assert event.after == {"role": "reviewer", "authority_id": other.id}
    # The new role holds from the user's next request: a reviewer no longer enters decisions.
    assert own_session.get("/console/decisions/new").status_code == 403


def test_saving_unchanged_settings_writes_no_audit_record(client, admin, authority):
    clerk = make_user(authority, "clerk", display_name="李明")
    logged_in(client, admin)
    response = _edit(client, clerk, display_name="李明", role="clerk",
                     authority_id=str(authority.id))
    assert response.status_code == 302
    assert _events("user.update") == []


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"role": "superuser"}, "role", "请选择角色"),
    ({"role": "reviewer", "authority_id": ""}, "authority_id", "必须属于一个处罚机关"),
    ({"display_name": "名" * 101}, "display_name", "最多 100 个字"),
])
def test_settings_errors_are_shown_next_to_the_field(client, admin, authority, form, field,
                                                     message):
    clerk = make_user(authority, "clerk")
    logged_in(client, admin)
    response = _edit(client, clerk, **{"role": "clerk", "authority_id": str(authority.id),
                                       **form})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    db.session.refresh(clerk)
    assert (clerk.role, clerk.authority_id) == ("clerk", authority.id)
    assert _events("user.update") == []


def test_the_only_active_admin_cannot_demote_themselves(client, admin, authority):
    make_user(None, "admin", is_active=False)  # an inactive admin manages nothing
    logged_in(client, admin)
    response = _edit(client, admin, role="reviewer", authority_id=str(authority.id))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="role-error"' in html
    assert "这是唯一启用的管理员账户，不能改为其他角色" in html
    db.session.refresh(admin)
    assert admin.role == "admin"
    assert _events("user.update") == []


def test_an_admin_may_step_down_while_another_admin_remains(client, admin, authority):
    make_user(None, "admin")
    logged_in(client, admin)
    response = _edit(client, admin, role="reviewer", authority_id=str(authority.id))
    assert (response.status_code, response.headers["Location"]) == (302, "/console/")
    assert admin.role == "reviewer"
    assert client.get("/console/users").status_code == 403


def test_the_last_active_admin_is_never_deactivated(admin):
    with pytest.raises(AccountError, match="这是唯一启用的管理员账户，不能停用"):
        deactivate_user(admin, actor=Actor.cli(), now=clock.now())
    assert admin.is_active
    second = make_user(None, "admin")
    deactivate_user(admin, actor=Actor.user(second), now=clock.now())
    assert admin.is_active is False


def test_admin_resets_a_password_and_the_users_sessions_end(app, client, admin, authority):
    clerk = make_user(authority, "clerk")
    before_hash = clerk.password_hash
    elsewhere = logged_in(app.test_client(), clerk)
    logged_in(client, admin)
    response = _reset(client, clerk)
    assert response.status_code == 302
    assert "已重置用户" in client.get("/console/users").get_data(as_text=True)
    # The session the clerk had is over, and the old password no longer works.
    assert elsewhere.get("/console/").status_code == 302
    assert elsewhere.get("/console/").headers["Location"].startswith("/console/login")
    assert login(app.test_client(), clerk, PASSWORD).status_code == 401
    assert clerk.must_change_password is True
    [event] = _events("user.password_reset")
    assert (event.actor, event.object_id) == (f"user:{admin.id}", clerk.id)
    assert event.before["must_change_password"] is False
    assert event.after["must_change_password"] is True
    assert event.after["sessions_ended_at"]
    assert before_hash not in str(event.before) + str(event.after)
    assert clerk.password_hash not in str(event.before) + str(event.after)


def test_after_a_reset_the_user_must_choose_a_password_first(app, admin, authority):
    clerk = make_user(authority, "clerk")
    logged_in(app.test_client(), admin)
    _reset(logged_in(app.test_client(), admin), clerk)
    user_client = app.test_client()
    response = login(user_client, clerk, NEW_PASSWORD)
    assert response.status_code == 302
    home = user_client.get("/console/")
    assert (home.status_code, home.headers["Location"]) == (302, "/console/password")
    assert user_client.get("/console/decisions").headers["Location"] == "/console/password"
    page = user_client.get("/console/password").get_data(as_text=True)
    assert "您的密码由管理员设置" in page
    response = post_form(user_client, "/console/password",
                         {"old_password": NEW_PASSWORD, "new_password": "My-own-pass-2026",
                          "repeat_password": "My-own-pass-2026"}, token_from="/console/password")
    assert response.status_code == 302
    assert clerk.must_change_password is False
    assert user_client.get("/console/").status_code == 200


@pytest.mark.parametrize(("new", "repeat", "field", "message"), [
    ("short-1", None, "new_password", "密码至少 10 位"),
    ("onlyletterspassword", None, "new_password", "须同时包含字母和数字"),
    (NEW_PASSWORD, "Something-else-2026", "repeat_password", "两次输入的新密码不一致"),
    (PASSWORD, None, "new_password", "新密码不能与原密码相同"),
])
def test_a_reset_password_follows_the_password_policy(client, admin, authority, new, repeat,
                                                      field, message):
    clerk = make_user(authority, "clerk")
    before = clerk.password_hash
    logged_in(client, admin)
    response = _reset(client, clerk, new, repeat)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert new not in html
    db.session.refresh(clerk)
    assert (clerk.password_hash, clerk.must_change_password) == (before, False)
    assert _events("user.password_reset") == []


def test_a_reset_lifts_a_lockout(app, client, admin, authority):
    clerk = make_user(authority, "clerk")
    db.session.commit()
    for _ in range(5):
        login(app.test_client(), clerk, "Wrong-password-1")
    assert clerk.locked_until is not None
    logged_in(client, admin)
    assert _reset(client, clerk).status_code == 302
    assert login(app.test_client(), clerk, NEW_PASSWORD).status_code == 302


def test_an_admin_changes_their_own_password_on_the_password_page(client, admin):
    logged_in(client, admin)
    page = client.get(f"/console/users/{admin.id}/edit").get_data(as_text=True)
    assert f'action="/console/users/{admin.id}/password"' not in page
    response = _reset(client, admin)
    assert response.status_code == 400
    assert "请在“修改密码”页面修改您自己的密码" in response.get_data(as_text=True)
    assert admin.must_change_password is False


def test_deactivation_ends_sessions_that_reactivation_does_not_bring_back(app, client, admin,
                                                                          authority):
    clerk = make_user(authority, "clerk")
    elsewhere = logged_in(app.test_client(), clerk)
    logged_in(client, admin)
    post_form(client, f"/console/users/{clerk.id}/deactivate", token_from="/console/users")
    assert elsewhere.get("/console/").status_code == 302
    refused = login(app.test_client(), clerk)
    assert refused.status_code == 401
    assert "该账户已停用" in refused.get_data(as_text=True)
    page = client.get("/console/users").get_data(as_text=True)
    assert f'action="/console/users/{clerk.id}/reactivate"' in page
    response = post_form(client, f"/console/users/{clerk.id}/reactivate",
                         token_from="/console/users")
    assert response.status_code == 302
    assert clerk.is_active is True
    # The cookie of the session that deactivation ended signs nobody in again.
    assert elsewhere.get("/console/").status_code == 302
    assert login(app.test_client(), clerk).status_code == 302
    [event] = _events("user.reactivate")
    assert (event.before, event.after) == ({"is_active": False}, {"is_active": True})
    assert _events("user.deactivate")[0].after["is_active"] is False


@pytest.mark.parametrize("action", ["edit", "password", "reactivate", "deactivate"])
def test_user_forms_need_the_csrf_token(client, admin, authority, action):
    clerk = make_user(authority, "clerk", is_active=action != "reactivate")
    db.session.commit()
    logged_in(client, admin)
    form = {"role": "reviewer", "authority_id": str(authority.id),
            "new_password": NEW_PASSWORD, "repeat_password": NEW_PASSWORD}
    response = client.post(f"/console/users/{clerk.id}/{action}", data=form)
    assert response.status_code == 400
    db.session.refresh(clerk)
    assert (clerk.role, clerk.must_change_password) == ("clerk", False)
    assert clerk.is_active is (action != "reactivate")


@pytest.mark.parametrize("role", ["clerk", "reviewer"])
def test_only_admins_change_accounts(client, authority, role):
    target = make_user(authority, "clerk")
    inactive = make_user(authority, "clerk", is_active=False)
    db.session.commit()
    logged_in(client, make_user(authority, role))
    db.session.commit()
    assert client.get(f"/console/users/{target.id}/edit").status_code == 403
    assert _edit(client, target, role="admin", authority_id="").status_code == 403
    assert _reset(client, target).status_code == 403
    assert post_form(client, f"/console/users/{inactive.id}/reactivate").status_code == 403
    db.session.refresh(target)
    db.session.refresh(inactive)
    assert (target.role, target.must_change_password, inactive.is_active) == (
        "clerk", False, False)
    assert _events("user.update") == _events("user.password_reset") == []


def test_the_cli_resets_a_forgotten_password(app, client, admin, session):
    """`python -m service accounts reset-password` for an admin locked out of the console."""
    logged_in(client, admin)
    admin.failed_logins, admin.locked_until = 5, clock.now().replace(year=2099)
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["accounts", "reset-password", admin.username.upper(),
                                 "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert (admin.must_change_password, admin.locked_until) == (True, None)
    assert client.get("/console/").status_code == 302  # the old session is over
    fresh = app.test_client()
    login(fresh, admin, NEW_PASSWORD)
    assert fresh.get("/console/decisions").headers["Location"] == "/console/password"
    [event] = _events("user.password_reset")
    assert (event.object_id, event.actor) == (admin.id, "cli:cli")
    refused = runner.invoke(args=["accounts", "reset-password", "nobody", "--password", "x"])
    assert refused.exit_code != 0
    assert "no user 'nobody'" in refused.output
    weak = runner.invoke(args=["accounts", "reset-password", admin.username, "--password", "short"])
    assert weak.exit_code != 0
    assert "密码至少 10 位" in weak.output
