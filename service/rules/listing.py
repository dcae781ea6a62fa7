"""List entries (blacklist or red list): in force on a day, and the listing term. Pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from service.rules.policy import Policy

# An entry that ended for these reasons is never shown again, not even for a
# past date: a repaired or revoked listing must not be used any more.
UNUSABLE_END_REASONS = frozenset({"repaired", "basis_revoked"})
LIVE_STATUSES = frozenset({"active", "ended"})


@dataclass(frozen=True)
class EntryState:
    status: str
    starts_on: date | None
    scheduled_end_on: date | None  # last day listed, inclusive; None = indefinite
    ended_on: date | None = None  # first day no longer listed
    end_reason: str | None = None


def entry_in_force(entry: EntryState, as_of: date) -> bool:
    """In force on `as_of`: confirmed, started, not past its end, not ended early."""
    if entry.status not in LIVE_STATUSES or entry.starts_on is None:
        return False
    if entry.end_reason in UNUSABLE_END_REASONS:
        return False
    if as_of < entry.starts_on:
        return False
    if entry.scheduled_end_on is not None and as_of > entry.scheduled_end_on:
        return False
    return entry.ended_on is None or as_of < entry.ended_on


def scheduled_end(starts_on: date, policy: Policy) -> date:
    """Last day listed (inclusive): a listing lasts `duration` from its start."""
    return policy.blacklist.duration.last_day_from(starts_on)


def extended_end(current_end: date, decided_on: date, policy: Policy) -> date:
    """A new qualifying penalty while listed extends to `duration` from its decision date."""
    return max(current_end, policy.blacklist.duration.last_day_from(decided_on))


def listing_repair_earliest(starts_on: date, policy: Policy) -> date:
    """提前移出 is possible from this day: `repair_after` after the start."""
    return policy.blacklist.repair_after.after(starts_on)


def expired_on(entry: EntryState) -> date | None:
    """The first day an entry is no longer listed because its term ran out."""
    return entry.scheduled_end_on + timedelta(days=1) if entry.scheduled_end_on else None
