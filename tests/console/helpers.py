"""Shared helpers for console tests (also used by tests/console_extra/).

Users get a real argon2 hash of PASSWORD (hashed once: verifying is what costs),
and sign in through the real login form, CSRF token included.
"""

from __future__ import annotations

import itertools
import re

from flask.testing import FlaskClient

from service.accounts.models import User
from service.accounts.passwords import hash_password
from service.core.db import db
from service.register.models import Authority

PASSWORD = "Correct-horse-42"
_HASH = hash_password(PASSWORD)
_seq = itertools.count(1)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(authority: Authority | None, role: str = "clerk", *, username: str | None = None,
              display_name: str | None = None, is_active: bool = True) -> User:
    """An official who can sign in with PASSWORD (flushed, not committed)."""
    n = next(_seq)
    user = User(username=username or f"{role}{n}", display_name=display_name or f"{role} {n}",
                role=role, authority=authority, password_hash=_HASH, is_active=is_active)
    db.session.add(user)
    db.session.flush()
    return user


def csrf_token(client: FlaskClient, path: str | None = None) -> str:
    """The CSRF token of the client's session, read from a form a page renders.

    Any console page will do (the token belongs to the session, not the form):
    `path` if given and it has a form, else the home page (signed in) or the login page.
    """
    for candidate in (path, "/console/", "/console/login"):
        if candidate is None:
            continue
        response = client.get(candidate, follow_redirects=True)
        match = _TOKEN.search(response.get_data(as_text=True))
        if match:
            return match.group(1)
    raise AssertionError(f"no CSRF token on {path}, /console/ or /console/login")


def post_form(client: FlaskClient, path: str, data: dict | None = None, *,
              token_from: str | None = None, **kwargs):
    """POST a console form as a browser would: with the session's CSRF token."""
    form = {"csrf_token": csrf_token(client, token_from), **(data or {})}
    return client.post(path, data=form, **kwargs)


def login(client: FlaskClient, user: User | str, password: str = PASSWORD):
    """Sign in through the login form; returns the response (302 on success)."""
    username = user if isinstance(user, str) else user.username
    return post_form(client, "/console/login", {"username": username, "password": password})


def logged_in(client: FlaskClient, user: User) -> FlaskClient:
    response = login(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def decision_form(**overrides) -> dict:
    """A complete, valid decision form as an official would post it."""
    from tests.factories import make_uscc

    form = {
        "party_kind": "法人及非法人组织", "party_name": "北京星辰贸易有限公司",
        "uscc": make_uscc(), "legal_representative": "张三",
        "party_address": "北京市朝阳区建国路1号", "number": f"京朝市监处罚〔2026〕{next(_seq)}号",
        "decided_on": "2026-06-01", "violation_type": "侵犯注册商标专用权",
        "penalty_categories": ["罚款", "没收违法所得"],
        "facts": "当事人销售侵犯“星牌”注册商标专用权的运动鞋120双。",
        "legal_basis": "《中华人民共和国商标法》第六十条第二款",
        "penalty_content": "没收侵权商品，罚款5.5万元", "fine_amount": "5.5",
        "confiscated_amount": "0.3", "action": "save",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}
