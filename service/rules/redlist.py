"""Red list (红名单) eligibility: pure rules.

A subject cannot be on the red list while it is blacklisted or has a disclosed
IP penalty decided within the exclusion window (3 years): a new penalty or a
listing removes it at once (DOMAIN.md, "The red list").
"""

from __future__ import annotations

from datetime import date

from service.rules.disclosure import is_disclosed
from service.rules.facts import PenaltyRecord, SubjectHistory, is_ip
from service.rules.policy import Policy
from service.rules.refusals import Refusal


def excluding_penalties(history: SubjectHistory, as_of: date,
                        policy: Policy) -> list[PenaltyRecord]:
    """Disclosed IP penalties decided within the exclusion window before `as_of`."""
    window = policy.redlist.exclusion_window
    return [
        r for r in history.records
        if is_ip(r, policy) and is_disclosed(r.disclosure_state(policy), as_of)
        and as_of <= window.last_day_from(r.decided_on)
    ]


def red_refusals(history: SubjectHistory, as_of: date, policy: Policy) -> list[Refusal]:
    """Why the subject cannot be on the red list on `as_of` (empty: it can)."""
    refusals = []
    listed = history.black_in_force(as_of)
    if listed:
        refusals.append(Refusal("blacklisted", "the subject is on the blacklist "
                                               f"(entry {listed[0].id}; 列入严重失信名单)"))
    penalties = excluding_penalties(history, as_of, policy)
    if penalties:
        refs = ", ".join(r.number or str(r.id) for r in penalties)
        window = policy.redlist.exclusion_window
        refusals.append(Refusal("recent_penalty", "the subject has a disclosed IP penalty from "
                                                  f"the last {window} ({refs}; 近{window.zh()}"
                                                  "内有公示的知识产权行政处罚)"))
    return refusals
