"""Signing in and out: password check, lockout, session cookie, CSRF, password change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.console.accounts import LOCKOUT, MAX_FAILURES
from service.core import clock
from service.core.db import db
from tests.console.helpers import PASSWORD, csrf_token, login, make_user, post_form
from tests.factories import make_authority


@pytest.fixture
def clerk(session):
    return make_user(make_authority(), "clerk")


def _events(action: str, user=None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action)
    if user is not None:
        query = query.where(AuditEvent.object_id == user.id)
    return list(db.session.scalars(query))


def test_console_pages_need_a_login(client):
    response = client.get("/console/decisions?status=draft")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/login?next=/console/decisions?status%3Ddraft"


def test_login_opens_the_console_and_is_audited(client, clerk):
    response = login(client, clerk)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    home = client.get("/console/")
    assert home.status_code == 200
    assert clerk.display_name in home.get_data(as_text=True)
    assert clerk.last_login_at is not None
    assert len(_events("user.login", clerk)) == 1


def test_login_goes_to_next_page_but_never_off_site(client, clerk):
    token = csrf_token(client)
    form = {"csrf_token": token, "username": clerk.username, "password": PASSWORD}
    response = client.post("/console/login", data={**form, "next": "/console/decisions?q=x"})
    assert response.headers["Location"] == "/console/decisions?q=x"
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    for target in ("https://evil.example/console/", "//evil.example/console/", "/public"):
        response = client.post("/console/login",
                               data={**form, "csrf_token": csrf_token(client), "next": target})
        assert response.headers["Location"] == "/console/", target
        client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})


def test_wrong_password_is_refused_without_saying_which_part(client, clerk):
    response = login(client, clerk, "Wrong-password-1")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    unknown = login(client, "nobody-here", "Wrong-password-1")
    assert unknown.status_code == 401
    assert "用户名或密码错误" in unknown.get_data(as_text=True)
    assert client.get("/console/").status_code == 302
    assert clerk.failed_logins == 1
    assert len(_events("user.login_failed")) == 2


def test_five_failures_lock_the_account_for_fifteen_minutes(client, clerk, monkeypatch):
    for _ in range(MAX_FAILURES - 1):
        assert "用户名或密码错误" in login(client, clerk, "Wrong-password-1").get_data(as_text=True)
    fifth = login(client, clerk, "Wrong-password-1")
    assert "账户已锁定" in fifth.get_data(as_text=True)
    assert clerk.locked_until is not None
    locked = _events("user.locked", clerk)
    assert len(locked) == 1
    assert locked[0].details["minutes"] == 15

    # The right password does not open a locked account...
    refused = login(client, clerk)
    assert refused.status_code == 401
    assert "账户已锁定" in refused.get_data(as_text=True)
    assert client.get("/console/").status_code == 302

    # ...until the 15 minutes are over.
    later = clock.now() + LOCKOUT + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert login(client, clerk).status_code == 302
    assert client.get("/console/").status_code == 200
    assert clerk.failed_logins == 0
    assert clerk.locked_until is None


def test_deactivated_user_cannot_login_and_loses_open_sessions(client, clerk):
    login(client, clerk)
    assert client.get("/console/").status_code == 200
    clerk.is_active = False
    db.session.flush()
    assert client.get("/console/").status_code == 302
    response = login(client, clerk)
    assert response.status_code == 401
    assert "已停用" in response.get_data(as_text=True)


def test_session_cookie_is_httponly_lax_and_renewed_on_login(client, clerk):
    client.get("/console/login")
    before = client.get_cookie("ipc_session").value
    response = login(client, clerk)
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    after = client.get_cookie("ipc_session").value
    assert after != before
    assert client.get("/console/").status_code == 200


def test_session_fixation_old_cookie_is_not_signed_in(app, client, clerk):
    client.get("/console/login")
    planted = client.get_cookie("ipc_session").value
    login(client, clerk)
    victim = app.test_client()
    victim.set_cookie("ipc_session", planted)
    assert victim.get("/console/").status_code == 302


def test_cookie_is_secure_unless_testing_or_debug(tmp_path, database_url):
    from tests.conftest import make_test_app

    production = make_test_app(database_url, tmp_path, TESTING=False)
    try:
        assert production.config["SESSION_COOKIE_SECURE"] is True
        response = production.test_client().get("/console/login")
        assert "; Secure" in response.headers["Set-Cookie"]
    finally:
        production.extensions["db_engine"].dispose()


def test_post_without_csrf_token_is_rejected(client, clerk):
    response = client.post("/console/login",
                           data={"username": clerk.username, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert clerk.last_login_at is None
    login(client, clerk)
    forged = client.post("/console/password", data={
        "csrf_token": "forged", "old_password": PASSWORD,
        "new_password": "Another-pass-77", "repeat_password": "Another-pass-77"})
    assert forged.status_code == 400
    assert _events("user.password_change", clerk) == []


def test_json_api_is_not_subject_to_csrf(client):
    response = client.post("/api/v1/register/nothing-here", json={})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_logout_is_a_post_and_ends_the_session(client, clerk):
    login(client, clerk)
    assert client.get("/console/logout").status_code == 405
    response = post_form(client, "/console/logout", token_from="/console/")
    assert response.status_code == 302
    assert client.get("/console/").status_code == 302


def test_password_change_checks_old_password_and_strength(client, clerk):
    login(client, clerk)
    cases = [
        ({"old_password": "wrong-one-11", "new_password": "Another-pass-77",
          "repeat_password": "Another-pass-77"}, "原密码不正确"),
        ({"old_password": PASSWORD, "new_password": "short1", "repeat_password": "short1"},
         "至少 10 位"),
        ({"old_password": PASSWORD, "new_password": "onlyletterspassword",
          "repeat_password": "onlyletterspassword"}, "字母和数字"),
        ({"old_password": PASSWORD, "new_password": "Another-pass-77",
          "repeat_password": "Another-pass-78"}, "不一致"),
    ]
    for form, message in cases:
        response = post_form(client, "/console/password", form, token_from="/console/password")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    ok = post_form(client, "/console/password", {
        "old_password": PASSWORD, "new_password": "Another-pass-77",
        "repeat_password": "Another-pass-77"}, token_from="/console/password")
    assert ok.status_code == 302
    assert client.get("/console/").status_code == 200  # this session continues
    assert len(_events("user.password_change", clerk)) == 1
    post_form(client, "/console/logout", token_from="/console/")
    assert login(client, clerk).status_code == 401
    assert login(client, clerk, "Another-pass-77").status_code == 302


def test_wrong_old_passwords_count_towards_the_lockout(app, client, clerk):
    """An unattended signed-in session is no way around the five-failures lock."""
    other = app.test_client()
    login(other, clerk)
    login(client, clerk)
    wrong = {"old_password": "wrong-one-11", "new_password": "Another-pass-77",
             "repeat_password": "Another-pass-77"}
    for _ in range(MAX_FAILURES - 1):
        response = post_form(client, "/console/password", wrong, token_from="/console/password")
        assert "原密码不正确" in response.get_data(as_text=True)
    assert clerk.failed_logins == MAX_FAILURES - 1
    assert len(_events("user.password_change_failed", clerk)) == MAX_FAILURES - 1
    fifth = post_form(client, "/console/password", wrong, token_from="/console/password")
    assert fifth.status_code == 302
    assert "/console/login" in fifth.headers["Location"]
    assert clerk.locked_until is not None
    assert len(_events("user.locked", clerk)) == 1
    assert "账户已锁定" in client.get("/console/login").get_data(as_text=True)
    # every session of the account ends, and the right password waits for the lock
    assert client.get("/console/").status_code == 302
    assert other.get("/console/").status_code == 302
    assert "账户已锁定" in login(client, clerk).get_data(as_text=True)


def test_a_password_change_clears_earlier_failures(client, clerk):
    login(client, clerk)
    post_form(client, "/console/password", {
        "old_password": "wrong-one-11", "new_password": "Another-pass-77",
        "repeat_password": "Another-pass-77"}, token_from="/console/password")
    assert clerk.failed_logins == 1
    post_form(client, "/console/password", {
        "old_password": PASSWORD, "new_password": "Another-pass-77",
        "repeat_password": "Another-pass-77"}, token_from="/console/password")
    assert clerk.failed_logins == 0


def test_password_change_ends_other_sessions(app, client, clerk):
    other = app.test_client()
    login(other, clerk)
    login(client, clerk)
    post_form(client, "/console/password", {
        "old_password": PASSWORD, "new_password": "Another-pass-77",
        "repeat_password": "Another-pass-77"}, token_from="/console/password")
    assert client.get("/console/").status_code == 200
    assert other.get("/console/").status_code == 302


def _sample(rule, name: str):
    """A value the route's converter accepts: 1, or the first choice of an `any(...)` part."""
    choices = getattr(rule._converters.get(name), "items", None)
    return sorted(choices)[0] if choices else 1


# Posted only so that what is typed stays out of URLs (the public code lookup); they store nothing.
READ_ONLY_POSTS = {"/subjects/by-code"}


def test_every_form_outside_the_api_needs_the_csrf_token(app, client):
    """Each POST route of the site (console pages of every feature) refuses a missing token."""
    admin = make_user(None, "admin")
    db.session.commit()
    login(client, admin)
    adapter = app.url_map.bind("localhost")
    checked = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith("/api/"):
            continue
        url = adapter.build(rule.endpoint, {name: _sample(rule, name) for name in rule.arguments})
        response = client.post(url, data={"reason": "x"})
        if url in READ_ONLY_POSTS:  # exempt on purpose: it changes nothing
            assert response.status_code == 200, url
            continue
        assert response.status_code == 400, url
        checked.append(url)
    assert "/console/login" in checked
    assert "/console/decisions/new" in checked
    assert client.get("/console/").status_code == 200  # still signed in: nothing was done


def test_a_copy_of_the_cookie_signs_nobody_in_after_logout(app, client, clerk):
    login(client, clerk)
    copy = app.test_client()
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    copy.set_cookie(cookie.key, cookie.value)
    assert copy.get("/console/").status_code == 200  # the copy works while signed in
    post_form(client, "/console/logout", token_from="/console/")
    assert copy.get("/console/").status_code == 302
    assert len(_events("user.logout", clerk)) == 1
    login(client, clerk)  # a new session of the same user is not affected
    assert client.get("/console/").status_code == 200


def test_a_public_form_without_its_token_gets_the_sites_page_not_the_consoles(client):
    """The public report verification form is not the console: no 返回工作台 for visitors."""
    response = client.post("/reports/verify", data={"number": "R-1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "CSRF" in text
    assert "返回首页" in text
    assert "工作台" not in text
