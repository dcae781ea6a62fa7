"""Fixtures for the bank API: clients with keys, fresh rate-limit counters, no key cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.accounts.keys import create_api_client
from service.bank_api.auth import KeyCache, limiter
from service.core.actors import Actor

NOW = datetime(2026, 11, 1, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """Each test starts with full budgets and checks keys against the database every time."""
    saved = app.config["BANK_API_AUTH_CACHE_SECONDS"]
    app.config["BANK_API_AUTH_CACHE_SECONDS"] = 0
    app.extensions["bank_api_auth"] = KeyCache()  # ids repeat after rollbacks on SQLite
    with app.app_context():
        limiter.reset()
    yield
    app.config["BANK_API_AUTH_CACHE_SECONDS"] = saved


@pytest.fixture
def make_key(session):
    """make_key(scopes=("check",), rate_limit=None) -> (ApiClient, key)."""

    def make(scopes=("check",), rate_limit=None, name="工商银行北京分行"):
        made = create_api_client(name, list(scopes), actor=Actor.cli(), now=NOW,
                                 institution="中国工商银行", rate_limit=rate_limit)
        session.commit()  # a refused request rolls back: the client must outlive it
        return made

    return make


@pytest.fixture
def api(client, make_key):
    """A test client that sends a valid 'check'+'report' key with every request."""
    _, key = make_key(("check", "report"))
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client
