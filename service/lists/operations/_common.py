"""Small helpers the list operations share: snapshots, the acting user, locks, input checks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from service.audit.operations import log_event, record_change
from service.core.actors import Actor
from service.core.bulk import chunks
from service.core.db import db, one_of
from service.lists.models import ListEntry
from service.register.models import Subject
from service.rules.policy import Policy, current_policy
from service.rules.refusals import RuleViolation
from service.search.outbox import enqueue

ENTRY_FIELDS = ("list_kind", "subject_id", "status", "basis", "basis_text", "authority_id",
                "parent_id", "notified_on", "starts_on", "scheduled_end_on", "ended_on",
                "end_reason", "end_note")


def policy() -> Policy:
    return current_policy()


def entry_snapshot(entry: ListEntry, decision_ids: Iterable[int] | None = None) -> dict:
    """The entry's fields and the ids of the decisions behind it (`decision_ids` when the
    caller tracks them, else from `entry.decisions`)."""
    snapshot = {name: getattr(entry, name) for name in ENTRY_FIELDS}
    snapshot["decision_ids"] = sorted(
        (d.id for d in entry.decisions) if decision_ids is None else decision_ids)
    return snapshot


def user_id(actor: Actor) -> int | None:
    """The users.id to record as confirmer/ender: only a logged-in official has one."""
    return actor.id if actor.kind == "user" else None


def lock_subject(subject_id: int) -> None:
    """Serialise rule runs on one subject (PostgreSQL row lock; SQLite serialises writers)."""
    db.session.execute(select(Subject.id).where(Subject.id == subject_id).with_for_update())


def lock_subjects(subject_ids: Iterable[int]) -> None:
    """lock_subject for many, in id order (no deadlock between two runs), 500 per query."""
    for chunk in chunks(sorted(set(subject_ids)), 500):
        db.session.execute(select(Subject.id).where(one_of(Subject.id, chunk))
                           .order_by(Subject.id).with_for_update())


def require_text(value: str | None, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise RuleViolation.invalid(field, f"required: {what}", code="required")
    return text


def check_notice_date(notified_on: date | None, *, today: date,
                      not_before: date | None = None) -> date:
    """The 陈述申辩 notice must have been given, not in the future, not before the facts."""
    if notified_on is None:
        raise RuleViolation.invalid("notified_on", "required: the day the party was told the "
                                    "facts, reasons and basis (陈述申辩告知日期)", code="required")
    if notified_on > today:
        raise RuleViolation.invalid("notified_on", f"{notified_on} is in the future "
                                    "(告知日期不能晚于今天)")
    if not_before is not None and notified_on < not_before:
        raise RuleViolation.invalid("notified_on", f"{notified_on} is before the decision of "
                                    f"{not_before} it notifies (告知日期早于处罚决定日期)")
    return notified_on


def publish_entry_change(entry: ListEntry, kind: str, *, now) -> None:
    """A change the public or banks can see: bump the data version, refresh the index."""
    record_change(kind, now=now, subject_id=entry.subject_id, object_type="list_entry",
                  object_id=entry.id)
    enqueue("subject", entry.subject_id, now=now)


def audit_entry(actor: Actor, action: str, entry: ListEntry, *, now, before: dict | None,
                details: dict | None = None, decision_ids: Iterable[int] | None = None) -> None:
    log_event(actor, action, now=now, object_type="list_entry", object_id=entry.id,
              authority_id=entry.authority_id, before=before,
              after=entry_snapshot(entry, decision_ids), details=details)
