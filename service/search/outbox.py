"""Queue index updates in the same transaction as the change (the durable outbox)."""

from __future__ import annotations

from datetime import datetime

from service.audit.operations import defer_insert
from service.core.db import db
from service.search.models import SearchOutbox


def enqueue(object_type: str, object_id: int, *, now: datetime) -> None:
    """Mark a decision or subject for re-indexing once this transaction commits."""
    values = {"object_type": object_type, "object_id": object_id, "created_at": now}
    if not defer_insert(SearchOutbox, values):  # inside batched_events(): written at its end
        db.session.add(SearchOutbox(**values))
