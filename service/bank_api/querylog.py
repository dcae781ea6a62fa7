"""Write the bank query log: one row per question, in the transaction of the answer."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask import g, request
from sqlalchemy import bindparam, insert

from service.bank_api.models import QUERY_KINDS, BankQuery
from service.bank_api.prepared import Prepared, current_connection
from service.core.db import db, sqlite_begin

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """The query as asked, with control characters escaped (PostgreSQL text refuses NUL)."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)[:200]


_COLUMNS = ("at", "client_id", "request_id", "kind", "query", "subject_id", "as_of",
            "data_version", "status", "answer")
_INSERT = Prepared(insert(BankQuery.__table__).values(
    {name: bindparam(name, value=None, type_=BankQuery.__table__.c[name].type)
     for name in _COLUMNS}))


@dataclass(frozen=True)
class LoggedQuery:
    """One question and the answer in short (a status or an error code, with counts)."""

    query: str
    status: str
    subject_id: int | None = None
    answer: dict | None = None
    data_version: int | None = None  # this item's own, where items differ (the changes feed)


REQUEST_ID = "bank_api.request_id"


def request_id() -> str:
    """One id per HTTP request (groups the items of a batch); also sent as X-Request-Id."""
    environ = request.environ  # not `g`: an app context can outlive one request (tests)
    if REQUEST_ID not in environ:
        environ[REQUEST_ID] = uuid.uuid4().hex
    return environ[REQUEST_ID]


def begin_writes():
    """The request's connection, ready for the request's writes; call it before the first.

    A SQLite read transaction cannot become a write one once another worker has
    written (SQLITE_BUSY_SNAPSHOT, which no busy timeout cures): the reads are ended
    and the writes go to a fresh transaction on the same connection, once per request.
    The rows are still committed before the answer leaves, and they name the data
    version the answer came from.
    """
    connection = current_connection()
    transaction = connection.get_transaction()  # a commit in between starts over
    if connection.dialect.name != "sqlite" or g.get("bank_writes_in") is transaction:
        return connection
    g.bank_writes_in = transaction
    if connection.in_nested_transaction():  # inside an outer transaction (tests)
        db.session.commit()
        return current_connection()
    # Cheaper than a session commit, which gives the connection back to the pool.
    driver = connection.connection.driver_connection
    driver.execute("COMMIT")
    driver.execute(sqlite_begin())
    return connection


def log_queries(client_id: int, kind: str, items: list[LoggedQuery], *, as_of: date | None,
                data_version: int | None, now: datetime) -> None:
    """Append the log rows with one prepared executemany (a batch of 1,000 is one call)."""
    if kind not in QUERY_KINDS:
        raise ValueError(f"unknown query kind {kind!r}")
    if not items:
        return
    rid = request_id()
    connection = begin_writes()
    shared = {"at": now, "client_id": client_id, "request_id": rid, "kind": kind,
              "as_of": as_of}
    rows = [{"query": printable(item.query), "subject_id": item.subject_id,
             "data_version": data_version if item.data_version is None else item.data_version,
             "status": item.status, "answer": item.answer}
            for item in items]
    if connection.dialect.name == "postgresql" and len(rows) > 1:
        _copy(connection, [{**shared, **row} for row in rows])
    else:
        _INSERT.execute_many(connection, rows, shared)


_COPY = f"COPY {BankQuery.__tablename__} ({', '.join(_COLUMNS)}) FROM STDIN"


def _copy(connection, rows: list[dict]) -> None:
    """Many log rows by COPY, in file order (ids follow it): a batch of 1,000 takes a few
    milliseconds instead of ~30 ms of single-row INSERTs."""
    with connection.connection.driver_connection.cursor() as cursor, \
            cursor.copy(_COPY) as copy:
        for row in rows:
            values = [row[name] for name in _COLUMNS]
            if values[-1] is not None:  # the answer, as JSON text
                values[-1] = json.dumps(values[-1])
            copy.write_row(values)
