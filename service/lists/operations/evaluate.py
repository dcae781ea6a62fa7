"""Apply the rules to the database: one subject after a change, or every subject from cron.

The plan comes from the pure `service.rules.engine.plan_subject`; applying it
loads only the rows that change, a batch at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select

from service.audit.operations import batched_events, log_event, record_change
from service.core.actors import Actor
from service.core.bulk import insert_rows, update_rows
from service.core.db import db, one_of
from service.lists.history import histories_between, histories_for, history_of
from service.lists.models import EntryStatus, ListEntry, PendingEvaluation, list_entry_decisions
from service.lists.operations._common import (
    ENTRY_FIELDS,
    audit_entry,
    entry_snapshot,
    lock_subject,
    lock_subjects,
    policy,
    publish_entry_change,
)
from service.lists.operations._persons import children_of, follow_parent, list_associated_persons
from service.register.models import Decision, Subject
from service.rules.engine import SubjectPlan, plan_subject
from service.search.outbox import enqueue

log = logging.getLogger(__name__)

CLASS_FIELDS = ("severity", "is_disclosable", "disclosure_ends_on", "is_repairable",
                "repair_earliest_on")
BATCH_SIZE = 1000


def recompute_subjects(subject_ids, *, actor: Actor, now: datetime, today: date) -> None:
    """recompute_subject for several subjects at once (persons just listed with a company)."""
    ids = sorted(set(subject_ids))
    lock_subjects(ids)
    rules = policy()
    histories = histories_for(ids)
    apply_plans([plan_subject(histories[i], today, rules) for i in ids], actor=actor, now=now)


def recompute_subject(subject_id: int, *, actor: Actor, now: datetime,
                      today: date) -> SubjectPlan:
    """Re-apply the disclosure and list rules to one subject after its decisions changed.

    Re-classifies its decisions (repeat infringement makes them serious),
    proposes or extends blacklist entries, ends entries whose basis was revoked
    and red-list entries that a new penalty or a listing excludes. The register
    calls it after publishing, correcting or revoking a decision.
    """
    lock_subject(subject_id)
    plan = plan_subject(history_of(subject_id), today, policy())
    apply_plans([plan], actor=actor, now=now)
    return plan


@dataclass
class EvaluationSummary:
    as_of: date
    subjects: int = 0
    reclassified: int = 0
    proposed: int = 0
    extended: int = 0
    ended: int = 0
    expired: int = 0
    trimmed: int = 0

    def add(self, plan: SubjectPlan) -> None:
        self.subjects += 1
        for name, count in plan.counts().items():
            setattr(self, name, getattr(self, name) + count)

    @property
    def changed(self) -> int:
        return (self.reclassified + self.proposed + self.extended + self.ended + self.expired
                + self.trimmed)


def count_subjects() -> int:
    return db.session.scalar(select(func.count(Subject.id)))


def evaluate_all(*, actor: Actor, now: datetime, today: date,
                 progress: Callable[[int], None] | None = None,
                 checkpoint: Callable[[], None] | None = None,
                 batch_size: int = BATCH_SIZE) -> EvaluationSummary:
    """Re-apply the rules to every subject, a batch at a time (idempotent, safe from cron).

    Records expired entries too; nothing public depends on that (views compare
    dates). `progress(n)` hears of each batch; `checkpoint()` may commit after one,
    since every batch leaves the database consistent on its own.
    """
    rules = policy()
    summary = EvaluationSummary(as_of=today)
    marks = _last_mark()  # every subject is evaluated: the pending marks are served too
    last_id = 0
    while True:
        ids = list(db.session.scalars(
            select(Subject.id).where(Subject.id > last_id).order_by(Subject.id)
            .limit(batch_size).with_for_update()))
        if not ids:
            break
        _evaluate_batch(ids, histories_between(ids[0], ids[-1], ids), rules, summary,
                        actor=actor, now=now)
        last_id = ids[-1]
        if progress is not None:
            progress(len(ids))
        if checkpoint is not None:
            checkpoint()
    if marks is not None:
        db.session.execute(delete(PendingEvaluation).where(PendingEvaluation.id <= marks))
    log_event(actor, "rules.evaluate", now=now, details=asdict(summary) | {
        "policy_version": rules.version})
    log.info("evaluated %s subjects as of %s: %s changes", summary.subjects, today,
             summary.changed)
    return summary


def _last_mark() -> int | None:
    return db.session.scalar(select(func.max(PendingEvaluation.id)))


def count_pending() -> int:
    return db.session.scalar(select(func.count(PendingEvaluation.subject_id.distinct())))


def evaluate_pending(*, actor: Actor, now: datetime, today: date,
                     progress: Callable[[int], None] | None = None,
                     checkpoint: Callable[[], None] | None = None,
                     evaluated: Callable[[list[int]], None] | None = None,
                     batch_size: int = BATCH_SIZE) -> EvaluationSummary:
    """Apply the rules to every subject marked pending, once each, and delete the marks.

    The marks present when it starts are served, a batch of subjects at a time
    in id order (`evaluated(ids)` hears of each batch before `checkpoint()`, which
    may commit it); marks written meanwhile (another import still running) are
    left for whoever wrote them.
    """
    summary = EvaluationSummary(as_of=today)
    marks = _last_mark()
    if marks is None:
        return summary
    rules = policy()
    pending = PendingEvaluation.id <= marks
    last_id = 0
    while True:
        ids = list(db.session.scalars(
            select(PendingEvaluation.subject_id).distinct().where(
                pending, PendingEvaluation.subject_id > last_id)
            .order_by(PendingEvaluation.subject_id).limit(batch_size)))
        if not ids:
            break
        lock_subjects(ids)
        db.session.execute(delete(PendingEvaluation).where(
            pending, one_of(PendingEvaluation.subject_id, ids)))
        _evaluate_batch(ids, histories_for(ids), rules, summary, actor=actor, now=now)
        last_id = ids[-1]
        if evaluated is not None:
            evaluated(ids)
        if progress is not None:
            progress(len(ids))
        if checkpoint is not None:
            checkpoint()
    return summary


def _evaluate_batch(ids: list[int], histories: dict, rules, summary: EvaluationSummary, *,
                    actor: Actor, now: datetime) -> None:
    """Plan and apply the rules for a batch of subjects (locked by the caller)."""
    plans = [plan_subject(histories[sid], summary.as_of, rules) for sid in ids]
    apply_plans(plans, actor=actor, now=now)
    db.session.flush()
    for plan in plans:
        summary.add(plan)


def apply_plans(plans: list[SubjectPlan], *, actor: Actor, now: datetime) -> None:
    """Write the plans' changes, loading only the rows they touch (a few queries per batch)."""
    plans = [p for p in plans if not p.is_empty]
    if not plans:
        return
    with batched_events():
        _apply_classifications(plans, actor=actor, now=now)
        _apply_entry_changes(plans, actor=actor, now=now)
        _create_proposals(plans, actor=actor, now=now)


def _decisions_by_id(ids) -> dict[int, Decision]:
    if not ids:
        return {}
    # In id order: the audit events and data changes written from them follow it on
    # every database (PostgreSQL returns an IN list in no particular order).
    return {d.id: d for d in db.session.scalars(select(Decision).where(one_of(Decision.id, ids))
                                                .order_by(Decision.id))}


def _apply_classifications(plans: list[SubjectPlan], *, actor: Actor, now: datetime) -> None:
    """Store the new classes with one UPDATE per batch (Core: a bulk run reclassifies tens
    of thousands of decisions, and loading each as an ORM object cost most of the run)."""
    changed = {i: c for p in plans for i, c in p.classifications.items()}
    if not changed:
        return
    # In id order: the audit events and data changes written from them follow it on
    # every database (PostgreSQL returns an IN list in no particular order).
    stored = db.session.execute(  # autoflushes: pending ORM changes are in the database
        select(Decision.id, Decision.subject_id, Decision.authority_id, Decision.status,
               Decision.revoked_at, *(getattr(Decision, n) for n in CLASS_FIELDS))
        .where(one_of(Decision.id, sorted(changed))).order_by(Decision.id)).all()
    _store_classes([(row.id, changed[row.id]) for row in stored])
    for decision in [o for o in db.session.identity_map.values()
                     if isinstance(o, Decision) and o.id in changed]:
        db.session.expire(decision, CLASS_FIELDS)  # loaded objects read the new class
    for row in stored:
        new = changed[row.id]
        log_event(actor, "decision.reclassify", now=now, object_type="decision",
                  object_id=row.id, authority_id=row.authority_id,
                  before={n: getattr(row, n) for n in CLASS_FIELDS},
                  after={n: getattr(new, n) for n in CLASS_FIELDS})
        if row.status == "published" and row.revoked_at is None:
            record_change("decision.reclassified", now=now, subject_id=row.subject_id,
                          object_type="decision", object_id=row.id)
            enqueue("decision", row.id, now=now)


def _store_classes(classes: list[tuple[int, object]]) -> None:
    """UPDATE the decisions' class columns in bulk. (On PostgreSQL an UPDATE ... FROM
    VALUES of 5,000 rows per statement was measured 2.5x slower than executemany:
    compiling its bind parameters costs more than the round trips it saves; update_rows
    COPYs them instead.)"""
    update_rows(Decision, [{"id": i, **{n: getattr(c, n) for n in CLASS_FIELDS}}
                           for i, c in classes])


def _apply_entry_changes(plans: list[SubjectPlan], *, actor: Actor, now: datetime) -> None:
    changes = [c for p in plans for c in p.changes]
    if not changes:
        return
    entry_ids = sorted({c.entry_id for c in changes})
    entries = {e.id: e for e in db.session.scalars(
        select(ListEntry).where(one_of(ListEntry.id, entry_ids)))}
    # The decisions behind each entry by id, and new links by one INSERT: loading every
    # linked Decision (all its columns) to extend entry.decisions cost more than the rest
    # of the changes on a large import.
    linked = _linked_ids(entry_ids)
    links: list[dict] = []
    children = children_of(entry_ids)
    persons = []
    for change in changes:
        entry = entries[change.entry_id]
        ids = linked[entry.id]
        before = entry_snapshot(entry, ids)
        was_active = entry.status == EntryStatus.ACTIVE
        for name, value in change.updates.items():
            setattr(entry, name, value)
        new_ids = sorted(set(change.add_decision_ids) - ids)
        ids.update(new_ids)
        links += [{"list_entry_id": entry.id, "decision_id": i} for i in new_ids]
        action = f"{'listing' if entry.list_kind == 'black' else 'red'}.{change.action}"
        audit_entry(actor, action, entry, now=now, before=before, details={"note": change.note},
                    decision_ids=ids)
        if was_active:
            publish_entry_change(entry, action, now=now)
        follow_parent(entry, children.get(entry.id, []), action=change.action, actor=actor,
                      now=now)
        if entry.status == EntryStatus.ACTIVE and entry.list_kind == "black" and new_ids:
            new_decisions = list(_decisions_by_id(new_ids).values())
            persons += list_associated_persons(entry, new_decisions, actor=actor, now=now)
    if links:
        insert_rows(list_entry_decisions, links)
        for entry_id in {link["list_entry_id"] for link in links}:
            db.session.expire(entries[entry_id], ["decisions"])
    if persons:  # a person now listed leaves the red list too
        recompute_subjects([c.subject_id for c in persons], actor=actor, now=now,
                           today=plans[0].as_of)


def _linked_ids(entry_ids: list[int]) -> dict[int, set[int]]:
    """The ids of the decisions linked to each entry (one query)."""
    linked: dict[int, set[int]] = {i: set() for i in entry_ids}
    for entry_id, decision_id in db.session.execute(
            select(list_entry_decisions.c.list_entry_id, list_entry_decisions.c.decision_id)
            .where(one_of(list_entry_decisions.c.list_entry_id, entry_ids))):
        linked[entry_id].add(decision_id)
    return linked


def _create_proposals(plans: list[SubjectPlan], *, actor: Actor, now: datetime) -> None:
    proposing = [p for p in plans if p.proposal is not None]
    if not proposing:
        return
    # One INSERT without RETURNING (SQLite would insert row by row to order RETURNING);
    # the new entries are found again by subject: a subject gets one proposal at a time.
    rows = {plan.subject_id: dict.fromkeys(ENTRY_FIELDS) | {
        "list_kind": "black", "subject_id": plan.subject_id, "status": EntryStatus.PROPOSED.value,
        "basis": plan.proposal.basis, "basis_text": plan.proposal.basis_text,
        "authority_id": plan.proposal.authority_id} for plan in proposing}
    insert_rows(ListEntry, [{**row, "proposed_at": now, "created_at": now, "updated_at": now}
                            for row in rows.values()])
    ids = dict(db.session.execute(
        select(ListEntry.subject_id, func.max(ListEntry.id))
        .where(one_of(ListEntry.subject_id, sorted(rows)), ListEntry.proposed_at == now,
               ListEntry.status == EntryStatus.PROPOSED)
        .group_by(ListEntry.subject_id)).all())
    created = sorted((ids[plan.subject_id], plan) for plan in proposing)
    # The links by id in one INSERT: loading every linked Decision to append it to
    # entry.decisions cost more than the rest of the proposal.
    insert_rows(list_entry_decisions, [
        {"list_entry_id": entry_id, "decision_id": i} for entry_id, plan in created
        for i in sorted(plan.proposal.decision_ids)])
    for entry_id, plan in created:
        after = rows[plan.subject_id] | {"decision_ids": sorted(plan.proposal.decision_ids)}
        log_event(actor, "listing.propose", now=now, object_type="list_entry", object_id=entry_id,
                  authority_id=plan.proposal.authority_id, before=None, after=after)
