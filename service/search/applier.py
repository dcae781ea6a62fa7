"""Apply the search outbox soon after each commit, in a background thread of this process.

A session that flushed new outbox rows wakes the applier when it commits; the
applier indexes the rows' decisions and deletes the rows only after the index
commit. If the process dies in between, the rows are still there: the next
wake-up, the periodic pass, `python -m service search apply` or the setup step
applies them. Several processes may apply at once: Whoosh's lock serialises
them and writing a document twice is harmless.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from service.core.bulk import watch_bulk_inserts
from service.core.db import db
from service.search.interface import get_search
from service.search.models import SearchOutbox

log = logging.getLogger(__name__)
_FLAG = "search_outbox_written"
PERIOD_SECONDS = 30.0  # also look for rows left behind (e.g. written by another process)


class Applier:
    """One daemon thread per app that applies the outbox when woken (or every 30 s)."""

    def __init__(self, app) -> None:
        self.app = app
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = False
        self.idle = threading.Event()
        # Nothing is known to be pending until a commit wakes it: a web worker that never
        # wrote must not wait at exit (drain) for its first 30-second pass.
        self.idle.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the current pass and end the thread (app shutdown, tests)."""
        self._stopped = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def start(self) -> None:
        """Run the thread (idle until woken, with a pass every 30 s for rows left behind)."""
        if self._stopped:
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="search-applier",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.drain)

    def wake(self) -> None:
        self.start()
        self.idle.clear()
        self._wake.set()

    def drain(self, timeout: float = 30.0) -> None:
        """At exit (a CLI import, say), let the rows just committed reach the index."""
        if not self.idle.is_set() and self._thread is not None and self._thread.is_alive():
            self.idle.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait(PERIOD_SECONDS)
            self._wake.clear()
            if self._stopped:
                return
            try:
                with self.app.app_context():
                    try:
                        get_search().apply_pending()
                    finally:
                        db.session.remove()
            except Exception:  # keep the rows; the next pass retries
                log.exception("applying the search outbox failed; will retry")
            if not self._wake.is_set():
                self.idle.set()


def applier_for(app) -> Applier:
    applier = app.extensions.get("search_applier")
    if applier is None:
        applier = app.extensions.setdefault("search_applier", Applier(app))
    return applier


@event.listens_for(Session, "before_flush")
def _note_outbox_rows(session, _context, _instances) -> None:
    if any(isinstance(obj, SearchOutbox) for obj in session.new):
        session.info[_FLAG] = True


def _note_bulk_outbox(table, _rows) -> None:
    """Outbox rows a bulk writer put past the session (service.core.bulk)."""
    if table is SearchOutbox.__table__:
        db.session.info[_FLAG] = True


watch_bulk_inserts(_note_bulk_outbox)


@event.listens_for(Session, "do_orm_execute")
def _note_outbox_inserts(state) -> None:
    """Bulk writers insert outbox rows through Core (register.bulk.insert_rows), not the ORM."""
    if state.is_insert and getattr(state.statement, "table", None) is SearchOutbox.__table__:
        state.session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _wake_applier(session) -> None:
    if not session.info.pop(_FLAG, False) or not has_app_context():
        return
    if isinstance(session.bind, Connection):  # joined to an outer transaction (tests)
        return
    app = current_app._get_current_object()
    if app.config.get("SEARCH_BACKEND") != "whoosh" or not app.config.get(
            "SEARCH_APPLY_AFTER_COMMIT", True):
        return
    if g.get("search_apply_deferred") or click.get_current_context(silent=True) is not None:
        # Bulk work or a CLI command: apply once when it ends. A second writer thread
        # would make its next SQLite write fail with "database is locked" (a read
        # transaction cannot be upgraded after another connection committed), and
        # indexing beside an import would slow the import down.
        g.search_apply_pending = True
        return
    applier_for(app).wake()


@contextmanager
def apply_deferred() -> Iterator[None]:
    """Hold the after-commit applier during bulk work that commits in batches.

    The rows stay durable in the outbox; the applier is woken once at the end
    (a CLI command applies them when its app context ends instead).
    """
    outer = g.get("search_apply_deferred", False)
    g.search_apply_deferred = True
    try:
        yield
    finally:
        g.search_apply_deferred = outer
        if not outer and click.get_current_context(silent=True) is None \
                and g.pop("search_apply_pending", False):
            applier_for(current_app._get_current_object()).wake()


def init_app(app) -> None:
    """Apply what a CLI command queued when its app context ends."""
    app.teardown_appcontext(_apply_after_command)


def _apply_after_command(exc) -> None:
    if exc is not None or not g.pop("search_apply_pending", False):
        return
    try:
        get_search().apply_pending()
    except Exception:  # the rows stay in the outbox: the next apply takes them
        log.exception("applying the search outbox after the command failed")


@event.listens_for(Session, "after_rollback")
def _forget_outbox_rows(session) -> None:
    session.info.pop(_FLAG, None)


def setup_search_index(demo: bool = False) -> None:
    """Setup step: apply what is pending, build the index if there is none, report."""
    import click

    search = get_search()
    if current_app.config["SEARCH_BACKEND"] == "null":
        click.echo("search: SEARCH_BACKEND=null, no index")
        return
    if search.current_dir() is None or search.is_outdated():
        count = search.reindex()
        click.echo(f"search index built: {count} decisions")
        return
    applied = search.apply_pending()
    report = search.check(repair=True)
    click.echo(f"search index up to date: {applied} outbox rows applied, "
               f"{len(report.missing) + len(report.stale) + len(report.extra)} documents repaired")
