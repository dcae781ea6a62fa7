"""Reads of the lists shared by the public site, the bank API and the console.

Every answer goes through the SQL filters `disclosed_on` and `entry_in_force_on`
(twins of the pure rules; `service.rules.replay.status_on` is the twin of
`subject_status`). A fixed number of queries per call, however many subjects.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from service.core.db import db, one_of_named
from service.lists.models import EntryStatus, ListEntry, RepairApplication, list_entry_decisions
from service.register.models import Authority, Decision, Subject
from service.register.names import name_key
from service.register.queries import disclosed_on, entry_in_force_on
from service.rules.replay import status_code


@dataclass(frozen=True)
class DecisionRef:
    id: int
    number: str
    decided_on: date
    violation_type: str


@dataclass(frozen=True)
class EntryView:
    """A list entry in force, as the public and banks see it."""

    id: int
    list_kind: str
    subject_id: int
    subject_name: str
    subject_kind: str
    uscc: str | None
    id_number_masked: str | None
    basis: str
    basis_text: str
    authority_id: int | None
    authority_name: str | None
    starts_on: date
    scheduled_end_on: date | None  # None: until removed
    parent_id: int | None
    decisions: tuple[DecisionRef, ...]


@dataclass(frozen=True)
class PenaltySummary:
    count: int = 0
    latest_decided_on: date | None = None
    total_fine: Decimal = Decimal(0)  # 万元
    total_confiscated: Decimal = Decimal(0)  # 万元
    violation_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubjectStatus:
    subject_id: int
    as_of: date
    status: str  # blacklisted / red_list / disclosed_penalties / nothing_on_record
    blacklist: tuple[EntryView, ...]
    red_list: tuple[EntryView, ...]
    penalties: PenaltySummary


@dataclass(frozen=True)
class EntryPage:
    items: tuple[EntryView, ...]
    total: int
    page: int
    per_page: int


_ENTRY_VIEW_COLUMNS = (
    ListEntry.id, ListEntry.list_kind, ListEntry.subject_id, Subject.name.label("subject_name"),
    Subject.kind.label("subject_kind"), Subject.uscc, Subject.id_number_masked, ListEntry.basis,
    ListEntry.basis_text, ListEntry.authority_id, Authority.name.label("authority_name"),
    ListEntry.starts_on, ListEntry.scheduled_end_on, ListEntry.parent_id,
)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


@functools.lru_cache(maxsize=4)
def _linked_decisions(dialect: str):
    return (select(list_entry_decisions.c.list_entry_id, Decision.id, Decision.number,
                   Decision.decided_on, Decision.violation_type)
            .join(Decision, Decision.id == list_entry_decisions.c.decision_id)
            .where(one_of_named(list_entry_decisions.c.list_entry_id, "entry_ids", dialect),
                   Decision.status == "published", Decision.revoked_at.is_(None),
                   Decision.repaired_on.is_(None))
            .order_by(Decision.decided_on, Decision.id))


def _entry_views(rows) -> list[EntryView]:
    """Entry rows with their usable decisions (one query for all of them)."""
    rows = list(rows)
    refs = defaultdict(list)
    if rows:
        linked = _core(_linked_decisions(_dialect()), {"entry_ids": [r.id for r in rows]})
        for entry_id, *ref in linked:
            refs[entry_id].append(DecisionRef(*ref))
    return [EntryView(**row._asdict(), decisions=tuple(refs[row.id])) for row in rows]


def _entries_select():
    return (select(*_ENTRY_VIEW_COLUMNS).join(Subject, Subject.id == ListEntry.subject_id)
            .outerjoin(Authority, Authority.id == ListEntry.authority_id))


def _core(statement, params: dict):
    """Run a prebuilt statement on the session's connection (no ORM layer: a hot path).

    Flushes first, as the ORM's own execute would (autoflush).
    """
    session = db.session()
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().execute(statement, params)


@functools.lru_cache(maxsize=64)
def _status_statements(as_of: date, dialect: str):
    """The status queries for one day, built once: a check then only binds the ids.

    Building a select() costs more than running it on an indexed table, so the
    bank API's hot path reuses these; SQLAlchemy caches their compiled form.
    """
    entries = (_entries_select().where(one_of_named(ListEntry.subject_id, "ids", dialect),
                                       entry_in_force_on(as_of))
               .order_by(ListEntry.starts_on, ListEntry.id))
    penalties = (select(Decision.subject_id, Decision.decided_on, Decision.fine_amount,
                        Decision.confiscated_amount, Decision.violation_type)
                 .where(one_of_named(Decision.subject_id, "ids", dialect), disclosed_on(as_of)))
    return entries, penalties


def subject_statuses(subject_ids: Iterable[int], as_of: date) -> dict[int, SubjectStatus]:
    """The standing of many subjects on `as_of` in three queries (batch checks, lists)."""
    ids = sorted(set(subject_ids))
    if not ids:
        return {}
    entries_stmt, penalties_stmt = _status_statements(as_of, _dialect())
    entries = defaultdict(list)
    for view in _entry_views(_core(entries_stmt, {"ids": ids})):
        entries[view.subject_id].append(view)
    penalties = defaultdict(list)
    for row in _core(penalties_stmt, {"ids": ids}):
        penalties[row.subject_id].append(row)
    return {sid: _status(sid, as_of, entries[sid], penalties[sid]) for sid in ids}


def _status(subject_id: int, as_of: date, entries: list[EntryView], rows) -> SubjectStatus:
    black = tuple(e for e in entries if e.list_kind == "black")
    red = tuple(e for e in entries if e.list_kind == "red")
    summary = PenaltySummary(
        count=len(rows),
        latest_decided_on=max((r.decided_on for r in rows), default=None),
        # Summed in Python: exact Decimal on SQLite too (its SUM would go through float).
        total_fine=sum((r.fine_amount or Decimal(0) for r in rows), Decimal(0)),
        total_confiscated=sum((r.confiscated_amount or Decimal(0) for r in rows), Decimal(0)),
        violation_types=tuple(sorted({r.violation_type for r in rows})),
    )
    status = status_code(blacklisted=bool(black), red_listed=bool(red),
                         has_penalties=bool(rows))
    return SubjectStatus(subject_id, as_of, status, black, red, summary)


@dataclass(frozen=True)
class CodedStatus:
    """A subject found by its USCC, with its standing."""

    uscc: str
    name: str
    standing: SubjectStatus


@functools.lru_cache(maxsize=4)
def _by_uscc(dialect: str):
    return (select(Subject.id, Subject.uscc, Subject.name)
            .where(one_of_named(Subject.uscc, "codes", dialect)))


def statuses_by_uscc(codes: Iterable[str], as_of: date) -> dict[str, CodedStatus]:
    """The standing on `as_of` of the subjects holding these (valid, clean) codes.

    Codes no subject holds are absent. Four queries, however many codes.
    """
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    found = _core(_by_uscc(_dialect()), {"codes": wanted}).all()
    standing = subject_statuses([row.id for row in found], as_of)
    return {row.uscc: CodedStatus(row.uscc, row.name, standing[row.id]) for row in found}


def subject_status(subject_id: int, as_of: date) -> SubjectStatus:
    """What the public and banks see about one subject on `as_of`."""
    return subject_statuses([subject_id], as_of)[subject_id]


def list_entries_in_force(list_kind: str, as_of: date, *, authority_id: int | None = None,
                          region_code: str | None = None, basis: str | None = None,
                          query: str | None = None, include_persons: bool = True,
                          page: int = 1, per_page: int = 50) -> EntryPage:
    """The blacklist or red list as it stands on `as_of`, newest listings first.

    `query` matches the subject's name (normalised) or its USCC; `region_code`
    the subject's 6-digit division code.
    """
    page, per_page = max(page, 1), min(max(per_page, 1), 500)
    filters = [ListEntry.list_kind == list_kind, entry_in_force_on(as_of)]
    if authority_id is not None:
        filters.append(ListEntry.authority_id == authority_id)
    if region_code:
        filters.append(Subject.region_code == region_code)
    if basis:
        filters.append(ListEntry.basis == basis)
    if not include_persons:
        filters.append(ListEntry.parent_id.is_(None))
    if query and query.strip():
        filters.append(or_(Subject.name_key.contains(name_key(query), autoescape=True),
                           Subject.uscc == query.strip().upper()))
    total = db.session.scalar(select(func.count(ListEntry.id))
                              .join(Subject, Subject.id == ListEntry.subject_id).where(*filters))
    rows = db.session.execute(
        _entries_select().where(*filters)
        .order_by(ListEntry.starts_on.desc(), ListEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page))
    return EntryPage(tuple(_entry_views(rows)), total, page, per_page)


def proposals(authority_id: int | None = None) -> list[ListEntry]:
    """Blacklist proposals awaiting an official (oldest first), with subject and decisions."""
    stmt = (select(ListEntry).where(ListEntry.status == EntryStatus.PROPOSED)
            .options(selectinload(ListEntry.subject), selectinload(ListEntry.authority),
                     selectinload(ListEntry.decisions))
            .order_by(ListEntry.proposed_at, ListEntry.id))
    if authority_id is not None:
        stmt = stmt.where(ListEntry.authority_id == authority_id)
    return list(db.session.scalars(stmt))


def pending_repairs(authority_id: int | None = None) -> list[RepairApplication]:
    """Repair applications awaiting an official (oldest first)."""
    stmt = (select(RepairApplication).where(RepairApplication.status == "pending")
            .options(selectinload(RepairApplication.subject),
                     selectinload(RepairApplication.decision),
                     selectinload(RepairApplication.list_entry))
            .order_by(RepairApplication.submitted_at, RepairApplication.id))
    if authority_id is not None:
        stmt = (stmt.outerjoin(Decision, Decision.id == RepairApplication.decision_id)
                .outerjoin(ListEntry, ListEntry.id == RepairApplication.list_entry_id)
                .where(or_(Decision.authority_id == authority_id,
                           ListEntry.authority_id == authority_id)))
    return list(db.session.scalars(stmt))
