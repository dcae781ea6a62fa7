"""Admins create and deactivate officials' accounts; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.accounts.models import User
from service.audit.models import AuditEvent
from service.core.db import db
from tests.console.helpers import logged_in, login, make_user, post_form


def _create(client, **form):
    data = {"username": "zhang.wei", "display_name": "张伟", "role": "reviewer",
            "password": "Start-pass-2026", **form}
    return post_form(client, "/console/users/new", data, token_from="/console/users/new")


def test_admin_creates_a_user_who_can_sign_in(app, client, authority):
    logged_in(client, make_user(None, "admin"))
    response = _create(client, authority_id=str(authority.id))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "zhang.wei"))
    assert (user.role, user.authority_id, user.display_name) == ("reviewer", authority.id, "张伟")
    assert user.password_hash.startswith("$argon2id$")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event.object_id == user.id
    assert event.after["role"] == "reviewer"
    assert "zhang.wei" in client.get("/console/users").get_data(as_text=True)
    # The admin knows the first password: the new user must set their own before working.
    assert user.must_change_password is True
    new_client = app.test_client()
    assert login(new_client, "zhang.wei", "Start-pass-2026").status_code == 302
    assert new_client.get("/console/decisions").headers["Location"] == "/console/password"
    assert "您的密码由管理员设置" in new_client.get("/console/password").get_data(as_text=True)


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"username": ""}, "username", "必填"),
    ({"username": "bad name!"}, "username", "用户名为"),
    ({"role": "superuser"}, "role", "请选择角色"),
    ({"authority_id": ""}, "authority_id", "必须属于一个处罚机关"),
    ({"password": "short"}, "password", "至少 10 位"),
])
def test_create_user_errors_are_shown_next_to_the_field(client, authority, form, field, message):
    logged_in(client, make_user(None, "admin"))
    response = _create(client, **{"authority_id": str(authority.id), **form})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert 'value="张伟"' in html  # what was typed stays (except the password)
    assert "Start-pass-2026" not in html
    assert db.session.scalar(select(User).where(User.username == "zhang.wei")) is None


def test_a_username_may_hold_a_hyphen_as_the_demo_accounts_do(client, authority):
    logged_in(client, make_user(None, "admin"))
    response = _create(client, username="li-na", authority_id=str(authority.id))
    assert response.status_code == 302
    assert db.session.scalar(select(User.id).where(User.username == "li-na")) is not None


def test_duplicate_username_is_refused(client, authority):
    logged_in(client, make_user(None, "admin"))
    make_user(authority, username="Zhang.Wei")
    response = _create(client, authority_id=str(authority.id))
    assert response.status_code == 400
    assert "已存在" in response.get_data(as_text=True)


def test_admin_deactivates_a_user(app, client, authority):
    clerk = make_user(authority, "clerk")
    other = app.test_client()
    logged_in(other, clerk)
    logged_in(client, make_user(None, "admin"))
    response = post_form(client, f"/console/users/{clerk.id}/deactivate",
                         token_from="/console/users")
    assert response.status_code == 302
    assert clerk.is_active is False
    assert other.get("/console/").status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivate"))


def test_admin_cannot_deactivate_themselves(client):
    admin = make_user(None, "admin")
    logged_in(client, admin)
    response = post_form(client, f"/console/users/{admin.id}/deactivate",
                         token_from="/console/users", follow_redirects=True)
    assert "不能停用自己的账户" in response.get_data(as_text=True)
    assert admin.is_active


@pytest.mark.parametrize("role", ["clerk", "reviewer"])
def test_only_admins_manage_users(client, authority, role):
    logged_in(client, make_user(authority, role))
    assert client.get("/console/users").status_code == 403
    assert client.get("/console/users/new").status_code == 403
    assert _create(client, authority_id=str(authority.id)).status_code == 403
    assert "用户管理" not in client.get("/console/").get_data(as_text=True)


def test_admin_sees_and_lifts_a_lockout(app, client, authority):
    from tests.console.helpers import PASSWORD

    clerk = make_user(authority, "clerk")
    db.session.commit()
    other = app.test_client()
    for _ in range(5):
        login(other, clerk, "Wrong-password-1")
    assert login(other, clerk).status_code == 401
    logged_in(client, make_user(None, "admin"))
    page = client.get("/console/users").get_data(as_text=True)
    assert 'data-state="locked"' in page
    response = post_form(client, f"/console/users/{clerk.id}/unlock")
    assert response.status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.unlock"))
    assert login(other, clerk, PASSWORD).status_code == 302


def test_a_display_name_longer_than_its_column_is_refused(client, authority):
    logged_in(client, make_user(None, "admin"))
    response = _create(client, authority_id=str(authority.id), display_name="张" * 101)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="display_name-error"' in html
    assert "姓名最多 100 个字" in html
    assert db.session.scalar(select(User).where(User.username == "zhang.wei")) is None
