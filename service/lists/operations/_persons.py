"""Legal representatives and responsible persons listed with an organisation (child entries)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select

from service.audit.operations import log_event
from service.core.actors import Actor
from service.core.db import db, one_of
from service.lists.models import EndReason, EntryStatus, ListEntry, list_entry_decisions
from service.lists.operations._common import (
    audit_entry,
    entry_snapshot,
    policy,
    publish_entry_change,
)
from service.register.models import Decision, DecisionPerson
from service.rules.engine import end_updates
from service.rules.facts import ASSOCIATED

ROLE_NAMES = {"legal_representative": "法定代表人", "responsible_person": "直接责任人员"}
# What a child entry takes over from its organisation's entry whenever that changes.
FOLLOWED_FIELDS = ("status", "scheduled_end_on", "ended_on", "end_reason", "end_note")


def children_of(parent_ids: list[int]) -> dict[int, list[ListEntry]]:
    """Active child entries of the given entries, by parent id (one query)."""
    found = defaultdict(list)
    if parent_ids:
        rows = db.session.scalars(select(ListEntry).where(
            one_of(ListEntry.parent_id, parent_ids), ListEntry.status == EntryStatus.ACTIVE))
        for child in rows:
            found[child.parent_id].append(child)
    return found


def follow_parent(parent: ListEntry, children: list[ListEntry], *, action: str, actor: Actor,
                  now: datetime) -> None:
    """Give each child the parent's term and end (they leave the list with it)."""
    for child in children:
        before = entry_snapshot(child)
        for name in FOLLOWED_FIELDS:
            setattr(child, name, getattr(parent, name))
        if before != entry_snapshot(child):
            audit_entry(actor, f"listing.{action}", child, now=now, before=before,
                        details={"follows": parent.id})
            publish_entry_change(child, f"listing.{action}", now=now)


def list_associated_persons(parent: ListEntry, decisions: list[Decision], *, actor: Actor,
                            now: datetime) -> list[ListEntry]:
    """List the persons the decisions name with the organisation, when the policy says so.

    Idempotent: a person who already has an active entry under `parent` only
    gets the new decisions linked to it.
    """
    if not policy().blacklist.list_legal_representatives or not decisions:
        return []
    named = db.session.execute(
        select(DecisionPerson.subject_id, DecisionPerson.role, DecisionPerson.decision_id)
        .where(one_of(DecisionPerson.decision_id, [d.id for d in decisions]),
               DecisionPerson.role.in_(ROLE_NAMES), DecisionPerson.subject_id != parent.subject_id)
        .order_by(DecisionPerson.subject_id, DecisionPerson.role)
    ).all()
    by_id = {d.id: d for d in decisions}
    existing = {c.subject_id: c for c in children_of([parent.id]).get(parent.id, [])}
    created = []
    for person_id, role, decision_id in named:
        child = existing.get(person_id)
        if child is None:
            child = _new_child(parent, person_id, role)
            existing[person_id] = child
            created.append(child)
        if by_id[decision_id] not in child.decisions:
            child.decisions.append(by_id[decision_id])
    if created:
        db.session.flush()
    for child in created:
        log_event(actor, "listing.list_associated", now=now, object_type="list_entry",
                  object_id=child.id, authority_id=child.authority_id, before=None,
                  after=entry_snapshot(child), details={"parent_id": parent.id})
        publish_entry_change(child, "listing.listed", now=now)
    return created


def _new_child(parent: ListEntry, person_id: int, role: str) -> ListEntry:
    organisation = parent.subject.name
    child = ListEntry(
        list_kind=parent.list_kind, subject_id=person_id, status=parent.status, basis=ASSOCIATED,
        basis_text=f"作为{organisation}的{ROLE_NAMES[role]}，随该单位列入严重侵权失信名单。"
                   f"单位列入依据：{parent.basis_text}",
        authority_id=parent.authority_id, parent=parent, proposed_at=parent.proposed_at,
        notified_on=parent.notified_on, starts_on=parent.starts_on,
        scheduled_end_on=parent.scheduled_end_on, confirmed_by_id=parent.confirmed_by_id,
        confirmed_at=parent.confirmed_at,
    )
    db.session.add(child)
    return child


def follow_named_persons(decision: Decision, *, actor: Actor, now: datetime,
                         today: date) -> list[ListEntry]:
    """After a correction changed whom a decision names, bring the persons listed with the
    organisation in line: the active listings resting on the decision list the newly named
    persons and end the entries of persons none of their decisions names any more.

    Returns the entries created (their red-list standing is for the caller to recompute).
    """
    parents = list(db.session.scalars(
        select(ListEntry).join(list_entry_decisions,
                               list_entry_decisions.c.list_entry_id == ListEntry.id)
        .where(list_entry_decisions.c.decision_id == decision.id, ListEntry.list_kind == "black",
               ListEntry.basis != ASSOCIATED, ListEntry.status == EntryStatus.ACTIVE)
        .order_by(ListEntry.id)))
    created = []
    for parent in parents:
        created += list_associated_persons(parent, [decision], actor=actor, now=now)
        _drop_unnamed(parent, decision, actor=actor, now=now, today=today)
    return created


def _drop_unnamed(parent: ListEntry, decision: Decision, *, actor: Actor, now: datetime,
                  today: date) -> None:
    named = set(db.session.execute(
        select(DecisionPerson.subject_id, DecisionPerson.decision_id)
        .where(DecisionPerson.decision_id.in_([d.id for d in parent.decisions]),
               DecisionPerson.role.in_(ROLE_NAMES))).all())
    for child in children_of([parent.id]).get(parent.id, []):
        before = entry_snapshot(child)
        if (child.subject_id, decision.id) not in named and decision in child.decisions:
            child.decisions.remove(decision)
        if not any(subject_id == child.subject_id for subject_id, _d in named):
            note = (f"更正后的处罚决定{decision.number}不再列明此人为法定代表人或直接责任人员，"
                    "随所在单位列入的记录终止")
            for name, value in end_updates(EndReason.BASIS_REVOKED, today, note).items():
                setattr(child, name, value)
            audit_entry(actor, "listing.end_revoked", child, now=now, before=before,
                        details={"follows": parent.id, "decision_id": decision.id})
            publish_entry_change(child, "listing.end_revoked", now=now)
        elif before != entry_snapshot(child):
            audit_entry(actor, "listing.unlink", child, now=now, before=before,
                        details={"follows": parent.id, "decision_id": decision.id})
