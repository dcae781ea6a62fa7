"""Credit repair (信用修复): submit, approve, deny; for a disclosure or a listing.

An approved repair of a decision ends its disclosure (it leaves public view and
bank answers alike); of a listing, ends it early (提前移出) with the persons
listed with it. The rules' minimums are checked on submission and again on approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import func, select

from service.audit.operations import log_event, record_change
from service.core.actors import Actor
from service.core.db import db
from service.lists.history import history_of, penalty_record
from service.lists.models import EndReason, ListEntry, RepairApplication
from service.lists.operations._common import (
    audit_entry,
    entry_snapshot,
    policy,
    publish_entry_change,
    require_text,
    user_id,
)
from service.lists.operations._persons import children_of, follow_parent
from service.lists.operations.evaluate import recompute_subject
from service.register.models import Decision, DecisionRevision
from service.rules.engine import end_updates
from service.rules.refusals import RuleViolation, refuse_if
from service.rules.repair import decision_repair_refusals, listing_repair_refusals
from service.search.outbox import enqueue

TARGETS = ("decision", "listing")
APPLICANT_MAX = 200  # RepairApplication.applicant


def repair_refusals(application: RepairApplication, *, today: date):
    """Why the application cannot be granted on `today` (empty: it can)."""
    if application.target == "decision":
        return decision_repair_refusals(
            penalty_record(application.decision), performed_on=application.performed_on,
            commitment=application.commitment, as_of=today, policy=policy())
    entry = application.list_entry
    history = history_of(entry.subject_id)
    record = next(e for e in history.entries if e.id == entry.id)
    return listing_repair_refusals(record, history, performed_on=application.performed_on,
                                   commitment=application.commitment, as_of=today,
                                   policy=policy())


def _target(data: Mapping) -> tuple[str, Decision | None, ListEntry | None]:
    target = data.get("target")
    if target not in TARGETS:
        raise RuleViolation.invalid("target", "must be 'decision' (end a disclosure early) or "
                                    "'listing' (提前移出)")
    key, model = ("decision_id", Decision) if target == "decision" else ("list_entry_id",
                                                                          ListEntry)
    found = db.session.get(model, data.get(key)) if data.get(key) is not None else None
    if found is None:
        raise RuleViolation.invalid(key, f"no such {target}: {data.get(key)!r}",
                                    code="not_found")
    return (target, found, None) if target == "decision" else (target, None, found)


def _check_performed_on(performed_on: date | None, *, today: date, decided_on: date) -> None:
    if performed_on is None:
        return
    if performed_on > today:
        raise RuleViolation.invalid("performed_on", f"{performed_on} is in the future "
                                    "(履行完毕日期不能晚于今天)")
    if performed_on < decided_on:
        raise RuleViolation.invalid("performed_on", f"{performed_on} is before the decision "
                                    f"of {decided_on} (履行日期早于处罚决定日期)")


def submit_repair(data: Mapping, *, actor: Actor, now: datetime,
                  today: date) -> RepairApplication:
    """File a repair application after checking the rules' minimums as of `today`.

    `data`: target ("decision" or "listing"), decision_id or list_entry_id,
    applicant, evidence, commitment (信用承诺), performed_on (date, optional).
    """
    target, decision, entry = _target(data)
    subject_id = (decision or entry).subject_id
    decided_on = decision.decided_on if decision else min(
        (d.decided_on for d in entry.decisions), default=entry.starts_on or today)
    _check_performed_on(data.get("performed_on"), today=today, decided_on=decided_on)
    if len((data.get("applicant") or "").strip()) > APPLICANT_MAX:  # the column's length
        raise RuleViolation.invalid("applicant", f"at most {APPLICANT_MAX} characters "
                                    f"(申请人名称最多 {APPLICANT_MAX} 个字)")
    application = RepairApplication(
        target=target, subject_id=subject_id, decision=decision, list_entry=entry,
        applicant=require_text(data.get("applicant"), "applicant", "who applies (申请人)"),
        evidence=require_text(data.get("evidence"), "evidence",
                              "how the penalty was performed (履行证明)"),
        commitment=(data.get("commitment") or "").strip(), performed_on=data.get("performed_on"),
        status="pending", submitted_at=now, submitted_by_id=user_id(actor),
    )
    pending = db.session.scalar(select(func.count(RepairApplication.id)).where(
        RepairApplication.status == "pending",
        (RepairApplication.decision_id == decision.id) if decision
        else (RepairApplication.list_entry_id == entry.id)))
    if pending:
        raise RuleViolation("pending_application", "an application for this record is already "
                            "pending (已有待审核的修复申请)")
    refuse_if(repair_refusals(application, today=today))
    db.session.add(application)
    db.session.flush()
    log_event(actor, "repair.submit", now=now, object_type="repair_application",
              object_id=application.id, authority_id=_authority_id(application), before=None,
              after=_snapshot(application))
    return application


def approve_repair(application: RepairApplication, *, note: str = "", actor: Actor,
                   now: datetime, today: date) -> RepairApplication:
    """Grant a repair: the decision leaves public view, or the listing ends (提前移出)."""
    _require_pending(application)
    refuse_if(repair_refusals(application, today=today))
    note = (note or "").strip() or "信用修复申请已核准"
    if application.target == "decision":
        _repair_decision(application.decision, note, actor=actor, now=now, today=today)
    else:
        _repair_listing(application.list_entry, note, actor=actor, now=now, today=today)
    _decide(application, "approved", note, actor=actor, now=now)
    recompute_subject(application.subject_id, actor=actor, now=now, today=today)
    return application


def deny_repair(application: RepairApplication, *, note: str, actor: Actor, now: datetime,
                today: date) -> RepairApplication:
    """Refuse a repair application; the note tells the applicant why (不予修复理由)."""
    _require_pending(application)
    note = require_text(note, "note", "why the repair is denied (不予修复理由)")
    _decide(application, "denied", note, actor=actor, now=now)
    return application


def _repair_decision(decision: Decision, note: str, *, actor: Actor, now: datetime,
                     today: date) -> None:
    decision.repaired_on = today
    seq = db.session.scalar(select(func.coalesce(func.max(DecisionRevision.seq), 0)).where(
        DecisionRevision.decision_id == decision.id)) + 1
    db.session.add(DecisionRevision(decision_id=decision.id, seq=seq, action="repaired",
                                    actor=str(actor), at=now, reason=note,
                                    before={"repaired_on": None},
                                    after={"repaired_on": today.isoformat()}))
    log_event(actor, "decision.repair", now=now, object_type="decision", object_id=decision.id,
              authority_id=decision.authority_id, before={"repaired_on": None},
              after={"repaired_on": today}, details={"note": note})
    record_change("decision.repaired", now=now, subject_id=decision.subject_id,
                  object_type="decision", object_id=decision.id)
    enqueue("decision", decision.id, now=now)
    enqueue("subject", decision.subject_id, now=now)


def _repair_listing(entry: ListEntry, note: str, *, actor: Actor, now: datetime,
                    today: date) -> None:
    before = entry_snapshot(entry)
    for name, value in end_updates(EndReason.REPAIRED, today, note).items():
        setattr(entry, name, value)
    entry.ended_by_id = user_id(actor)
    audit_entry(actor, "listing.repair", entry, now=now, before=before)
    publish_entry_change(entry, "listing.repaired", now=now)
    follow_parent(entry, children_of([entry.id]).get(entry.id, []), action="repair",
                  actor=actor, now=now)


def _require_pending(application: RepairApplication) -> None:
    if application.status != "pending":
        raise RuleViolation("not_pending", f"application {application.id} was already "
                            f"{application.status} (申请已处理)")


def _decide(application: RepairApplication, status: str, note: str, *, actor: Actor,
            now: datetime) -> None:
    before = _snapshot(application)
    application.status = status
    application.decided_at = now
    application.decided_by_id = user_id(actor)
    application.decision_note = note
    log_event(actor, f"repair.{'approve' if status == 'approved' else 'deny'}", now=now,
              object_type="repair_application", object_id=application.id,
              authority_id=_authority_id(application), before=before,
              after=_snapshot(application))


def _authority_id(application: RepairApplication) -> int | None:
    target = application.decision or application.list_entry
    return target.authority_id if target else None


def _snapshot(application: RepairApplication) -> dict:
    return {"target": application.target, "subject_id": application.subject_id,
            "decision_id": application.decision_id, "list_entry_id": application.list_entry_id,
            "applicant": application.applicant, "performed_on": application.performed_on,
            "status": application.status, "decision_note": application.decision_note}

