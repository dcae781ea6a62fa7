"""Prepared statements for the single-check hot path.

SQLAlchemy spends far longer preparing the execution of a Core statement
(cache key, compiled-cache lookup, parameter processing, result set-up) than
SQLite or PostgreSQL spend answering an indexed one-row query. For the
single check, which runs a handful of such queries per request, each
statement is compiled once per dialect and executed with the driver's own
cursor; parameters and results still go through the column types'
bind/result processors, so values are exactly what the ORM would give.

The statements themselves are built from the same expressions as
`service.lists.queries` (`entry_in_force_on`, `disclosed_on`), so the rules
live in one place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Dialect

from service.audit.models import DataChange
from service.core.db import db
from service.lists.models import ListEntry, list_entry_decisions
from service.lists.queries import (
    CodedStatus,
    DecisionRef,
    EntryView,
    _entries_select,
    _status,
)
from service.register.models import Decision, Subject
from service.register.queries import disclosed_on, entry_in_force_on


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...] | None  # positional order; None: named parameters
    defaults: dict
    bind: dict[str, Callable | None]
    columns: tuple[str, ...]
    types: tuple
    results: list  # result processors, set on the first run (they need the driver's types)


def current_connection():
    """The request's connection, after flushing pending ORM changes (as autoflush would)."""
    session = db.session()
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection()


class Prepared:
    """A Core select compiled once per dialect and run on the DBAPI cursor."""

    def __init__(self, statement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect,
                                          compile_kwargs={"render_postcompile": True})
        bind = {name: param.type._cached_bind_processor(dialect)
                for param, name in compiled.bind_names.items()}
        columns = tuple(c[0] for c in compiled._result_columns)
        types = tuple(c[3] for c in compiled._result_columns)
        names = tuple(compiled.positiontup) if compiled.positional else None
        return _Compiled(compiled.string, names, dict(compiled.params), bind, columns, types, [])

    def _prepare(self, connection=None):
        if connection is None:
            connection = current_connection()
        dialect = connection.dialect
        c = self._compiled.get(dialect.name)
        if c is None:
            c = self._compiled[dialect.name] = self._compile(dialect)
        return connection, dialect, c

    @staticmethod
    def _args(c: _Compiled, params: dict):
        defaults, bind = c.defaults, c.bind
        if c.names is not None:
            return tuple(
                (bind[k](params[k] if k in params else defaults[k]) if bind.get(k)
                 else (params[k] if k in params else defaults[k]))
                for k in c.names)
        values = {**defaults, **params}
        return {k: (bind[k](v) if bind.get(k) else v) for k, v in values.items()}

    def execute_many(self, connection, rows: list[dict], shared: dict | None = None) -> None:
        """Run an INSERT for every row with the driver's executemany; the values in `shared`
        (the same for every row) go through their bind processors once, not once per row."""
        connection, _dialect, c = self._prepare(connection)
        shared = shared or {}
        if len(rows) > 1 and shared and c.names is not None:
            bound = {k: (c.bind[k](v) if c.bind.get(k) else v) for k, v in shared.items()}
            own = _Compiled(c.sql, tuple(k for k in c.names if k not in bound), c.defaults,
                            c.bind, c.columns, c.types, c.results)
            slots = [(True, bound[k]) if k in bound else (False, None) for k in c.names]

            def args(row):
                mine = iter(self._args(own, row))
                return tuple(value if is_shared else next(mine) for is_shared, value in slots)
        else:
            def args(row):
                return self._args(c, {**row, **shared} if shared else row)
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.executemany(c.sql, [args(row) for row in rows])
        finally:
            cursor.close()

    def rows(self, connection=None, **params) -> list[tuple]:
        connection, dialect, c = self._prepare(connection)
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(c.sql, self._args(c, params))
            return self._results(c, dialect, cursor)
        finally:
            cursor.close()

    @staticmethod
    def _results(c: _Compiled, dialect: Dialect, cursor) -> list[tuple]:
        fetched = cursor.fetchall()
        if not c.results:
            c.results.extend(kind._cached_result_processor(dialect, described[1])
                             for kind, described in zip(c.types, cursor.description,
                                                        strict=True))
        return [tuple(p(v) if p else v for p, v in zip(c.results, row, strict=True))
                for row in fetched]


def _pipelines_supported() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    return psycopg.Pipeline.is_supported()  # libpq 14 or later


_PIPELINES = _pipelines_supported()


def rows_together(connection, statements: list[Prepared], **params) -> list[list[tuple]]:
    """The rows of several statements with the same parameters in one round trip
    (PostgreSQL: psycopg's pipeline mode sends them all before reading any answer)."""
    driver = connection.connection.driver_connection
    prepared = [statement._prepare(connection) for statement in statements]
    cursors = [driver.cursor() for _ in statements]
    try:
        with driver.pipeline():
            for cursor, (_, _, c) in zip(cursors, prepared, strict=True):
                cursor.execute(c.sql, Prepared._args(c, params))
        return [Prepared._results(c, dialect, cursor)
                for cursor, (_, dialect, c) in zip(cursors, prepared, strict=True)]
    finally:
        for cursor in cursors:
            cursor.close()


LAST_CHANGE = Prepared(select(DataChange.id, DataChange.at)
                       .order_by(DataChange.id.desc()).limit(1))
_SUBJECT = Prepared(select(Subject.id, Subject.name)
                    .where(Subject.uscc == bindparam("uscc", value="")))


def _newest(column):
    return select(column).order_by(DataChange.id.desc()).limit(1).scalar_subquery()


def _holder(column):
    return select(column).where(Subject.uscc == bindparam("uscc", value="")).scalar_subquery()


# The data version and the subject holding a code in one statement (one round trip).
_VERSION_AND_SUBJECT = Prepared(select(_newest(DataChange.id), _newest(DataChange.at),
                                       _holder(Subject.id), _holder(Subject.name)))


@functools.lru_cache(maxsize=128)
def _day_statements(as_of: date, by_code: bool = False) -> tuple[Prepared, Prepared, Prepared]:
    """A day's entries, decisions behind them and disclosed penalties of one subject, given
    by id (`sid`) or, to run beside the statement that finds it, by its code (`uscc`)."""
    sid = (select(Subject.id).where(Subject.uscc == bindparam("uscc", value=""))
           .scalar_subquery() if by_code
           else bindparam("sid", value=0))  # a placeholder: every call binds its own
    entries = Prepared(_entries_select().where(ListEntry.subject_id == sid,
                                               entry_in_force_on(as_of))
                       .order_by(ListEntry.starts_on, ListEntry.id))
    in_force = select(ListEntry.id).where(ListEntry.subject_id == sid, entry_in_force_on(as_of))
    linked = Prepared(
        select(list_entry_decisions.c.list_entry_id, Decision.id, Decision.number,
               Decision.decided_on, Decision.violation_type)
        .join(Decision, Decision.id == list_entry_decisions.c.decision_id)
        .where(list_entry_decisions.c.list_entry_id.in_(in_force),
               Decision.status == "published", Decision.revoked_at.is_(None),
               Decision.repaired_on.is_(None))
        .order_by(Decision.decided_on, Decision.id))
    penalties = Prepared(select(Decision.subject_id, Decision.decided_on, Decision.fine_amount,
                                Decision.confiscated_amount, Decision.violation_type)
                         .where(Decision.subject_id == sid, disclosed_on(as_of)))
    return entries, linked, penalties


@dataclass(frozen=True)
class _Penalty:
    subject_id: int
    decided_on: date
    fine_amount: object
    confiscated_amount: object
    violation_type: str


def version_and_status(uscc: str, as_of: date) -> tuple[tuple, CodedStatus | None]:
    """((data version, changed at), the standing of the code's holder or None): the single
    check's reads, in one round trip on PostgreSQL, in three or four statements elsewhere."""
    connection = current_connection()
    if connection.dialect.name == "postgresql" and _PIPELINES:
        statements = _day_statements(as_of, by_code=True)
        [(number, at, subject_id, name)], *rows = rows_together(
            connection, [_VERSION_AND_SUBJECT, *statements], uscc=uscc)
        found = None if subject_id is None else _standing(
            connection, statements, uscc, (subject_id, name), as_of, *rows)
        return (number, at), found
    [(number, at, subject_id, name)] = _VERSION_AND_SUBJECT.rows(connection, uscc=uscc)
    holder = None if subject_id is None else (subject_id, name)
    return (number, at), _standing_of(connection, uscc, holder, as_of)


def status_by_uscc(uscc: str, as_of: date) -> CodedStatus | None:
    """One subject's standing: `statuses_by_uscc([uscc], as_of)` on prepared statements.

    A test checks that both give the same answer.
    """
    connection = current_connection()
    found = _SUBJECT.rows(connection, uscc=uscc)
    return _standing_of(connection, uscc, found[0] if found else None, as_of)


def _standing_of(connection, uscc: str, holder: tuple | None, as_of: date) -> CodedStatus | None:
    """The standing of `holder` ((subject id, name), or None for nobody) statement by statement."""
    if holder is None:
        return None
    statements = entries_stmt, linked_stmt, penalties_stmt = _day_statements(as_of)
    sid = holder[0]
    entry_rows = entries_stmt.rows(connection, sid=sid)
    # A statement costs more than it saves here: the decisions behind entries only.
    linked_rows = linked_stmt.rows(connection, sid=sid) if entry_rows else []
    penalty_rows = penalties_stmt.rows(connection, sid=sid)
    return _standing(connection, statements, uscc, holder, as_of, entry_rows, linked_rows,
                     penalty_rows)


def _standing(connection, statements, uscc: str, holder: tuple, as_of: date, entry_rows,
              linked_rows, penalty_rows) -> CodedStatus:
    subject_id, name = holder
    refs: dict[int, list[DecisionRef]] = {}
    for entry_id, *ref in linked_rows:
        refs.setdefault(entry_id, []).append(DecisionRef(*ref))
    columns = statements[0]._compiled[connection.dialect.name].columns
    entries = [EntryView(**dict(zip(columns, row, strict=True)),
                         decisions=tuple(refs.get(row[0], ()))) for row in entry_rows]
    penalties = [_Penalty(*row) for row in penalty_rows]
    return CodedStatus(uscc, name, _status(subject_id, as_of, entries, penalties))
