"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

The schema is built by `alembic upgrade heads`, so the migrations are tested.
Each test runs inside an outer transaction that is rolled back; the code under
test commits savepoints (join_transaction_mode="create_savepoint").
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from service import create_app
from service.core.db import db
from service.core.migrate import upgrade_database

PG_ADMIN_URL = os.environ.get(
    "TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = [b for b in os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
TEST_SECRET = "test-secret-key-not-for-production"
UNLIMITED_PUBLIC = dict.fromkeys(("PUBLIC_RATE_LIMIT", "PUBLIC_SEARCH_RATE_LIMIT",
                                  "PUBLIC_DOWNLOAD_RATE_LIMIT", "PUBLIC_PAGE_RATE_LIMIT"),
                                 "100000/minute")


@contextmanager
def fresh_database(backend: str, directory: Path):
    """A new, migrated database of the given backend; dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / f'test-{uuid.uuid4().hex[:8]}.sqlite3'}"
        upgrade_database(url)
        yield url
        return
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}", pytrace=False)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_test_app(url: str, directory: Path, **overrides):
    index_dir = directory / f"index-{uuid.uuid4().hex[:8]}"
    config = {
        "DATABASE_URL": url,
        "INDEX_DIR": str(index_dir),
        "INSTANCE_DIR": str(directory),
        "SECRET_KEY": TEST_SECRET,
        "TESTING": True,
        "WTF_CSRF_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Tests browse and search far faster than a reader; the limit tests set their own
        # (tests/bank_watch/test_public_limit.py, tests/public/test_rate_limits.py).
        **UNLIMITED_PUBLIC,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    with fresh_database(backend, tmp_path_factory.mktemp(backend)) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_test_app(database_url, tmp_path_factory.mktemp("app"))
    yield app
    app.extensions["db_engine"].dispose()


@pytest.fixture
def session(app):
    """A session inside an outer transaction that is rolled back after the test."""
    with app.app_context():
        connection = app.extensions["db_engine"].connect()
        outer = connection.begin()
        app.extensions["db_session_options"] = {
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
        }
        db.session.remove()
        try:
            yield db.session
        finally:
            db.session.remove()
            app.extensions["db_session_options"] = {}
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, session):
    return app.test_client()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A real HTTP server in a thread, on its own committed database."""

    def __init__(self, app) -> None:
        self.app = app
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = make_server("127.0.0.1", self.port, app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(5)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server on a fresh committed SQLite database; seed it inside `live_server.app`."""
    directory = tmp_path_factory.mktemp("live")
    with fresh_database("sqlite", directory) as url:
        app = make_test_app(url, directory)
        server = LiveServer(app).start()
        yield server
        server.stop()
        app.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
