"""An official's blacklist acts: confirm or reject a proposal, list a subject by hand.

Listing takes effect when an official confirms it; the party must first have
been told the facts, reasons and basis (陈述申辩), and the listing records the
notice date (DOMAIN.md, "Listing procedure and expiry").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select

from service.core.actors import Actor
from service.core.db import db
from service.lists.models import EntryStatus, ListEntry
from service.lists.operations._common import (
    audit_entry,
    check_notice_date,
    entry_snapshot,
    policy,
    publish_entry_change,
    require_text,
    user_id,
)
from service.lists.operations._persons import list_associated_persons
from service.lists.operations.evaluate import recompute_subject, recompute_subjects
from service.register.models import Authority, Decision, Subject
from service.rules.engine import confirm_updates
from service.rules.facts import MANUAL
from service.rules.refusals import RuleViolation


def _own_black_entries(subject_id: int, statuses: Iterable[str]) -> list[ListEntry]:
    return list(db.session.scalars(select(ListEntry).where(
        ListEntry.subject_id == subject_id, ListEntry.list_kind == "black",
        ListEntry.basis != "associated_person", ListEntry.status.in_(list(statuses)))))


def _refuse_if_listed(subject_id: int, today: date, *, except_id: int | None = None) -> None:
    for entry in _own_black_entries(subject_id, [EntryStatus.ACTIVE]):
        if entry.id != except_id and entry.scheduled_end_on >= today:
            raise RuleViolation("already_listed", f"the subject is already on the blacklist "
                                f"until {entry.scheduled_end_on} (entry {entry.id}; 已列入)")


def confirm_listing(entry: ListEntry, *, notified_on: date | None, actor: Actor, now: datetime,
                    today: date) -> ListEntry:
    """Confirm a proposed listing: it starts today and lasts the policy's duration.

    Re-applies the rules first, so a proposal whose basis was revoked meanwhile
    cannot be confirmed; lists the persons the decisions name with the organisation.
    """
    if entry.list_kind != "black" or entry.status != EntryStatus.PROPOSED:
        raise RuleViolation("not_proposed", f"entry {entry.id} is {entry.status}, not a "
                            "proposal: only a proposal can be confirmed (非待确认的列入建议)")
    earliest = min((d.decided_on for d in entry.decisions), default=None)
    check_notice_date(notified_on, today=today, not_before=earliest)
    recompute_subject(entry.subject_id, actor=actor, now=now, today=today)
    if entry.status != EntryStatus.PROPOSED:
        raise RuleViolation("basis_revoked", f"the proposal's basis no longer holds: "
                            f"{entry.end_note} (列入依据已撤销)")
    _refuse_if_listed(entry.subject_id, today)
    before = entry_snapshot(entry)
    for name, value in confirm_updates(notified_on=notified_on, today=today,
                                       policy=policy()).items():
        setattr(entry, name, value)
    entry.confirmed_by_id = user_id(actor)
    entry.confirmed_at = now
    audit_entry(actor, "listing.confirm", entry, now=now, before=before)
    publish_entry_change(entry, "listing.confirmed", now=now)
    persons = list_associated_persons(entry, list(entry.decisions), actor=actor, now=now)
    # Red-list exclusion for the subject and the persons listed with it.
    recompute_subjects([entry.subject_id, *(c.subject_id for c in persons)], actor=actor, now=now,
                       today=today)
    return entry


def reject_proposal(entry: ListEntry, *, reason: str, actor: Actor, now: datetime,
                    today: date) -> ListEntry:
    """Reject a proposal (for instance after the party's statement, 陈述申辩); not public."""
    if entry.status != EntryStatus.PROPOSED:
        raise RuleViolation("not_proposed", f"entry {entry.id} is {entry.status}, not a "
                            "proposal (非待确认的列入建议)")
    reason = require_text(reason, "reason", "why the proposal is rejected (不予列入理由)")
    before = entry_snapshot(entry)
    entry.status = EntryStatus.REJECTED
    entry.end_note = reason
    entry.ended_by_id = user_id(actor)
    audit_entry(actor, "listing.reject", entry, now=now, before=before,
                details={"today": today.isoformat()})
    return entry


def _basis_decisions(subject: Subject, decision_ids: Iterable[int]) -> list[Decision]:
    ids = sorted(set(decision_ids))
    found = {d.id: d for d in db.session.scalars(select(Decision).where(Decision.id.in_(ids)))}
    for decision_id in ids:
        decision = found.get(decision_id)
        if decision is None or decision.subject_id != subject.id:
            raise RuleViolation.invalid("decision_ids", f"decision {decision_id} is not a "
                                        f"decision about {subject.name} (所选处罚决定不属于该主体)")
        if decision.status != "published" or decision.revoked_at is not None:
            raise RuleViolation.invalid("decision_ids", f"decision {decision.number} is not "
                                        "published or was revoked (未公示或已撤销)")
    return [found[i] for i in ids]


def list_manually(subject: Subject, *, basis_text: str, decision_ids: Iterable[int],
                  notified_on: date | None, actor: Actor, now: datetime, today: date,
                  authority: Authority | None = None) -> ListEntry:
    """List a subject on an official's own finding (basis `manual`), effective today."""
    text = require_text(basis_text, "basis_text", "the facts, reasons and basis (列入依据)")
    decisions = _basis_decisions(subject, decision_ids)
    check_notice_date(notified_on, today=today,
                      not_before=min((d.decided_on for d in decisions), default=None))
    _refuse_if_listed(subject.id, today)
    pending = _own_black_entries(subject.id, [EntryStatus.PROPOSED])
    if pending:
        raise RuleViolation("proposal_pending", f"proposal {pending[0].id} for this subject "
                            "awaits a decision: confirm or reject it first (已有待确认的列入建议)")
    authority_id = authority.id if authority else actor.authority_id
    entry = ListEntry(list_kind="black", subject_id=subject.id, subject=subject,
                      basis=MANUAL, basis_text=text,
                      authority_id=authority_id, proposed_at=now, confirmed_at=now,
                      confirmed_by_id=user_id(actor), decisions=decisions,
                      **confirm_updates(notified_on=notified_on, today=today, policy=policy()))
    db.session.add(entry)
    db.session.flush()
    audit_entry(actor, "listing.list_manually", entry, now=now, before=None)
    publish_entry_change(entry, "listing.listed", now=now)
    persons = list_associated_persons(entry, decisions, actor=actor, now=now)
    recompute_subjects([subject.id, *(c.subject_id for c in persons)], actor=actor, now=now,
                       today=today)
    return entry
