"""Load subjects' histories (decisions, entries, links) as plain facts, many at a time.

Three queries per batch whatever its size: the rules then run without touching
the database (no per-subject queries on large runs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import ColumnElement, select

from service.core.clock import local_date
from service.core.db import db, one_of
from service.lists.models import ListEntry, list_entry_decisions
from service.register.models import Decision
from service.rules.disclosure import Classification
from service.rules.facts import EntryRecord, PenaltyRecord, SubjectHistory

_DECISION_COLUMNS = (
    Decision.id, Decision.subject_id, Decision.number, Decision.status, Decision.decided_on,
    Decision.penalty_categories, Decision.violation_type, Decision.fine_amount,
    Decision.is_simple_procedure, Decision.is_criminal_transfer, Decision.is_nonperformance,
    Decision.is_intentional, Decision.stated_disclosure_ends_on, Decision.performed_on,
    Decision.published_at, Decision.revoked_at, Decision.repaired_on, Decision.authority_id,
    Decision.revocation_reason, Decision.corrected_at, Decision.severity, Decision.is_disclosable,
    Decision.disclosure_ends_on, Decision.is_repairable, Decision.repair_earliest_on,
)
_ENTRY_COLUMNS = (
    ListEntry.id, ListEntry.subject_id, ListEntry.list_kind, ListEntry.status, ListEntry.basis,
    ListEntry.starts_on, ListEntry.scheduled_end_on, ListEntry.ended_on, ListEntry.end_reason,
    ListEntry.end_note, ListEntry.basis_text, ListEntry.notified_on, ListEntry.authority_id,
    ListEntry.parent_id,
)


def penalty_record(row) -> PenaltyRecord:
    """A decision row (ORM object or selected columns) as the facts the rules read."""
    return PenaltyRecord(
        id=row.id, decided_on=row.decided_on, categories=frozenset(row.penalty_categories or ()),
        violation_type=row.violation_type, fine_amount=row.fine_amount,
        is_simple_procedure=bool(row.is_simple_procedure),
        is_criminal_transfer=bool(row.is_criminal_transfer),
        is_nonperformance=bool(row.is_nonperformance), is_intentional=bool(row.is_intentional),
        stated_disclosure_ends_on=row.stated_disclosure_ends_on, performed_on=row.performed_on,
        status=row.status,
        published_on=local_date(row.published_at) if row.published_at else None,
        revoked=row.revoked_at is not None or row.status == "revoked",
        corrected=row.corrected_at is not None,
        repaired_on=row.repaired_on, number=row.number, authority_id=row.authority_id,
        revocation_reason=row.revocation_reason,
        stored=stored_classification(row),
    )


def stored_classification(row) -> Classification:
    return Classification(
        severity=row.severity, is_disclosable=bool(row.is_disclosable),
        disclosure_ends_on=row.disclosure_ends_on, is_repairable=bool(row.is_repairable),
        repair_earliest_on=row.repair_earliest_on,
    )


def entry_record(row, decision_ids: Iterable[int] = ()) -> EntryRecord:
    return EntryRecord(
        id=row.id, list_kind=row.list_kind, status=row.status, basis=row.basis,
        starts_on=row.starts_on, scheduled_end_on=row.scheduled_end_on, ended_on=row.ended_on,
        end_reason=row.end_reason, end_note=row.end_note, basis_text=row.basis_text,
        notified_on=row.notified_on, authority_id=row.authority_id, parent_id=row.parent_id,
        decision_ids=frozenset(decision_ids),
    )


def load_histories(where_decision: ColumnElement[bool], where_entry: ColumnElement[bool],
                   subject_ids: Iterable[int]) -> dict[int, SubjectHistory]:
    """Histories of the subjects the two filters select (one per id in `subject_ids`)."""
    records = defaultdict(list)
    for row in db.session.execute(select(*_DECISION_COLUMNS).where(where_decision)):
        records[row.subject_id].append(penalty_record(row))
    entry_rows = db.session.execute(select(*_ENTRY_COLUMNS).where(where_entry)).all()
    links = defaultdict(set)
    if entry_rows:
        link_rows = db.session.execute(
            select(list_entry_decisions.c.list_entry_id, list_entry_decisions.c.decision_id)
            .join(ListEntry, ListEntry.id == list_entry_decisions.c.list_entry_id)
            .where(where_entry)
        )
        for entry_id, decision_id in link_rows:
            links[entry_id].add(decision_id)
    entries = defaultdict(list)
    for row in entry_rows:
        entries[row.subject_id].append(entry_record(row, links[row.id]))
    return {
        sid: SubjectHistory(sid, tuple(sorted(records[sid], key=lambda r: (r.decided_on, r.id))),
                            tuple(sorted(entries[sid], key=lambda e: e.id)))
        for sid in subject_ids
    }


def histories_for(subject_ids: Iterable[int]) -> dict[int, SubjectHistory]:
    ids = sorted(set(subject_ids))
    return load_histories(one_of(Decision.subject_id, ids), one_of(ListEntry.subject_id, ids), ids)


def histories_between(first_id: int, last_id: int,
                      subject_ids: Iterable[int]) -> dict[int, SubjectHistory]:
    """A batch by id range: the (subject_id, decided_on) index serves it without a long IN list."""
    return load_histories(Decision.subject_id.between(first_id, last_id),
                          ListEntry.subject_id.between(first_id, last_id), subject_ids)


def history_of(subject_id: int) -> SubjectHistory:
    return histories_for([subject_id])[subject_id]
