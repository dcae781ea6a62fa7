"""Fixtures for the monitoring and report endpoints: bank clients with keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.accounts.keys import create_api_client
from service.bank_api.auth import KeyCache, limiter
from service.core.actors import Actor

NOW = datetime(2026, 11, 1, 8, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_limits(app):
    """Full rate-limit budgets, and keys checked against the database (ids repeat)."""
    saved = app.config["BANK_API_AUTH_CACHE_SECONDS"]
    app.config["BANK_API_AUTH_CACHE_SECONDS"] = 0
    app.extensions["bank_api_auth"] = KeyCache()
    with app.app_context():
        limiter.reset()
    yield
    app.config["BANK_API_AUTH_CACHE_SECONDS"] = saved


@pytest.fixture
def make_key(session):
    """make_key(scopes) -> (ApiClient, key), committed so that refused requests keep it."""

    def make(scopes=("monitor",), name="工商银行北京分行"):
        made = create_api_client(name, list(scopes), actor=Actor.cli(), now=NOW,
                                 institution="中国工商银行")
        session.commit()
        return made

    return make


@pytest.fixture
def bank(client, make_key):
    """A test client sending a 'monitor'+'report' key; `bank.api_client` is its client."""
    api_client, key = make_key(("monitor", "report"))
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    client.api_client = api_client
    return client


@pytest.fixture
def loopback_webhooks(app, monkeypatch):
    """Webhooks may go to a local receiver (127.0.0.1), as with BANK_WEBHOOK_ALLOW_HTTP on."""
    monkeypatch.setitem(app.config, "BANK_WEBHOOK_ALLOW_HTTP", True)
