"""Register operations: create, submit, publish, correct and revoke decisions.

Plain functions that take validated data (service.register.schemas), the actor
and the clock; they only flush. Each writes a revision, the audit log, the data
version for public changes and the search outbox, and has the lists rules
recomputed for the subject after anything public changed.

Personal ID numbers never reach the database or a snapshot: only the masked
form and a keyed digest (identifiers.id_digest with the app's ID_DIGEST_KEY).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from service.audit.operations import jsonable, log_event, record_change
from service.core.actors import Actor
from service.core.amounts import exact_text
from service.core.clock import local_date
from service.core.db import db
from service.lists.operations import follow_named_persons, recompute_subject, recompute_subjects
from service.register.identifiers import id_digest, mask_id_number, uscc_region
from service.register.models import (
    Authority,
    Decision,
    DecisionPerson,
    DecisionRevision,
    DecisionStatus,
    PartyKind,
    Subject,
)
from service.register.names import name_columns, name_key
from service.rules.disclosure import DecisionFacts, classify
from service.rules.policy import Policy, current_policy
from service.search.outbox import enqueue

REVOCATION_KINDS = ("行政复议", "法院判决", "自行纠正")
# The decision columns that hold what the authority decided (snapshotted in revisions).
CONTENT_COLUMNS = (
    "number", "party_name", "party_kind", "uscc", "legacy_code", "legal_representative",
    "id_type", "id_number_masked", "party_address", "responsible_persons", "violation_type",
    "facts", "legal_basis",
    "penalty_categories", "penalty_content", "fine_amount", "confiscated_amount", "licence_info",
    "decided_on", "effect_ends_on", "stated_disclosure_ends_on", "source_unit",
    "source_unit_uscc", "remarks", "is_simple_procedure", "is_criminal_transfer",
    "is_nonperformance", "is_intentional", "performed_on",
)
_DEPARTMENTS = (("市场监督", "市场监管"), ("工商", "市场监管"), ("知识产权", "知识产权"),
                ("版权", "版权"), ("海关", "海关"), ("农业农村", "农业农村"), ("林业", "林草"),
                ("林草", "林草"), ("文化", "文化"), ("公安", "公安"), ("质量技术监督", "市场监管"))


class RegisterError(Exception):
    """An operation refused: a stable code, a sentence, and the field it concerns."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


# ---------------------------------------------------------------- derived values


def department_of(authority_name: str) -> str:
    """The enforcement department an authority belongs to, from its name."""
    return next((dept for word, dept in _DEPARTMENTS if word in authority_name), "其他")


def person_digest(id_type: str | None, id_number: str | None, secret: str) -> str | None:
    return id_digest(id_type, id_number, secret) if id_type and id_number else None


def content_digest(data: dict, digest: str | None, person_digests: tuple[str, ...] = ()) -> str:
    """A hash of the normalised content: equal for a re-import of the same record.

    ID numbers enter only through their keyed digests, so the hash cannot be
    searched for a guessed number. A record naming no responsible persons hashes
    as before they existed (stored digests stay valid).
    """
    values = {k: v for k, v in data.items()
              if k not in ("id_number", "status", "reason", "responsible_persons")}
    values["id_digest"] = digest
    if data.get("responsible_persons"):
        values["responsible_persons"] = [
            {"name": p["name"], "id_type": p["id_type"], "id_digest": d}
            for p, d in zip(data["responsible_persons"], person_digests, strict=True)]
    for key in ("fine_amount", "confiscated_amount"):
        if isinstance(values.get(key), Decimal):
            values[key] = exact_text(values[key])
    text = json.dumps(jsonable(values), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def responsible_digests(data: dict, secret: str) -> tuple[str, ...]:
    """The keyed ID digests of the record's responsible persons (直接责任人员), in order."""
    return tuple(id_digest(p["id_type"], p["id_number"], secret)
                 for p in data.get("responsible_persons") or ())


def responsible_column(data: dict) -> list[dict] | None:
    """The decision's responsible_persons column: names, ID types, masked numbers only."""
    return [{"name": p["name"], "id_type": p["id_type"],
             "id_number_masked": mask_id_number(p["id_number"])}
            for p in data.get("responsible_persons") or ()] or None


def decision_values(data: dict, policy: Policy, secret: str) -> dict:
    """The Decision column values for validated data (without authority, subject, status)."""
    digest = person_digest(data.get("id_type"), data.get("id_number"), secret)
    facts = DecisionFacts(
        decided_on=data["decided_on"], categories=frozenset(data["penalty_categories"]),
        violation_type=data["violation_type"], fine_amount=data.get("fine_amount"),
        is_simple_procedure=bool(data.get("is_simple_procedure")),
        is_criminal_transfer=bool(data.get("is_criminal_transfer")),
        is_intentional=bool(data.get("is_intentional")),
        stated_disclosure_ends_on=data.get("disclosure_ends_on"),
        is_repeat=False,  # the lists rules reclassify repeats (recompute_subject)
    )
    c = classify(facts, policy)
    number = data.get("id_number")
    return {
        "number": data["number"], "party_name": data["party_name"],
        "party_kind": data["party_kind"], "uscc": data.get("uscc"),
        "legacy_code": data.get("legacy_code"),
        "legal_representative": data.get("legal_representative"),
        "id_type": data.get("id_type") if number else None,
        "id_number_masked": mask_id_number(number) if number else None, "id_digest": digest,
        "party_address": data.get("party_address"),
        "responsible_persons": responsible_column(data), "violation_type": data["violation_type"],
        "facts": data["facts"], "legal_basis": data["legal_basis"],
        "penalty_categories": list(data["penalty_categories"]),
        "penalty_content": data["penalty_content"], "fine_amount": data.get("fine_amount"),
        "confiscated_amount": data.get("confiscated_amount"),
        "licence_info": data.get("licence_info"), "decided_on": data["decided_on"],
        "effect_ends_on": data.get("effect_ends_on"),
        "stated_disclosure_ends_on": data.get("disclosure_ends_on"),
        "source_unit": data.get("source_unit"), "source_unit_uscc": data.get("source_unit_uscc"),
        "remarks": data.get("remarks"),
        "is_simple_procedure": bool(data.get("is_simple_procedure")),
        "is_criminal_transfer": bool(data.get("is_criminal_transfer")),
        "is_nonperformance": bool(data.get("is_nonperformance")),
        "is_intentional": bool(data.get("is_intentional")),
        "performed_on": data.get("performed_on"),
        "severity": c.severity, "is_disclosable": c.is_disclosable,
        "disclosure_ends_on": c.disclosure_ends_on, "is_repairable": c.is_repairable,
        "repair_earliest_on": c.repair_earliest_on,
        "content_digest": content_digest(data, digest, responsible_digests(data, secret)),
    }


def snapshot(decision: Decision) -> dict:
    """The decided content of a decision as plain JSON (ID numbers only masked)."""
    return jsonable({c: getattr(decision, c) for c in CONTENT_COLUMNS})


def _secret() -> str:
    return current_app.config["ID_DIGEST_KEY"]


# ---------------------------------------------------------------- authorities and subjects


def find_or_create_authority(name: str, uscc: str | None, *, now: datetime) -> Authority:
    """The authority with this USCC (else this name); created when unknown."""
    authority = None
    if uscc:
        authority = db.session.scalar(select(Authority).where(Authority.uscc == uscc))
    if authority is None:
        authority = db.session.scalar(select(Authority).where(Authority.name == name))
        if authority is not None and uscc and authority.uscc is None:
            authority.uscc, authority.region_code = uscc, uscc_region(uscc)
    if authority is None:
        authority = Authority(name=name, uscc=uscc, region_code=uscc_region(uscc) if uscc else None,
                              department=department_of(name), created_at=now)
        db.session.add(authority)
        db.session.flush()
    return authority


def subject_lookup(data: dict, digest: str | None):
    """The SQL condition that finds the subject a record names (see find_or_create_subject)."""
    if data["party_kind"] == PartyKind.PERSON:
        return Subject.id_digest == digest
    if data.get("uscc"):
        return Subject.uscc == data["uscc"]
    if data.get("legacy_code"):
        return (Subject.legacy_code == data["legacy_code"]) & (Subject.kind == data["party_kind"])
    return (Subject.name_key == name_key(data["party_name"])) & (Subject.kind == data["party_kind"])


def find_or_create_subject(data: dict, *, now: datetime, secret: str | None = None) -> Subject:
    """The party of a record: organisations by USCC, else older code, else name and kind;
    natural persons by the keyed digest of their ID. Name and representative kept current."""
    secret = secret or _secret()
    person = data["party_kind"] == PartyKind.PERSON
    digest = person_digest(data.get("id_type"), data.get("id_number"), secret) if person else None
    subject = db.session.scalars(select(Subject).where(subject_lookup(data, digest))
                                 .order_by(Subject.id).limit(1)).first()
    if subject is None:
        subject = Subject(**subject_values(data, digest), created_at=now, updated_at=now)
        db.session.add(subject)
        db.session.flush()
    elif _is_latest(subject, data["decided_on"]):
        _refresh_subject(subject, data, now)
    return subject


def subject_values(data: dict, digest: str | None) -> dict:
    """Column values of a new subject for a record's party."""
    person = data["party_kind"] == PartyKind.PERSON
    code = data.get("uscc")
    return {
        "kind": data["party_kind"], **name_columns(data["party_name"]), "uscc": code,
        "legacy_code": data.get("legacy_code"),
        "id_type": data.get("id_type") if person else None,
        "id_number_masked": mask_id_number(data["id_number"]) if digest else None,
        "id_digest": digest,
        "legal_representative": None if person else data.get("legal_representative"),
        "region_code": uscc_region(code) if code else None,
    }


def _is_latest(subject: Subject, decided_on: date) -> bool:
    latest = db.session.scalar(select(func.max(Decision.decided_on))
                               .where(Decision.subject_id == subject.id))
    return latest is None or decided_on >= latest


def _refresh_subject(subject: Subject, data: dict, now: datetime) -> None:
    """Keep the name and the representative of the newest decision."""
    rep = None if data["party_kind"] == PartyKind.PERSON else data.get("legal_representative")
    if subject.name != data["party_name"] or (rep and subject.legal_representative != rep):
        subject.rename(data["party_name"])
        subject.legal_representative = rep or subject.legal_representative
        subject.updated_at = now


def find_or_create_person(name: str, id_type: str, id_number: str, *, now: datetime,
                          secret: str | None = None) -> Subject:
    """A natural person a decision names (legal representative, responsible person), by ID
    digest."""
    digest = id_digest(id_type, id_number, secret or _secret())
    person = db.session.scalar(select(Subject).where(Subject.id_digest == digest))
    if person is None:
        person = Subject(kind=PartyKind.PERSON.value, **name_columns(name),
                         id_type=id_type, id_number_masked=mask_id_number(id_number),
                         id_digest=digest, created_at=now, updated_at=now)
        db.session.add(person)
        db.session.flush()
    return person


def _sync_persons(decision: Decision, data: dict, now: datetime, secret: str) -> bool:
    """The persons the decision names become its DecisionPerson rows: a legal representative
    named with an ID number, and each responsible person (直接责任人员).

    Returns whether the rows changed.
    """
    wanted: set[tuple[int, str]] = set()
    people: dict[int, Subject] = {}
    named = []
    if data["party_kind"] != PartyKind.PERSON:
        if data.get("legal_representative") and data.get("id_type") and data.get("id_number"):
            named.append((data["legal_representative"], data["id_type"], data["id_number"],
                          "legal_representative"))
        named += [(p["name"], p["id_type"], p["id_number"], "responsible_person")
                  for p in data.get("responsible_persons") or ()]
    for name, id_type, number, role in named:
        person = find_or_create_person(name, id_type, number, now=now, secret=secret)
        people[person.id] = person
        wanted.add((person.id, role))
    have = {(link.subject_id, link.role) for link in decision.persons}
    for link in list(decision.persons):
        if (link.subject_id, link.role) not in wanted:
            decision.persons.remove(link)
    for person_id, role in sorted(wanted - have):
        decision.persons.append(DecisionPerson(subject=people[person_id], role=role))
    return wanted != have


# ---------------------------------------------------------------- history


def add_revision(decision: Decision, action: str, *, actor: Actor, now: datetime,
                 reason: str | None = None, before: dict | None = None,
                 after: dict | None = None) -> DecisionRevision:
    """Append the next revision (seq 1..n) of a decision's history."""
    seq = db.session.scalar(select(func.coalesce(func.max(DecisionRevision.seq), 0))
                            .where(DecisionRevision.decision_id == decision.id)) + 1
    revision = DecisionRevision(decision_id=decision.id, seq=seq, action=action, actor=str(actor),
                                at=now, reason=reason, before=before, after=after)
    db.session.add(revision)
    return revision


def _public_change(decision: Decision, kind: str, *, actor: Actor, now: datetime,
                   today: date, subject_ids: set[int]) -> None:
    """Bump the data version, queue re-indexing and re-apply the lists rules."""
    record_change(kind, now=now, subject_id=decision.subject_id, object_type="decision",
                  object_id=decision.id)
    for subject_id in sorted(subject_ids):
        enqueue("subject", subject_id, now=now)
        recompute_subject(subject_id, actor=actor, now=now, today=today)


def _require(decision: Decision, statuses: tuple[str, ...], action: str) -> None:
    if decision.status not in statuses:
        raise RegisterError("invalid_status", f"cannot {action} a decision that is "
                                              f"{decision.status} (needs {' or '.join(statuses)})",
                            "status")


def _check_key_free(authority_id: int, number: str, decision_id: int | None = None) -> None:
    query = select(Decision.id).where(Decision.authority_id == authority_id,
                                      Decision.number == number)
    found = db.session.scalar(query)
    if found is not None and found != decision_id:
        raise RegisterError("duplicate_number", f"decision number {number} already exists for "
                                                "this authority (决定书文号重复)", "number")


# ---------------------------------------------------------------- operations


def create_decision(data: dict, *, actor: Actor, now: datetime, status: str = "draft",
                    today: date | None = None) -> Decision:
    """Create a decision from validated data; with status="published" publish it at once."""
    if status not in (DecisionStatus.DRAFT, DecisionStatus.PENDING, DecisionStatus.PUBLISHED):
        raise RegisterError("invalid_status", f"a new decision cannot be {status}", "status")
    secret = _secret()
    authority = find_or_create_authority(data["authority_name"], data.get("authority_uscc"),
                                         now=now)
    _check_key_free(authority.id, data["number"])
    subject = find_or_create_subject(data, now=now, secret=secret)
    decision = Decision(**decision_values(data, current_policy(), secret), authority=authority,
                        subject=subject, status=DecisionStatus.DRAFT.value, created_at=now,
                        updated_at=now, created_by_id=actor.id if actor.kind == "user" else None)
    db.session.add(decision)
    _sync_persons(decision, data, now, secret)
    db.session.flush()
    add_revision(decision, "created", actor=actor, now=now, after=snapshot(decision))
    log_event(actor, "decision.create", now=now, object_type="decision", object_id=decision.id,
              authority_id=authority.id, after={"number": decision.number})
    enqueue("decision", decision.id, now=now)
    if status == DecisionStatus.PENDING:
        submit_decision(decision, actor=actor, now=now)
    elif status == DecisionStatus.PUBLISHED:
        publish_decision(decision, actor=actor, now=now, today=today or local_date(now))
    return decision


def submit_decision(decision: Decision, *, actor: Actor, now: datetime) -> None:
    """Send a draft for review (待审核)."""
    _require(decision, (DecisionStatus.DRAFT,), "submit")
    decision.status, decision.updated_at = DecisionStatus.PENDING.value, now
    add_revision(decision, "submitted", actor=actor, now=now)
    log_event(actor, "decision.submit", now=now, object_type="decision", object_id=decision.id,
              authority_id=decision.authority_id)
    db.session.flush()


def return_decision(decision: Decision, *, reason: str, actor: Actor, now: datetime) -> None:
    """Send a pending decision back to its clerk (退回) with the reviewer's reason."""
    _require(decision, (DecisionStatus.PENDING,), "return")
    if not reason or not reason.strip():
        raise RegisterError("reason_required", "a reason is required (退回原因)", "reason")
    decision.status, decision.review_comment = DecisionStatus.DRAFT.value, reason
    decision.updated_at = now
    add_revision(decision, "returned", actor=actor, now=now, reason=reason)
    log_event(actor, "decision.return", now=now, object_type="decision", object_id=decision.id,
              authority_id=decision.authority_id, details={"reason": reason})
    db.session.flush()


def publish_decision(decision: Decision, *, actor: Actor, now: datetime, today: date) -> None:
    """Make a decision public (it is disclosed while its rules say so)."""
    _require(decision, (DecisionStatus.DRAFT, DecisionStatus.PENDING), "publish")
    if decision.decided_on > today:
        raise RegisterError("future_date", "the decision date is in the future", "decided_on")
    decision.status, decision.published_at, decision.updated_at = "published", now, now
    if actor.kind == "user":
        decision.reviewed_by_id = actor.id
    add_revision(decision, "published", actor=actor, now=now)
    log_event(actor, "decision.publish", now=now, object_type="decision", object_id=decision.id,
              authority_id=decision.authority_id,
              after={"number": decision.number, "severity": decision.severity})
    enqueue("decision", decision.id, now=now)
    db.session.flush()
    _public_change(decision, "decision.published", actor=actor, now=now, today=today,
                   subject_ids={decision.subject_id})


def correct_decision(decision: Decision, data: dict, *, reason: str, actor: Actor,
                     now: datetime, today: date) -> bool:
    """Replace a decision's content with corrected data; return False when nothing changed.

    The revision keeps the changed values before and after; a public decision
    changes in public at once and its subject's lists are recomputed.
    """
    if not reason or not reason.strip():
        raise RegisterError("reason_required", "a correction needs a reason (更正原因)", "reason")
    _require(decision, (DecisionStatus.DRAFT, DecisionStatus.PENDING, DecisionStatus.PUBLISHED),
             "correct")
    secret = _secret()
    values = decision_values(data, current_policy(), secret)
    if values["content_digest"] == decision.content_digest:
        return False
    authority = find_or_create_authority(data["authority_name"], data.get("authority_uscc"),
                                         now=now)
    _check_key_free(authority.id, data["number"], decision.id)
    before = snapshot(decision)
    old_subject = decision.subject_id
    subject = find_or_create_subject(data, now=now, secret=secret)
    for column, value in values.items():
        setattr(decision, column, value)
    decision.authority, decision.subject = authority, subject
    decision.corrected_at = decision.updated_at = now
    persons_changed = _sync_persons(decision, data, now, secret)
    db.session.flush()
    after = snapshot(decision)
    changed = [k for k in after if after[k] != before[k]]
    add_revision(decision, "corrected", actor=actor, now=now, reason=reason,
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    log_event(actor, "decision.correct", now=now, object_type="decision", object_id=decision.id,
              authority_id=decision.authority_id, before={k: before[k] for k in changed},
              after={k: after[k] for k in changed}, details={"reason": reason})
    enqueue("decision", decision.id, now=now)
    if decision.status == DecisionStatus.PUBLISHED:
        _public_change(decision, "decision.corrected", actor=actor, now=now, today=today,
                       subject_ids={old_subject, subject.id})
        if persons_changed:
            listed = follow_named_persons(decision, actor=actor, now=now, today=today)
            if listed:  # a person now listed leaves the red list too
                recompute_subjects([e.subject_id for e in listed], actor=actor, now=now,
                                   today=today)
    return True


def revoke_decision(decision: Decision, *, kind: str, reason: str, actor: Actor,
                    now: datetime, today: date) -> None:
    """Take a decision down at once: revoked by 行政复议, a court judgment or the authority."""
    if kind not in REVOCATION_KINDS:
        raise RegisterError("invalid_kind", f"revocation kind must be one of "
                                            f"{'、'.join(REVOCATION_KINDS)} (撤销类型)", "kind")
    if not reason or not reason.strip():
        raise RegisterError("reason_required", "a revocation needs a reason (撤销原因)", "reason")
    _require(decision, (DecisionStatus.PUBLISHED,), "revoke")
    decision.status, decision.revoked_at, decision.updated_at = "revoked", now, now
    decision.revocation_kind, decision.revocation_reason = kind, reason
    add_revision(decision, "revoked", actor=actor, now=now, reason=f"{kind}: {reason}",
                 before={"status": "published"}, after={"status": "revoked"})
    log_event(actor, "decision.revoke", now=now, object_type="decision", object_id=decision.id,
              authority_id=decision.authority_id, details={"kind": kind, "reason": reason})
    enqueue("decision", decision.id, now=now)
    db.session.flush()
    _public_change(decision, "decision.revoked", actor=actor, now=now, today=today,
                   subject_ids={decision.subject_id})
