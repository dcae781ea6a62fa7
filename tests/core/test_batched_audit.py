"""Audit records logged inside batched_events() are written together, in order, always."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.audit.operations import batched_events, log_event
from service.core.actors import Actor
from service.core.db import db

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
ACTOR = Actor.cli("test")


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_records_are_written_when_the_block_ends_after_earlier_ones(session):
    log_event(ACTOR, "before.block", now=NOW)  # an ORM record, not yet flushed
    with batched_events():
        assert log_event(ACTOR, "in.block.1", now=NOW, after={"n": 1}) is None
        with batched_events():  # a nested block shares the batch
            log_event(ACTOR, "in.block.2", now=NOW, details={"day": NOW.date()})
        assert _actions() == ["before.block"]  # nothing of the batch yet
    log_event(ACTOR, "after.block", now=NOW)
    assert _actions() == ["before.block", "in.block.1", "in.block.2", "after.block"]
    second = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "in.block.2"))
    assert second.details == {"day": "2026-12-06"}
    assert second.actor == str(ACTOR)
    assert second.before is None


def _fail_after_logging() -> None:
    with batched_events():
        log_event(ACTOR, "done.before.the.error", now=NOW)
        raise RuntimeError("boom")


def test_a_block_that_raises_still_writes_what_it_logged(session):
    with pytest.raises(RuntimeError, match="boom"):
        _fail_after_logging()
    assert _actions() == ["done.before.the.error"]
    assert log_event(ACTOR, "outside", now=NOW) is not None  # the batch has ended
