"""Record every change of a subject's public standing, for the changes feed and webhooks.

One central place: every write that changes what the public or banks see
calls `audit.record_change` (a `DataChange` row). Before the transaction
commits, the subjects those rows name are re-read with `subject_status` and
compared with the standing last recorded (`SubjectState`); a difference
becomes a `StatusChange` in the same transaction. Standings that change only
because a date passed (a listing or a disclosure period ends, nobody acts)
are caught by `scan_status_changes`, run daily (`bank changes scan`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, func, or_, select, text
from sqlalchemy.orm import Session

from service.audit.models import DataChange
from service.audit.operations import STANDING_LATER, data_version
from service.bank_api.watch_models import StatusChange, SubjectState
from service.core.amounts import exact_text
from service.core.bulk import watch_bulk_inserts
from service.core.clock import local_date
from service.core.db import db
from service.lists.models import ListEntry
from service.lists.queries import SubjectStatus, subject_statuses
from service.register.models import Decision, Subject
from service.search.models import SearchOutbox

log = logging.getLogger(__name__)

NOTHING = "nothing_on_record"
PENDING = "bank_status_subjects"  # session.info: {subject_id: (at, {kinds})}
RECORDED = "bank_status_recorded"  # session.info: a change was written (push webhooks)
BATCH = 1000
# pg_advisory_xact_lock key: status changes are numbered in commit order (see below).
_SEQUENCE_LOCK = 0x62616E6B  # "bank"
_installed = False


def fingerprint(status: SubjectStatus | None) -> str:
    """A digest of what a bank sees: status, entries in force, disclosed penalties."""
    if status is None or status.status == NOTHING:
        return hashlib.sha256(b"nothing_on_record").hexdigest()
    p = status.penalties
    data = [
        status.status,
        sorted([e.list_kind, e.id, str(e.starts_on), str(e.scheduled_end_on)]
               for e in status.blacklist + status.red_list),
        [p.count, str(p.latest_decided_on), exact_text(p.total_fine), list(p.violation_types)],
    ]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def summarise(status: SubjectStatus) -> dict:
    """The new standing in a few fields (no personal data: the feed only names USCCs)."""
    def entries(items):
        return [{"basis": e.basis, "authority": e.authority_name,
                 "starts_on": e.starts_on.isoformat(),
                 "scheduled_end_on": e.scheduled_end_on.isoformat()
                 if e.scheduled_end_on else None} for e in items]

    p = status.penalties
    return {
        "blacklist": entries(status.blacklist),
        "red_list": entries(status.red_list),
        "penalties": {
            "count": p.count,
            "latest_decided_on": p.latest_decided_on.isoformat() if p.latest_decided_on else None,
            "total_fine": exact_text(p.total_fine),
            "violation_types": list(p.violation_types),
        },
    }


def _lock_sequence() -> None:
    """Serialise writers of status changes until commit (PostgreSQL).

    Without it a transaction could take id 10, commit after another took and
    committed id 11, and a reader at cursor 11 would never see 10. SQLite
    serialises writers by itself.
    """
    if db.is_postgresql:
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SEQUENCE_LOCK})


def record_status_changes(subject_ids: Iterable[int], *, as_of: date, now: datetime,
                          reasons: dict[int, str] | str) -> list[dict]:
    """Compare subjects' standing on `as_of` with the last recorded one; record differences.

    Returns the changes written (the StatusChange column values, without ids).
    Idempotent: a second call with nothing changed writes nothing. Only flushes.
    """
    ids = sorted(set(subject_ids))
    if not ids:
        return []
    _lock_sequence()
    version = data_version()[0]  # its query autoflushes: this transaction's changes count
    written = []
    for start in range(0, len(ids), BATCH):
        written += _record_batch(ids[start:start + BATCH], as_of=as_of, now=now,
                                 reasons=reasons, version=version)
    db.session.flush()
    if written:
        db.session.info[RECORDED] = True
    return written


def _record_batch(ids: list[int], *, as_of: date, now: datetime,
                  reasons: dict[int, str] | str, version: int) -> list[dict]:
    """One batch's changes and new standings in one INSERT each (an import records tens of
    thousands; as ORM objects SQLite inserted them one at a time), in subject id order."""
    statuses = subject_statuses(ids, as_of)
    states = {s.subject_id: s for s in db.session.scalars(
        select(SubjectState).where(SubjectState.subject_id.in_(ids)))}
    codes = {row.id: row.uscc for row in db.session.execute(
        select(Subject.id, Subject.uscc).where(Subject.id.in_(ids)))}
    written, new_states = [], []
    for subject_id in ids:
        status, state = statuses[subject_id], states.get(subject_id)
        new_print = fingerprint(status)
        old_status = state.status if state else NOTHING
        if new_print == (state.fingerprint if state else fingerprint(None)):
            continue
        reason = reasons if isinstance(reasons, str) else reasons.get(subject_id, "data_changed")
        written.append({
            "subject_id": subject_id, "uscc": codes.get(subject_id), "at": now, "as_of": as_of,
            "kind": "status" if status.status != old_status else "details",
            "from_status": old_status, "to_status": status.status, "reason": reason[:300],
            "summary": summarise(status), "data_version": version})
        if state is None:
            new_states.append({"subject_id": subject_id, "status": status.status,
                               "fingerprint": new_print, "as_of": as_of, "updated_at": now})
        else:
            state.status, state.fingerprint, state.as_of, state.updated_at = (
                status.status, new_print, as_of, now)
    if written:
        db.session.execute(StatusChange.__table__.insert(), written)
    if new_states:
        db.session.execute(SubjectState.__table__.insert(), new_states)
    return written


def subjects_due_by_date(since: date, today: date) -> list[int]:
    """Subjects whose standing may have changed by a date alone between `since` and `today`.

    A disclosure or listing whose last day fell in [since - 1, today - 1], or a
    listing that began in [since, today].
    """
    last_days = (since - timedelta(days=1), today - timedelta(days=1))
    decided = select(Decision.subject_id).where(
        Decision.disclosure_ends_on.between(*last_days))
    ended = select(ListEntry.subject_id).where(or_(
        ListEntry.scheduled_end_on.between(*last_days),
        ListEntry.starts_on.between(since, today),
        ListEntry.ended_on.between(since, today)))
    return sorted(set(db.session.scalars(decided.union(ended))))


def scan_status_changes(*, today: date, now: datetime, since: date | None = None,
                        every_subject: bool = False) -> int:
    """Record the changes that became true by date (the daily cron job). Idempotent.

    `since` defaults to a week back, so a few missed runs are caught up;
    `every_subject` re-reads every subject (after a restore, or to start).
    """
    if every_subject:
        ids = list(db.session.scalars(select(Subject.id).order_by(Subject.id)))
    else:
        ids = subjects_due_by_date(since or today - timedelta(days=7), today)
    return len(record_status_changes(ids, as_of=today, now=now, reasons="date_passed"))


def baseline_states(*, today: date, now: datetime) -> int | None:
    """Record every subject's current standing without emitting changes; return how many.

    For a register filled before monitoring existed: afterwards only real
    changes appear in the feed. Does nothing (None) once any standing is recorded.
    """
    if db.session.scalar(select(func.count()).select_from(SubjectState)):
        return None
    ids = list(db.session.scalars(select(Subject.id).order_by(Subject.id)))
    count = 0
    for start in range(0, len(ids), BATCH):
        statuses = subject_statuses(ids[start:start + BATCH], today)
        for subject_id, status in statuses.items():
            if status.status == NOTHING:
                continue
            db.session.add(SubjectState(subject_id=subject_id, status=status.status,
                                        fingerprint=fingerprint(status), as_of=today,
                                        updated_at=now))
            count += 1
        db.session.flush()
    return count


# --- the commit hook -------------------------------------------------------------


def _enabled() -> bool:
    return has_app_context() and current_app.extensions.get("bank_monitoring", False)


def _note_data_changes(session: Session, _flush_context, _instances) -> None:
    """Remember which subjects this transaction changed (from its DataChange rows)."""
    if not _enabled():
        return
    pending = session.info.setdefault(PENDING, {})
    for obj in session.new:
        if isinstance(obj, DataChange) and obj.subject_id is not None:
            _note(pending, obj.subject_id, obj.at, obj.kind)
        elif isinstance(obj, SearchOutbox) and obj.object_type == "subject":
            # A subject re-indexed because its public view changed, even where no
            # DataChange names it (a decision corrected over to another subject).
            _note(pending, obj.object_id, obj.created_at, "subject.changed")


def _note_core_inserts(state) -> None:
    """The same for rows inserted through Core (session.execute)."""
    if state.is_insert:
        rows = state.parameters
        _note_rows(state.session, getattr(state.statement, "table", None),
                   [rows] if isinstance(rows, dict) else rows or ())


def _note_bulk_rows(table, rows: list[dict]) -> None:
    """... and for rows written past the session (service.core.bulk.insert_rows)."""
    _note_rows(db.session, table, rows)


def _note_rows(session: Session, table, rows) -> None:
    if table not in (DataChange.__table__, SearchOutbox.__table__) \
            or session.info.get(STANDING_LATER) or not _enabled():
        return
    pending = session.info.setdefault(PENDING, {})
    for row in rows:
        if table is DataChange.__table__:
            if row.get("subject_id") is not None:
                _note(pending, row["subject_id"], row.get("at"), row["kind"])
        elif row.get("object_type") == "subject":
            _note(pending, row["object_id"], row.get("created_at"), "subject.changed")


def note_subjects(subject_ids: Iterable[int], *, at: datetime, kind: str) -> None:
    """Have the commit hook compare these subjects' standing (a bulk writer's subjects)."""
    if not _enabled():
        return
    pending = db.session.info.setdefault(PENDING, {})
    for subject_id in subject_ids:
        _note(pending, subject_id, at, kind)


def _note(pending: dict, subject_id: int, at: datetime | None, kind: str) -> None:
    first, kinds = pending.get(subject_id, (at, set()))
    kinds.add(kind)
    pending[subject_id] = (max(filter(None, (first, at)), default=None), kinds)


def _record_before_commit(session: Session) -> None:
    if not _enabled():
        return
    session.flush()  # let _note_data_changes see the last rows
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    from service.core import clock

    # The operations' own clock (DataChange.at) says which day the standing speaks for.
    by_day: dict[date, tuple[datetime, dict[int, str]]] = {}
    for subject_id, (at, kinds) in pending.items():
        at = at or clock.now()
        latest, reasons = by_day.get(local_date(at), (at, {}))
        named = sorted(kinds - {"subject.changed"}) or sorted(kinds)
        reasons[subject_id] = ", ".join(named)
        by_day[local_date(at)] = (max(latest, at), reasons)
    for day, (at, reasons) in sorted(by_day.items()):
        record_status_changes(reasons, as_of=day, now=at, reasons=reasons)


def _after_commit(session: Session) -> None:
    if session.info.pop(RECORDED, False) and _enabled():
        trigger = current_app.extensions.get("bank_webhook_trigger")
        if trigger is not None:
            trigger()


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:  # after after_commit: a rolled-back run leaves nothing
        session.info.pop(PENDING, None)
        session.info.pop(RECORDED, None)


def init_monitoring(app) -> None:
    """Turn the commit hook on for this app (listeners are process-wide, installed once)."""
    from service.bank_api.watch_cli import setup_baseline

    global _installed
    app.extensions["bank_monitoring"] = True
    app.extensions.setdefault("setup_steps", []).append(setup_baseline)
    if not _installed:
        event.listen(Session, "before_flush", _note_data_changes)
        event.listen(Session, "do_orm_execute", _note_core_inserts)
        watch_bulk_inserts(_note_bulk_rows)
        event.listen(Session, "before_commit", _record_before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)
        _installed = True
