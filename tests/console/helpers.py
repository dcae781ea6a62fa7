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
