"""Search tests run on a committed database (the applier reads in its own session)."""

from __future__ import annotations

import time

import pytest

from service.core.db import db
from service.search.interface import SearchRequest, get_search
from tests.conftest import fresh_database, make_test_app


@pytest.fixture(scope="module")
def search_app(backend, tmp_path_factory):
    """An app on a fresh, committed database of the current backend, with its own index."""
    directory = tmp_path_factory.mktemp(f"search-{backend}")
    with fresh_database(backend, directory) as url:
        app = make_test_app(url, directory)
        yield app
        app.extensions["db_engine"].dispose()


@pytest.fixture
def ctx(search_app):
    with search_app.app_context():
        yield search_app
        db.session.rollback()
        db.session.remove()


def wait_applied(app, timeout: float = 10.0) -> None:
    """Wait until the background applier has nothing left to do."""
    applier = app.extensions.get("search_applier")
    if applier is not None:
        assert applier.idle.wait(timeout), "the applier did not finish"


def found(q: str, today, **kw) -> list[int]:
    return get_search().search(SearchRequest(q=q, today=today, per_page=1000, **kw)).ids


def poll(predicate, timeout: float = 5.0) -> float:
    """Seconds until `predicate()` holds (fails after `timeout`)."""
    started = time.perf_counter()
    while not predicate():
        assert time.perf_counter() - started < timeout, "condition not reached in time"
        time.sleep(0.01)
    return time.perf_counter() - started
