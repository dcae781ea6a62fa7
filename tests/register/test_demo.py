"""`setup --demo` loads a realistic register once, through the real operations."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from service.accounts.keys import authenticate_key
from service.accounts.models import User
from service.accounts.passwords import verify_password
from service.audit.models import AuditEvent, DataChange
from service.core import clock
from service.core.db import db
from service.lists.models import ListEntry
from service.register.models import Authority, Decision, DecisionPerson, DecisionRevision
from service.register.queries import disclosed_on
from service.search.interface import get_search
from service.search.models import SearchOutbox
from tests.conftest import fresh_database, make_test_app
from tests.public.helpers import unmasked_id_numbers


@pytest.fixture(scope="module")
def demo(backend, tmp_path_factory):
    """A fresh database after `setup --demo`, with the command's output."""
    directory = tmp_path_factory.mktemp("demo")
    with fresh_database(backend, directory) as url:
        app = make_test_app(url, directory)
        result = app.test_cli_runner().invoke(args=["setup", "--demo"])
        assert result.exit_code == 0, result.output
        yield app, result.output
        app.extensions["db_engine"].dispose()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_loads_a_register_through_the_operations(demo):
    app, _output = demo
    with app.app_context():
        today = clock.today()
        assert count(Decision) >= 300
        assert count(Authority) >= 20
        provinces = db.session.scalar(select(func.count(func.distinct(
            func.substr(Authority.region_code, 1, 2)))))
        assert provinces >= 10
        assert count(Decision, Decision.status == "revoked") == 2
        assert count(Decision, Decision.status == "pending") == 2
        assert count(Decision, Decision.corrected_at.is_not(None)) == 2
        assert count(DecisionRevision, DecisionRevision.action == "corrected") == 2
        published = count(Decision, Decision.status == "published")
        disclosed = count(Decision, disclosed_on(today))
        assert 50 < disclosed < published  # some are public, some have left public view
        assert count(AuditEvent, AuditEvent.action == "decision.publish") == published + 2
        assert count(DataChange) > published
        assert count(SearchOutbox) == 0  # written with each change, applied by setup's last step
        assert get_search().check().ok
        assert count(ListEntry, ListEntry.list_kind == "black", ListEntry.status == "active",
                     ListEntry.confirmed_by_id.is_not(None)) >= 5
        assert count(ListEntry, ListEntry.list_kind == "black", ListEntry.status == "proposed") > 0
        assert count(ListEntry, ListEntry.list_kind == "red", ListEntry.status == "active") == 4
        assert count(DecisionPerson, DecisionPerson.role == "responsible_person") >= 20
        assert count(Decision, Decision.responsible_persons.is_not(None)) >= 20


def test_demo_prints_working_credentials(demo):
    app, output = demo
    assert "DEMO" in output
    passwords = dict(re.findall(r"(demo-\w+)\s+\w+\s+password: (\S+)", output))
    assert set(passwords) == {"demo-admin", "demo-clerk", "demo-reviewer"}
    bank_key = re.search(r"bank API key \(check/monitor/report\): (\S+)", output).group(1)
    submit_key = re.search(r"submission API key .*: (\S+)", output).group(1)
    with app.app_context():
        for username, password in passwords.items():
            user = db.session.scalar(select(User).where(User.username == username))
            assert verify_password(user.password_hash, password)
        reviewer = db.session.scalar(select(User).where(User.username == "demo-reviewer"))
        assert reviewer.authority_id is not None
        assert authenticate_key(bank_key).scopes == ["check", "monitor", "report"]
        submitter = authenticate_key(submit_key)
        assert submitter.scopes == ["submit"]
        assert submitter.authority_id == reviewer.authority_id


def test_public_pages_show_the_demo(demo):
    app, _output = demo
    client = app.test_client()
    with app.app_context():
        today = clock.today()
        shown = db.session.scalar(select(Decision).where(disclosed_on(today))
                                  .order_by(Decision.decided_on.desc()).limit(1))
        expired = db.session.scalar(select(Decision).where(
            Decision.status == "published", Decision.disclosure_ends_on < today).limit(1))
        listed = db.session.scalar(select(ListEntry).where(
            ListEntry.list_kind == "black", ListEntry.status == "active",
            ListEntry.basis != "associated_person").limit(1)).subject
        red = db.session.scalar(select(ListEntry).where(ListEntry.list_kind == "red")
                                .limit(1)).subject
        revoked = db.session.scalar(select(Decision).where(Decision.status == "revoked").limit(1))
        shown_id, shown_name, expired_id, revoked_id = (shown.id, shown.party_name, expired.id,
                                                        revoked.id)
        listed_name, red_name = listed.name, red.name
    home = client.get("/")
    assert home.status_code == 200
    page = client.get(f"/decisions/{shown_id}")
    assert page.status_code == 200
    assert shown_name in page.text
    assert client.get(f"/decisions/{expired_id}").status_code == 410
    assert client.get(f"/decisions/{revoked_id}").status_code == 410
    blacklist = client.get("/blacklist", query_string={"q": listed_name})
    assert listed_name in blacklist.text
    assert red_name in client.get("/redlist").text
    for text in (home.text, page.text, blacklist.text):
        assert unmasked_id_numbers(text) == []


def test_running_setup_again_changes_nothing(demo):
    app, _output = demo
    with app.app_context():
        before = (count(Decision), count(User), count(ListEntry), count(AuditEvent))
    result = app.test_cli_runner().invoke(args=["setup", "--demo"])
    assert result.exit_code == 0, result.output
    assert "nothing loaded" in result.output
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0
    assert "nothing loaded" in again.output
    with app.app_context():
        assert (count(Decision), count(User), count(ListEntry), count(AuditEvent)) == before
