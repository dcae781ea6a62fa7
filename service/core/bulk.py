"""Many rows into one table in one go: COPY on PostgreSQL, the driver's executemany on SQLite.

For bulk writers (the importer, batched rule runs). The rows skip SQLAlchemy's
per-row compile and bookkeeping, and the session's execute events with it: parts
that watch inserts into a table through those events (the search applier, the
bank changes feed) register a watcher here too (`watch_bulk_inserts`), which
hears of every batch written past the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from itertools import islice

from sqlalchemy import Column, MetaData, Table, bindparam, text

from service.core.db import db

_watchers: list[Callable[[Table, list[dict]], None]] = []


def watch_bulk_inserts(watcher: Callable[[Table, list[dict]], None]) -> None:
    """Have `watcher(table, rows)` called for every batch insert_rows writes past the session."""
    if watcher not in _watchers:
        _watchers.append(watcher)


def insert_rows(model_or_table, params: list[dict]) -> None:
    """Insert the rows (dicts with the same keys), bound as a Core INSERT binds them.

    Same types and Python-side defaults as `session.execute(table.insert(), params)`,
    which is what a single row, another database or an SQL-side default gets.
    """
    if not params:
        return
    table = getattr(model_or_table, "__table__", model_or_table)
    if len(params) == 1 or not _bound_rows(table, params):
        db.session.execute(table.insert(), params)
        return
    for watcher in _watchers:
        watcher(table, params)


def update_rows(model_or_table, params: list[dict], key: str = "id") -> None:
    """UPDATE many rows, each dict giving the row's `key` and its new values (same keys in
    every dict). PostgreSQL: COPY into a temporary table and one UPDATE ... FROM (an
    executemany of 60,000 UPDATEs took 3 s of a large import); elsewhere executemany.
    """
    if not params:
        return
    table = getattr(model_or_table, "__table__", model_or_table)
    names = [n for n in params[0] if n != key]
    if not db.is_postgresql or len(params) == 1:
        db.session.execute(
            table.update().where(table.c[key] == bindparam(f"_{key}"))
            .values({n: bindparam(n) for n in names}),
            [{f"_{key}": row[key], **{n: row[n] for n in names}} for row in params])
        return
    staging = Table(f"_update_{table.name}", MetaData(),
                    *(Column(n, table.c[n].type) for n in (key, *names)))
    quote = db.session.connection().dialect.identifier_preparer.quote
    target, source = quote(table.name), quote(staging.name)
    db.session.execute(text(
        f"CREATE TEMPORARY TABLE {source} ON COMMIT DROP AS SELECT "
        f"{', '.join(quote(c.name) for c in staging.c)} FROM {target} WITH NO DATA"))
    insert_rows(staging, params)  # COPY (no watcher knows the staging table)
    db.session.execute(text(
        f"UPDATE {target} SET {', '.join(f'{quote(n)} = s.{quote(n)}' for n in names)} "
        f"FROM {source} AS s WHERE {target}.{quote(key)} = s.{quote(key)}"))
    db.session.execute(text(f"DROP TABLE {source}"))


def reserve_ids(model_or_table, count: int) -> list[int] | None:
    """On PostgreSQL, `count` new ids from the table's id sequence, ascending, for rows
    that insert_rows writes with their ids given (COPY returns nothing). None elsewhere:
    SQLite's callers find their new rows again by a natural key.
    """
    if not db.is_postgresql or not count:
        return None
    table = getattr(model_or_table, "__table__", model_or_table)
    return sorted(db.session.scalars(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count}))


def _bound_rows(table, params: list[dict]) -> bool:
    """Write the rows straight through the driver; False (nothing written) if Core must."""
    connection = db.session.connection()
    dialect = connection.dialect
    given = list(params[0])
    # Columns the rows leave out take their Python-side default, as an INSERT would.
    defaulted = [(c, c.default) for c in table.c
                 if c.name not in params[0] and c.default is not None and not c.primary_key]
    if dialect.name not in ("postgresql", "sqlite") or any(
            not (d.is_scalar or d.is_callable) for _c, d in defaulted):
        return False
    columns = [table.c[name] for name in given] + [c for c, _d in defaulted]
    processors = [_remembered(c.type.dialect_impl(dialect).bind_processor(dialect))
                  for c in columns]

    def values(row: dict) -> list:
        raw = [row[name] for name in given]
        raw += [d.arg if d.is_scalar else d.arg(None) for _c, d in defaulted]
        # None too: a JSON column binds it as JSON null, as the INSERT does.
        return [v if p is None else p(v) for v, p in zip(raw, processors, strict=True)]

    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    target = f"{dialect.identifier_preparer.format_table(table)} ({names})"
    driver = connection.connection.driver_connection
    if dialect.name == "postgresql":  # one COPY instead of 1,000 executions
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in params:
                copy.write_row(values(row))
    else:
        marks = ", ".join("?" * len(columns))
        driver.executemany(f"INSERT INTO {target} VALUES ({marks})", map(values, params))
    return True


_REMEMBERED = frozenset({date, datetime})


def _remembered(processor):
    """The processor, computing each scalar value once per call of insert_rows.

    A batch binds the same timestamp (the import's `now`), the same dates and many
    JSON nulls thousands of times. Only None, dates and timestamps are remembered:
    equal Decimals (1.0, 1.00) or True and 1 must not share a bound value.
    """
    if processor is None:
        return None
    done: dict = {}

    def process(value):
        if value is not None and value.__class__ not in _REMEMBERED:
            return processor(value)
        try:
            return done[value]
        except KeyError:
            done[value] = bound = processor(value)
            return bound

    return process


def chunks(items: list, size: int) -> Iterable[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
