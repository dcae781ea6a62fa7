"""Reads of the register shared by the public site, the bank API and the console."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, or_

from service.core.clock import day_end_utc
from service.lists.models import ListEntry
from service.register.models import Decision
from service.rules.listing import LIVE_STATUSES, UNUSABLE_END_REASONS


def disclosed_on(as_of: date) -> ColumnElement[bool]:
    """SQL twin of rules.disclosure.is_disclosed: decisions public on `as_of`."""
    return and_(
        Decision.status == "published",
        Decision.revoked_at.is_(None),
        Decision.repaired_on.is_(None),
        Decision.is_disclosable.is_(True),
        Decision.published_at < day_end_utc(as_of),
        Decision.decided_on <= as_of,
        Decision.disclosure_ends_on >= as_of,
    )


def entry_in_force_on(as_of: date) -> ColumnElement[bool]:
    """SQL twin of rules.listing.entry_in_force: list entries in force on `as_of`."""
    return and_(
        ListEntry.status.in_(LIVE_STATUSES),
        ListEntry.starts_on <= as_of,
        or_(ListEntry.scheduled_end_on.is_(None), ListEntry.scheduled_end_on >= as_of),
        or_(ListEntry.end_reason.is_(None), ListEntry.end_reason.not_in(UNUSABLE_END_REASONS)),
        or_(ListEntry.ended_on.is_(None), ListEntry.ended_on > as_of),
    )
