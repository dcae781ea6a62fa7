"""Demo officials: created by `setup --demo` into an empty user table, never otherwise."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from service.accounts.models import User
from service.console.setup import create_demo_officials
from service.core.db import db
from tests.console.helpers import login, make_user


def test_demo_officials_can_sign_in(app, client, capsys):
    create_demo_officials(demo=True)
    printed = capsys.readouterr().out
    users = {u.username: u for u in db.session.scalars(select(User))}
    assert {u.role for u in users.values()} == {"admin", "clerk", "reviewer"}
    assert users["demo.clerk"].authority_id is not None
    assert users["demo.clerk"].authority_id == users["demo.reviewer"].authority_id
    password = re.search(r"demo\.clerk\s+clerk\s+(\S+)", printed).group(1)
    assert login(client, "demo.clerk", password).status_code == 302


def test_no_demo_officials_without_demo_or_when_users_exist(session):
    create_demo_officials(demo=False)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
    make_user(None, "admin")
    create_demo_officials(demo=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
