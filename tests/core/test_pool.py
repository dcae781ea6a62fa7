"""PostgreSQL pooled connections: tested after a rest, not on every checkout."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from service.core import db as db_module
from service.core.db import make_engine
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def engine():
    engine = make_engine(PG_ADMIN_URL, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _count_pings(engine, monkeypatch) -> list:
    pings = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def _rest(engine, seconds: float) -> None:
    for record in list(engine.pool._pool.queue):
        record.info["rest_from"] -= seconds


def test_a_connection_back_in_use_at_once_is_not_tested(engine, monkeypatch):
    pings = _count_pings(engine, monkeypatch)
    first = _backend_pid(engine)
    for _ in range(5):
        assert _backend_pid(engine) == first
    assert pings == []


def test_a_connection_killed_while_resting_is_replaced(engine, monkeypatch):
    pings = _count_pings(engine, monkeypatch)
    first = _backend_pid(engine)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:  # what a server restart does to it
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"),
                                      {"pid": first}).scalar_one()
    finally:
        admin.dispose()
    _rest(engine, db_module.IDLE_BEFORE_PING + 1)
    second = _backend_pid(engine)  # no error: the test failed and the pool reconnected
    assert second != first
    assert len(pings) == 1


def test_a_rested_healthy_connection_is_tested_and_kept(engine, monkeypatch):
    pings = _count_pings(engine, monkeypatch)
    first = _backend_pid(engine)
    _rest(engine, db_module.IDLE_BEFORE_PING + 1)
    assert _backend_pid(engine) == first
    assert len(pings) == 1
