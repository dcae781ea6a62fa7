"""Write the audit log and the data-change sequence (operations call these; they only flush)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from service.audit.models import AuditEvent, DataChange
from service.core.actors import Actor
from service.core.amounts import exact_text
from service.core.bulk import insert_rows
from service.core.db import db


def jsonable(value):
    """Plain JSON for audit snapshots: dates as ISO strings, money as exact strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):  # 3.600000 and 3.6 alike: a history shows no change
        return exact_text(value)
    return value


def log_event(actor: Actor, action: str, *, now: datetime, object_type: str | None = None,
              object_id: int | None = None, authority_id: int | None = None,
              before: dict | None = None, after: dict | None = None,
              details: dict | None = None) -> AuditEvent | None:
    """Append an audit record: who did what to which record, with before and after.

    Inside `batched_events()` the record is written when the block ends (and None returned).
    """
    values = {"at": now, "actor": str(actor), "action": action, "object_type": object_type,
              "object_id": object_id, "authority_id": authority_id,
              "before": jsonable(before), "after": jsonable(after), "details": jsonable(details)}
    if defer_insert(AuditEvent, values):
        return None
    event = AuditEvent(**values)
    db.session.add(event)
    return event


_PENDING = "append_only_rows_pending"


@contextmanager
def batched_events() -> Iterator[None]:
    """Write the audit records, data changes and search outbox rows of the block in one
    INSERT per table when it ends.

    For bulk rule runs: one ORM object per row costs a round trip each on SQLite
    (it cannot batch INSERT ... RETURNING in order). The rows keep their order,
    after any written before the block, and go through session.execute, where the
    hooks watching those tables see them. They are written even when the block
    raises, as ORM objects would have been flushed: a caller that catches the error
    and commits keeps the audit of what was done (a rolled-back transaction drops
    both). Nested blocks share the outermost one's batch.
    """
    info = db.session.info
    if _PENDING in info:
        yield
        return
    info[_PENDING] = {}
    try:
        yield
    except BaseException:
        with suppress(Exception):  # the block's own error is the one to report
            _write(info.pop(_PENDING))
        raise
    _write(info.pop(_PENDING))


def defer_insert(model, values: dict) -> bool:
    """Inside `batched_events()`, queue a row of an append-only table; else False."""
    pending = db.session.info.get(_PENDING)
    if pending is None:
        return False
    pending.setdefault(model.__table__, []).append(values)
    return True


def _write(pending: dict) -> None:
    if pending:
        db.session.flush()  # rows added before the block keep the lower ids
        for table, rows in pending.items():  # in the order the tables were first used
            insert_rows(table, rows)


# session.info flag: see standing_noted_later().
STANDING_LATER = "standing_noted_later"


@contextmanager
def standing_noted_later() -> Iterator[None]:
    """Inside the block, data changes inserted in bulk are not noted for the bank changes
    feed (service.bank_api.monitoring) when the transaction commits.

    For the importer's row batches: their subjects' standing is final only once the
    lists rules ran at the end of the file, and the importer notes them then
    (monitoring.note_subjects). Rows added as ORM objects are noted as ever.
    """
    info = db.session.info
    outer = info.get(STANDING_LATER, False)
    info[STANDING_LATER] = True
    try:
        yield
    finally:
        info[STANDING_LATER] = outer


def record_change(kind: str, *, now: datetime, subject_id: int | None,
                  object_type: str | None = None,
                  object_id: int | None = None) -> DataChange | None:
    """Bump the data version: every change to what the public or banks can see.

    Inside `batched_events()` the row is written when the block ends (and None returned).
    """
    values = {"at": now, "kind": kind, "subject_id": subject_id, "object_type": object_type,
              "object_id": object_id}
    if defer_insert(DataChange, values):
        return None
    change = DataChange(**values)
    db.session.add(change)
    return change


def data_version() -> tuple[int, datetime | None]:
    """The current data version (last change id) and when the data last changed."""
    row = db.session.execute(
        select(DataChange.id, DataChange.at).order_by(DataChange.id.desc()).limit(1)
    ).first()
    return (row.id, row.at) if row else (0, None)
