"""Disclosure rules (行政处罚信息公示): pure functions of plain values, no I/O.

SAMR Order 45 (2021) and Order 107 (in force 2025-12-25): minor penalties leave
public view after 3 months (warnings and simple-procedure decisions are never
disclosed), ordinary ones after 1 year, serious ones (严重失信) after 3 years.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from service.rules.policy import Policy


@dataclass(frozen=True)
class DecisionFacts:
    """What the disclosure rules look at in one decision."""

    decided_on: date
    categories: frozenset[str]
    violation_type: str
    fine_amount: Decimal | None = None
    is_simple_procedure: bool = False
    is_criminal_transfer: bool = False
    is_intentional: bool = False
    stated_disclosure_ends_on: date | None = None
    is_repeat: bool = False  # a repeat infringement (重复侵权) by the subject's history


@dataclass(frozen=True)
class Classification:
    severity: str  # minor / ordinary / serious
    is_disclosable: bool
    disclosure_ends_on: date | None  # last public day, inclusive; None when never disclosed
    is_repairable: bool
    repair_earliest_on: date | None


def severity(facts: DecisionFacts, policy: Policy) -> str:
    """Class a decision as minor, ordinary or serious by the policy's thresholds."""
    rules = policy.disclosure
    if (
        (facts.fine_amount is not None and facts.fine_amount >= rules.serious_fine_min)
        or facts.categories & rules.serious_categories
        or (rules.serious_if_criminal_transfer and facts.is_criminal_transfer)
        or (rules.serious_if_repeat and facts.is_repeat)
    ):
        return "serious"
    minor = rules.undisclosed_categories | rules.minor_categories
    if facts.is_simple_procedure or (facts.categories and facts.categories <= minor):
        return "minor"
    return "ordinary"


def is_disclosable(facts: DecisionFacts, policy: Policy) -> bool:
    """Warnings alone and simple-procedure decisions are never disclosed."""
    rules = policy.disclosure
    if rules.undisclosed_simple_procedure and facts.is_simple_procedure:
        return False
    return not (facts.categories and facts.categories <= rules.undisclosed_categories)


def is_repairable(facts: DecisionFacts, level: str, policy: Policy) -> bool:
    """Closure or revocation for counterfeit goods or intentional infringement stays 3 years."""
    rules = policy.disclosure
    if level != "serious" or not facts.categories & rules.unrepairable_categories:
        return True
    return not (facts.violation_type in rules.unrepairable_violation_types or facts.is_intentional)


def classify(facts: DecisionFacts, policy: Policy) -> Classification:
    """Everything the disclosure policy decides about one decision."""
    rules = policy.disclosure
    level = severity(facts, policy)
    disclosable = is_disclosable(facts, policy)
    period = {"minor": rules.minor_period, "ordinary": rules.ordinary_period,
              "serious": rules.serious_period}[level]
    ends_on = None
    if disclosable:
        ends_on = facts.stated_disclosure_ends_on or period.last_day_from(facts.decided_on)
    repairable = disclosable and level != "minor" and is_repairable(facts, level, policy)
    repair_after = rules.serious_repair_after if level == "serious" else rules.ordinary_repair_after
    return Classification(
        severity=level,
        is_disclosable=disclosable,
        disclosure_ends_on=ends_on,
        is_repairable=repairable,
        repair_earliest_on=repair_after.after(facts.decided_on) if repairable else None,
    )


@dataclass(frozen=True)
class DisclosureState:
    """A decision's lifecycle facts, for answering 'was it public on day X'."""

    status: str
    is_disclosable: bool
    decided_on: date
    disclosure_ends_on: date | None
    published_on: date | None
    revoked: bool = False
    repaired_on: date | None = None


def is_disclosed(state: DisclosureState, as_of: date) -> bool:
    """Public on `as_of`: published by then, within its period, never revoked or repaired.

    A revoked or repaired record is never brought back, not even for a past
    date: the rules forbid its further use (see DOMAIN.md, point-in-time).
    """
    return (
        state.status == "published"
        and not state.revoked
        and state.repaired_on is None
        and state.is_disclosable
        and state.published_on is not None
        and state.published_on <= as_of
        and state.decided_on <= as_of
        and state.disclosure_ends_on is not None
        and as_of <= state.disclosure_ends_on
    )


def repeat_flags(decided_on: Iterable[date], window_end) -> list[bool]:
    """For IP decisions of one subject in date order: is each one a repeat?

    `window_end(d)` is the last day within the repeat window from d. A decision
    is a repeat when an earlier one lies within the window before it.
    """
    dates = sorted(decided_on)
    flags = []
    for i, day in enumerate(dates):
        flags.append(any(window_end(earlier) >= day for earlier in dates[:i]))
    return flags
