"""A decision's revisions and the audit log are history: the database refuses to rewrite them."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from service.audit.models import AuditEvent
from service.audit.operations import log_event
from service.core.actors import Actor
from service.register.models import DecisionRevision
from service.register.operations import add_revision
from tests.factories import make_decision

NOW = datetime(2026, 11, 2, 3, tzinfo=UTC)
ACTOR = Actor.system("test-clerk")


@pytest.fixture
def history(session):
    """A decision with two revisions and two audit events, written the service's way."""
    decision = make_decision(published=False)
    for revision, event in (("created", "decision.create"), ("submitted", "decision.submit")):
        add_revision(decision, revision, actor=ACTOR, now=NOW)
        log_event(ACTOR, event, now=NOW, object_type="decision", object_id=decision.id)
    session.commit()
    return decision


def _rows(session, decision):
    revisions = session.execute(select(DecisionRevision.seq, DecisionRevision.action).where(
        DecisionRevision.decision_id == decision.id).order_by(DecisionRevision.seq)).all()
    events = session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == decision.id).order_by(AuditEvent.id)).all()
    return [tuple(r) for r in revisions], events


@pytest.mark.parametrize("rewrite", [
    lambda d: update(DecisionRevision).where(DecisionRevision.decision_id == d.id)
    .values(action="published"),
    lambda d: delete(DecisionRevision).where(DecisionRevision.decision_id == d.id),
    lambda d: update(AuditEvent).where(AuditEvent.object_id == d.id)
    .values(actor="user:1"),
    lambda d: delete(AuditEvent).where(AuditEvent.object_id == d.id),
], ids=["update revisions", "delete revisions", "update audit", "delete audit"])
def test_history_cannot_be_updated_or_deleted(session, history, rewrite):
    before = _rows(session, history)
    assert before == ([(1, "created"), (2, "submitted")], ["decision.create", "decision.submit"])
    savepoint = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(rewrite(history))
    savepoint.rollback()
    assert _rows(session, history) == before


@pytest.mark.parametrize("model", [DecisionRevision, AuditEvent])
def test_an_edited_history_row_is_refused_at_flush(session, history, model):
    row = session.scalars(select(model).order_by(model.id.desc()).limit(1)).one()
    savepoint = session.begin_nested()
    row.action = "published"
    with pytest.raises(DBAPIError, match="append-only"):
        session.flush()
    savepoint.rollback()
    session.expire_all()
    assert session.get(model, row.id).action != "published"


def test_history_still_grows(session, history):
    add_revision(history, "published", actor=ACTOR, now=NOW)
    log_event(ACTOR, "decision.publish", now=NOW, object_type="decision", object_id=history.id)
    session.commit()
    revisions, events = _rows(session, history)
    assert revisions[-1] == (3, "published")
    assert events[-1] == "decision.publish"
