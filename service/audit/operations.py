"""Write the audit log and the data-change sequence (operations call these; they only flush)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from service.audit.models import AuditEvent, DataChange
from service.core.actors import Actor
from service.core.db import db


def jsonable(value):
    """Plain JSON for audit snapshots: dates as ISO strings, money as exact strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def log_event(actor: Actor, action: str, *, now: datetime, object_type: str | None = None,
              object_id: int | None = None, authority_id: int | None = None,
              before: dict | None = None, after: dict | None = None,
              details: dict | None = None) -> AuditEvent:
    """Append an audit record: who did what to which record, with before and after."""
    event = AuditEvent(
        at=now, actor=str(actor), action=action, object_type=object_type, object_id=object_id,
        authority_id=authority_id, before=jsonable(before), after=jsonable(after),
        details=jsonable(details),
    )
    db.session.add(event)
    return event


def record_change(kind: str, *, now: datetime, subject_id: int | None,
                  object_type: str | None = None, object_id: int | None = None) -> DataChange:
    """Bump the data version: every change to what the public or banks can see."""
    change = DataChange(at=now, kind=kind, subject_id=subject_id,
                        object_type=object_type, object_id=object_id)
    db.session.add(change)
    return change


def data_version() -> tuple[int, datetime | None]:
    """The current data version (last change id) and when the data last changed."""
    row = db.session.execute(
        select(DataChange.id, DataChange.at).order_by(DataChange.id.desc()).limit(1)
    ).first()
    return (row.id, row.at) if row else (0, None)
