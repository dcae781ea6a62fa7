"""The red list (红名单): an authority nominates a trustworthy subject; removal by hand.

Exclusion by a new penalty or a listing happens in `recompute_subject`.
"""

from __future__ import annotations

from datetime import date, datetime

from service.core.actors import Actor
from service.core.db import db
from service.lists.history import history_of
from service.lists.models import EndReason, EntryStatus, ListEntry
from service.lists.operations._common import (
    audit_entry,
    entry_snapshot,
    lock_subject,
    policy,
    publish_entry_change,
    require_text,
    user_id,
)
from service.register.models import Authority, Subject
from service.rules.engine import end_updates
from service.rules.redlist import red_refusals
from service.rules.refusals import RuleViolation, refuse_if


def nominate_red(subject: Subject, *, basis_text: str, authority: Authority, actor: Actor,
                 now: datetime, today: date, ends_on: date | None = None) -> ListEntry:
    """Put an eligible subject on the red list from today (until `ends_on`, or until removed)."""
    text = require_text(basis_text, "basis_text", "why the subject is trustworthy (列入红名单依据)")
    if authority is None:
        raise RuleViolation.invalid("authority", "required: the nominating authority (推荐单位)",
                                    code="required")
    if ends_on is not None and ends_on < today:
        raise RuleViolation.invalid("ends_on", f"{ends_on} is in the past (截止日期不能早于今天)")
    lock_subject(subject.id)
    history = history_of(subject.id)
    if history.red_in_force(today):
        raise RuleViolation("already_red", "the subject is already on the red list (已列入红名单)")
    refuse_if(red_refusals(history, today, policy()))
    entry = ListEntry(list_kind="red", subject_id=subject.id, status=EntryStatus.ACTIVE,
                      basis="nomination", basis_text=text, authority_id=authority.id,
                      proposed_at=now, starts_on=today, scheduled_end_on=ends_on,
                      confirmed_by_id=user_id(actor), confirmed_at=now)
    db.session.add(entry)
    db.session.flush()
    audit_entry(actor, "red.nominate", entry, now=now, before=None)
    publish_entry_change(entry, "red.nominated", now=now)
    return entry


def remove_red(entry: ListEntry, *, reason: str, actor: Actor, now: datetime,
               today: date) -> ListEntry:
    """Take a subject off the red list from today; the reason is kept."""
    if entry.list_kind != "red" or entry.status != EntryStatus.ACTIVE or (
            entry.scheduled_end_on is not None and entry.scheduled_end_on < today):
        raise RuleViolation("not_in_force", f"entry {entry.id} is not a red-list entry in force "
                            "(非有效的红名单)")
    reason = require_text(reason, "reason", "why the subject leaves the red list (移出理由)")
    before = entry_snapshot(entry)
    for name, value in end_updates(EndReason.REMOVED, today, reason).items():
        setattr(entry, name, value)
    entry.ended_by_id = user_id(actor)
    audit_entry(actor, "red.remove", entry, now=now, before=before)
    publish_entry_change(entry, "red.removed", now=now)
    return entry
