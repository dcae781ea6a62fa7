"""A subject's standing on any day, replayed from its history: the pure twin of
`service.lists.queries.subject_status` (a test checks that the two agree).

Uses the same rules as the SQL filters: `is_disclosed` for decisions and
`entry_in_force` for list entries, so a revoked or repaired record never comes
back, not even for a past day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from service.rules.disclosure import is_disclosed
from service.rules.facts import SubjectHistory
from service.rules.policy import Policy

STATUSES = ("blacklisted", "red_list", "disclosed_penalties", "nothing_on_record")


def status_code(*, blacklisted: bool, red_listed: bool, has_penalties: bool) -> str:
    """One word for a subject's standing; the blacklist outranks everything else."""
    if blacklisted:
        return "blacklisted"
    if red_listed:
        return "red_list"
    return "disclosed_penalties" if has_penalties else "nothing_on_record"


@dataclass(frozen=True)
class StatusAnswer:
    status: str
    black_entry_ids: frozenset[int]
    red_entry_ids: frozenset[int]
    disclosed_ids: frozenset[int]
    penalty_count: int
    latest_decided_on: date | None
    total_fine: Decimal
    violation_types: tuple[str, ...]


def status_on(history: SubjectHistory, as_of: date, policy: Policy) -> StatusAnswer:
    """What the public and banks see about the subject on `as_of`."""
    black = frozenset(e.id for e in history.black_in_force(as_of))
    red = frozenset(e.id for e in history.red_in_force(as_of))
    disclosed = [r for r in history.records if is_disclosed(r.disclosure_state(policy), as_of)]
    return StatusAnswer(
        status=status_code(blacklisted=bool(black), red_listed=bool(red),
                           has_penalties=bool(disclosed)),
        black_entry_ids=black,
        red_entry_ids=red,
        disclosed_ids=frozenset(r.id for r in disclosed),
        penalty_count=len(disclosed),
        latest_decided_on=max((r.decided_on for r in disclosed), default=None),
        total_fine=sum((r.fine_amount or Decimal(0) for r in disclosed), Decimal(0)),
        violation_types=tuple(sorted({r.violation_type for r in disclosed})),
    )
