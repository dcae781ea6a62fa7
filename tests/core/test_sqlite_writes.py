"""On SQLite, a form post takes the write lock when its transaction begins.

Otherwise a post that reads, then writes after another connection has written,
fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT).
"""

import sqlite3

import pytest
from sqlalchemy import text

from service.core.db import db
from tests.conftest import fresh_database, make_test_app


@pytest.fixture
def sqlite_app(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        app = make_test_app(url, tmp_path)
        yield app, url.removeprefix("sqlite:///")
        app.extensions["db_engine"].dispose()


def _other_writer(path: str) -> sqlite3.Connection:
    other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    other.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
    return other


@pytest.mark.parametrize("url", ["/console/decisions/new", "/api/v1/register/decisions"])
def test_a_post_holds_the_write_lock_from_its_first_read(sqlite_app, url):
    app, path = sqlite_app
    other = _other_writer(path)
    with app.test_request_context(url, method="POST"):
        db.session.execute(text("SELECT count(*) FROM users"))  # the first read begins
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("INSERT INTO probe VALUES (1)")  # waits for the post, not the reverse
        db.session.execute(text("UPDATE users SET username = username"))  # the post writes
        db.session.commit()
    other.execute("INSERT INTO probe VALUES (2)")  # and then the other writer gets its turn
    other.close()


def test_a_get_and_the_bank_api_begin_deferred(sqlite_app):
    app, path = sqlite_app
    other = _other_writer(path)
    for path_, method in (("/search", "GET"), ("/api/v1/checks/batch", "POST")):
        with app.test_request_context(path_, method=method):
            db.session.execute(text("SELECT count(*) FROM users"))
            other.execute("INSERT INTO probe VALUES (3)")  # a reader does not block writers
            db.session.rollback()
    other.close()
