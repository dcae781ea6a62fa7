"""Console operations the register does not have: editing a draft before review.

A draft is not public, so changing it is an edit (修改草稿), not a correction: it
leaves no correction note for the public, but it still keeps a revision with the
changed values before and after and an audit record.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from service.audit.operations import log_event
from service.core.actors import Actor
from service.core.db import db
from service.register.models import Decision, DecisionStatus
from service.register.operations import (
    RegisterError,
    _check_key_free,
    _sync_persons,
    add_revision,
    decision_values,
    find_or_create_authority,
    find_or_create_subject,
    snapshot,
)
from service.rules.policy import current_policy
from service.search.outbox import enqueue


def edit_draft(decision: Decision, data: dict, *, actor: Actor, now: datetime) -> bool:
    """Replace a draft's content with validated data; return False when nothing changed."""
    if decision.status != DecisionStatus.DRAFT:
        raise RegisterError("invalid_status", f"only a draft can be edited, this decision is "
                                              f"{decision.status}", "status")
    secret = current_app.config["ID_DIGEST_KEY"]
    values = decision_values(data, current_policy(), secret)
    if values["content_digest"] == decision.content_digest:
        return False
    authority = find_or_create_authority(data["authority_name"], data.get("authority_uscc"),
                                         now=now)
    _check_key_free(authority.id, data["number"], decision.id)
    before = snapshot(decision)
    subject = find_or_create_subject(data, now=now, secret=secret)
    for column, value in values.items():
        setattr(decision, column, value)
    decision.authority, decision.subject, decision.updated_at = authority, subject, now
    _sync_persons(decision, data, now, secret)
    db.session.flush()
    after = snapshot(decision)
    changed = [k for k in after if after[k] != before[k]]
    add_revision(decision, "edited", actor=actor, now=now,
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    log_event(actor, "decision.edit", now=now, object_type="decision", object_id=decision.id,
              authority_id=decision.authority_id, before={k: before[k] for k in changed},
              after={k: after[k] for k in changed})
    enqueue("decision", decision.id, now=now)
    db.session.flush()
    return True
