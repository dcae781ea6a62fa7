"""Database engine, session and declarative base (SQLAlchemy 2 style)."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime

import orjson
from flask import current_app, has_app_context, has_request_context, request
from sqlalchemy import DateTime, MetaData, any_, bindparam, create_engine, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Stable constraint names so Alembic migrations name them the same everywhere.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return an aware UTC timestamp (the only clock default the models use)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timestamp stored as UTC and always returned timezone-aware, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC timestamp")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def dump_json(value) -> str:
    """JSON columns' serializer: orjson, several times faster than json.dumps on the
    audit and revision rows a bulk import writes by the hundred thousand. Same JSON
    for the values they hold (non-string keys become strings, as with json.dumps);
    non-ASCII text is written as UTF-8 rather than as \\u escapes."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and working savepoints."""
    kwargs.setdefault("json_serializer", dump_json)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        # pysqlite's own transaction handling breaks SAVEPOINT; emit BEGIN ourselves.
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


IDLE_BEFORE_PING = 10.0  # seconds a pooled connection may rest before it is tested again


def _ping_when_idle(engine: Engine, idle: float = IDLE_BEFORE_PING) -> None:
    """Test a pooled connection before use when it has rested more than `idle` seconds.

    Like `pool_pre_ping`, but without its round trip on every checkout: under load a
    connection is back in use within milliseconds, and what breaks connections (a
    server restart, a firewall dropping idle ones) shows up after a rest. A connection
    that came back broken is tested on its next checkout whatever its rest. A failed
    test makes the pool replace the connection (DisconnectionError), as pre-ping does.
    """
    @event.listens_for(engine, "checkin")
    def _rested_since(dbapi_connection, record) -> None:
        if dbapi_connection is None:  # invalidated
            return
        healthy = not (getattr(dbapi_connection, "broken", False)
                       or getattr(dbapi_connection, "closed", False))
        record.info["rest_from"] = time.monotonic() if healthy else float("-inf")

    @event.listens_for(engine, "checkout")
    def _test_after_rest(dbapi_connection, record, _proxy) -> None:
        rest_from = record.info.get("rest_from")
        if rest_from is None or time.monotonic() - rest_from < idle:
            return  # new, or back in use at once
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"pooled connection failed its test: {exc}") from exc


def _sqlite_begin(conn) -> None:
    """BEGIN, or BEGIN IMMEDIATE in a request that is expected to write.

    A deferred transaction that reads first and writes later fails at once with
    "database is locked" (SQLITE_BUSY_SNAPSHOT, which no busy timeout cures) when
    another connection wrote in between: a form post by one official while another
    process commits. Taking the write lock at BEGIN makes such a request wait its
    turn instead. The bank API ends its reads and writes separately
    (bank_api.querylog.begin_writes), so its long reads never hold the lock.
    """
    conn.exec_driver_sql(sqlite_begin())


def sqlite_begin() -> str:
    """The statement that starts this request's SQLite transactions."""
    return "BEGIN IMMEDIATE" if _request_writes() else "BEGIN"


def _request_writes() -> bool:
    if not has_request_context() or request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    if request.blueprint != "bank_api":
        return True
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "takes_write_lock", False)


def takes_write_lock(view):
    """Mark a bank API view that writes more than its query log (a report, a watch list, a
    webhook): on SQLite its transaction takes the write lock at BEGIN, as other posts do.
    Put it right under the route decorator."""
    view.takes_write_lock = True
    return view


WAL_CHECKPOINT_PAGES = 10_000  # 4 KB pages


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoint the WAL into the database every ~40 MB rather than SQLite's 4 MB: a bulk
    # import's commits each wrote a few MB and each paid a checkpoint (7 s of a 100k-row
    # import); the file is cut back to 64 MB after a checkpoint.
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA journal_size_limit={64 * 1024 * 1024}")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """The engine of the current app and a session scoped to (thread, app).

    Several apps can live in one process (tests run a live server beside the
    test client); each gets its own engine, and sessions never cross apps.
    """

    def __init__(self) -> None:
        self.session = scoped_session(self._new_session, scopefunc=_session_scope)

    def init_app(self, app) -> None:
        app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
        app.extensions["db_session_options"] = {}
        app.extensions["db"] = self
        app.teardown_appcontext(self._remove_session)

    @staticmethod
    def _new_session() -> Session:
        ext = current_app.extensions
        options = {"bind": ext["db_engine"], "expire_on_commit": False}
        options.update(ext["db_session_options"])  # tests bind to an outer transaction
        return Session(**options)

    def _remove_session(self, _exc=None) -> None:
        self.session.remove()

    @property
    def engine(self) -> Engine:
        return current_app.extensions["db_engine"]

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"


def one_of(column, values: Iterable):
    """`column IN (values)`; on PostgreSQL `column = ANY(array)`, one bound parameter.

    An IN list is compiled with one placeholder per value, and the SQL differs with
    every length, so SQLAlchemy renders it and psycopg parses it afresh for each
    query, and PostgreSQL plans it anew: for a bulk run's lists of hundreds of ids
    that cost more than the queries.
    """
    values = list(values)
    if db.is_postgresql:
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def one_of_named(column, name: str, dialect: str):
    """one_of for a statement built once and cached (per dialect): the list is bound as
    `name` when the statement runs."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def _session_scope():
    app = current_app._get_current_object() if has_app_context() else None
    return (threading.get_ident(), id(app))


db = Database()


def transactional(func):
    """Commit once when the wrapped action succeeds, roll back when it fails.

    The one commit boundary for a request or a CLI command: operations only flush.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    return wrapper


def committed_scalar(statement):
    """The statement's first result as committed now, also from a REPEATABLE READ request.

    A request reading one snapshot (bank_api.auth.one_snapshot) cannot see a row that
    a concurrent request committed after it began, such as the winner of a race on a
    unique key: on PostgreSQL the row is read through a new connection (READ
    COMMITTED) and returned detached. Elsewhere the request's session reads it.
    """
    session = db.session()
    if not (db.is_postgresql and isinstance(session.get_bind(), Engine)):
        return session.scalar(statement)
    with Session(bind=db.engine, expire_on_commit=False) as fresh:
        found = fresh.scalar(statement)
        if found is not None:
            fresh.expunge(found)
        return found
