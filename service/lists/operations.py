"""List operations: propose, confirm, extend, end, repair, red list (see service.rules).

`recompute_subject` is the entry point the register calls after a subject's
decisions changed (published, corrected, revoked): it re-applies the rules.
"""

from __future__ import annotations

from datetime import date, datetime

from service.core.actors import Actor


def recompute_subject(subject_id: int, *, actor: Actor, now: datetime, today: date) -> None:
    """Re-apply the disclosure and list rules to one subject after its decisions changed.

    Re-classifies its decisions (repeat infringement makes them serious),
    proposes or extends blacklist entries, ends entries whose basis was revoked
    and red-list entries that a new penalty excludes. Implemented by the lists
    feature; the register only calls it.
    """
    # Filled in by the rules/lists work (feat/rules); until it lands nothing follows.
    return None
