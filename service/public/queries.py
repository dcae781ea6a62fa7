"""Reads for the public site: only what is disclosed on the given day.

Every decision read goes through `disclosed_on(as_of)` and every list read
through `entry_in_force_on(as_of)`, so a record leaves public view the day
after its last public day without anyone acting, and a revoked one at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, distinct, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from service.core.db import db
from service.lists.models import ListEntry
from service.register.identifiers import clean_code
from service.register.models import Authority, Decision, Subject
from service.register.names import name_key
from service.register.queries import disclosed_on, entry_in_force_on

PER_PAGE = 20


@dataclass(frozen=True)
class Page:
    """One page of results."""

    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt: Select, page: int, per_page: int = PER_PAGE) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return Page(items, total or 0, page, per_page)


# --- home -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteCounts:
    decisions: int  # decisions disclosed today
    blacklisted: int  # distinct subjects on the blacklist today
    red_listed: int


def site_counts(as_of: date) -> SiteCounts:
    """How many decisions are disclosed and how many subjects are listed on `as_of`."""
    decisions = db.session.scalar(select(func.count(Decision.id)).where(disclosed_on(as_of)))

    def listed(kind: str) -> int:
        return db.session.scalar(
            select(func.count(distinct(ListEntry.subject_id)))
            .where(ListEntry.list_kind == kind, entry_in_force_on(as_of))
        ) or 0

    return SiteCounts(decisions or 0, listed("black"), listed("red"))


def latest_decisions(as_of: date, limit: int = 10) -> list[Decision]:
    """The most recently published decisions that are disclosed on `as_of`."""
    return list(db.session.scalars(
        select(Decision).where(disclosed_on(as_of)).options(joinedload(Decision.authority))
        .order_by(Decision.published_at.desc(), Decision.id.desc()).limit(limit)
    ))


# --- one decision -----------------------------------------------------------------------


def get_decision(decision_id: int) -> Decision | None:
    return db.session.get(Decision, decision_id)


def is_disclosed(decision_id: int, as_of: date) -> bool:
    """Whether the decision is public on `as_of` (the same SQL filter as every list)."""
    found = db.session.scalar(
        select(Decision.id).where(Decision.id == decision_id, disclosed_on(as_of))
    )
    return found is not None


def withdrawal_reason(decision: Decision, as_of: date) -> str | None:
    """Why a decision that was public is no longer public on `as_of`, for the 410 page.

    One of revoked / repaired / expired; None for a decision that was never public (a
    draft, a submitted one, one the rules never disclose such as 警告 or 简易程序): its
    page answers 404 as for an unknown id, so as not to confirm that the record exists.
    """
    if not decision.is_disclosable or decision.published_at is None:
        return None
    if decision.revoked_at is not None or decision.status == "revoked":
        return "revoked"
    if decision.repaired_on is not None:
        return "repaired"
    if decision.status != "published" or decision.decided_on > as_of:
        return None
    if decision.disclosure_ends_on is None or decision.disclosure_ends_on < as_of:
        return "expired"
    return None  # published after `as_of`


# --- a subject's page (its standing comes from lists.queries.subject_status) -------------


def subject_decisions(subject_id: int, as_of: date) -> list[Decision]:
    """The subject's decisions disclosed on `as_of`, newest first."""
    return list(db.session.scalars(
        select(Decision).where(Decision.subject_id == subject_id, disclosed_on(as_of))
        .options(joinedload(Decision.authority))
        .order_by(Decision.decided_on.desc(), Decision.id.desc())
    ))


def get_subject(subject_id: int) -> Subject | None:
    return db.session.get(Subject, subject_id)


def find_subject_by_code(code: str) -> Subject | None:
    """The subject with this USCC (or pre-2015 code); None when unknown."""
    code = clean_code(code)
    return db.session.scalars(
        select(Subject).where(or_(Subject.uscc == code, Subject.legacy_code == code))
        .order_by(Subject.uscc.is_(None), Subject.id).limit(1)
    ).first()


# --- the blacklist and the red list -----------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    q: str = ""
    authority_id: int | None = None
    province: str | None = None  # two-digit division code
    basis: str | None = None


def list_entries(kind: str, as_of: date, filters: ListFilters, page: int = 1,
                 per_page: int = PER_PAGE) -> Page:
    """In-force entries of one list, filtered, newest start first."""
    stmt = (
        select(ListEntry).join(ListEntry.subject).outerjoin(ListEntry.authority)
        .options(contains_eager(ListEntry.subject), contains_eager(ListEntry.authority))
        .where(ListEntry.list_kind == kind, entry_in_force_on(as_of))
        .order_by(ListEntry.starts_on.desc(), ListEntry.id.desc())
    )
    if filters.q:
        code = clean_code(filters.q)
        stmt = stmt.where(or_(
            Subject.name_key.contains(name_key(filters.q), autoescape=True),
            Subject.uscc == code, Subject.legacy_code == code,
        ))
    if filters.authority_id:
        stmt = stmt.where(ListEntry.authority_id == filters.authority_id)
    if filters.province:
        region = func.coalesce(Subject.region_code, Authority.region_code)
        stmt = stmt.where(func.substr(region, 1, 2) == filters.province)
    if filters.basis:
        stmt = stmt.where(ListEntry.basis == filters.basis)
    return paginate(stmt, page, per_page)


def list_authorities(kind: str, as_of: date) -> list[Authority]:
    """The authorities behind the in-force entries of one list (for the filter)."""
    return list(db.session.scalars(
        select(Authority).where(Authority.id.in_(
            select(ListEntry.authority_id).where(ListEntry.list_kind == kind,
                                                 entry_in_force_on(as_of))
        )).order_by(Authority.name)
    ))
