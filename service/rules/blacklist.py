"""Blacklist qualification (严重侵权失信名单) and repeat infringement: pure rules.

A subject qualifies when (DOMAIN.md, "The blacklist"): two or more IP penalties
lie within the repeat window of each other (重复侵权); one penalty carries a
large fine, a licence revocation or a closure; the case went to the criminal
justice system (移送司法机关); or a penalty was not performed (拒不履行).
Only published IP decisions count; revoked or repaired ones never do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from service.rules.disclosure import Classification, classify
from service.rules.facts import PenaltyRecord, is_ip
from service.rules.policy import Policy

BASIS_CODES = ("repeat_infringement", "large_fine", "licence_revoked", "closure",
               "criminal_transfer", "nonperformance")


@dataclass(frozen=True)
class Basis:
    """One reason to list: a code, the decisions behind it and the day it was complete."""

    code: str
    trigger_on: date  # decision date of the decision that completed the basis
    decision_ids: tuple[int, ...]
    text: str


@dataclass(frozen=True)
class Qualification:
    """Whether a subject qualifies on a day, and why."""

    as_of: date
    bases: tuple[Basis, ...]

    @property
    def qualifies(self) -> bool:
        return bool(self.bases)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(b.code for b in self.bases)

    @property
    def primary_code(self) -> str | None:
        return self.bases[0].code if self.bases else None

    @property
    def decision_ids(self) -> frozenset[int]:
        return frozenset(i for b in self.bases for i in b.decision_ids)

    @property
    def latest_trigger_on(self) -> date | None:
        return max((b.trigger_on for b in self.bases), default=None)


def _amount(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _refs(records: Iterable[PenaltyRecord]) -> str:
    return "；".join(r.ref() for r in records)


def _window_end(day: date, policy: Policy) -> date:
    # Exactly `repeat_window` apart is still within it (5年内 includes the fifth anniversary).
    return policy.blacklist.repeat_window.after(day)


def _ordered(records: Iterable[PenaltyRecord]) -> list[PenaltyRecord]:
    return sorted(records, key=lambda r: (r.decided_on, r.id))


def repeat_bases(records: Iterable[PenaltyRecord], policy: Policy) -> list[Basis]:
    """One basis for each decision that completes a repeat with earlier ones in the window."""
    rules = policy.blacklist
    ordered = _ordered(records)
    ends = [_window_end(r.decided_on, policy) for r in ordered]  # once each, not once per pair
    bases = []
    for j, later in enumerate(ordered):
        earlier = [r for r, end in zip(ordered[:j], ends[:j], strict=True)
                   if end >= later.decided_on]
        if len(earlier) + 1 >= rules.repeat_count:
            group = [*earlier, later]
            text = (f"重复侵权：{rules.repeat_window.zh()}内受到{len(group)}次知识产权行政处罚"
                    f"（{_refs(group)}）")
            bases.append(Basis("repeat_infringement", later.decided_on,
                               tuple(r.id for r in group), text))
    return bases


def single_bases(record: PenaltyRecord, policy: Policy) -> list[Basis]:
    """The reasons one decision alone qualifies."""
    rules = policy.blacklist
    found = []
    if record.fine_amount is not None and record.fine_amount >= rules.large_fine_min:
        found.append(("large_fine", f"罚款{_amount(record.fine_amount)}万元，"
                                    f"达到{_amount(rules.large_fine_min)}万元以上"))
    for category in sorted(record.categories & rules.trigger_categories):
        found.append((rules.category_basis[category], f"处罚类别为{category}"))
    if rules.trigger_criminal_transfer and record.is_criminal_transfer:
        found.append(("criminal_transfer", "案件移送司法机关"))
    if rules.trigger_nonperformance and record.is_nonperformance:
        found.append(("nonperformance", "拒不履行行政处罚决定"))
    return [Basis(code, record.decided_on, (record.id,), f"{text}（{record.ref()}）")
            for code, text in found]


def all_bases(records: Iterable[PenaltyRecord], policy: Policy) -> list[Basis]:
    """Every basis the given decisions form, whatever the day (the caller filters them)."""
    records = [r for r in records if is_ip(r, policy)]
    bases = repeat_bases(records, policy)
    for record in _ordered(records):
        bases.extend(single_bases(record, policy))
    return bases


def merge_bases(bases: list[Basis]) -> tuple[Basis, ...]:
    """One basis per code (in BASIS_CODES order), the decisions of all of them together."""
    merged = []
    order = {code: n for n, code in enumerate(BASIS_CODES)}
    for code in sorted({b.code for b in bases}, key=lambda c: (order.get(c, len(order)), c)):
        same = [b for b in bases if b.code == code]
        # A repeat group inside a larger one says nothing more: cite the larger one only.
        same = [b for b in same if not any(set(b.decision_ids) < set(o.decision_ids)
                                           for o in same)]
        ids = tuple(dict.fromkeys(i for b in same for i in b.decision_ids))
        merged.append(Basis(code, max(b.trigger_on for b in same), ids,
                            "；".join(b.text for b in same)))
    return tuple(merged)


def qualification(records: Iterable[PenaltyRecord], as_of: date, policy: Policy, *,
                  used: frozenset[int] = frozenset()) -> Qualification:
    """Whether the subject qualifies for the blacklist on `as_of`, and on what basis.

    Counts the decisions published and usable on `as_of`; a basis counts while
    its last decision is within `basis_lookback` of `as_of`. With `used` (decisions
    already behind one of the subject's entries), a basis needs a decision not yet used.
    """
    lookback = policy.blacklist.basis_lookback
    counted = [r for r in records if r.published_by(as_of) and r.decided_on <= as_of]
    fresh = [
        b for b in all_bases(counted, policy)
        if as_of <= lookback.last_day_from(b.trigger_on) and not set(b.decision_ids) <= used
    ]
    return Qualification(as_of, merge_bases(fresh))


def basis_text(bases: Iterable[Basis], policy: Policy) -> str:
    """The text an official and the public read: each basis, then the rule it rests on."""
    parts = "；".join(b.text for b in bases)
    return f"符合严重侵权失信名单列入情形：{parts}。依据：{policy.name}（{policy.version}）。"


def repeat_ids(records: Iterable[PenaltyRecord], policy: Policy) -> frozenset[int]:
    """Decisions that are a repeat infringement: enough earlier IP penalties in the window.

    Every decision not revoked or repaired gets a flag (drafts too, for when they
    are published); only live IP decisions count as the earlier ones.
    """
    records = list(records)
    # Each counting decision with the end of its window, computed once (not once per pair).
    counting = [(r, _window_end(r.decided_on, policy))
                for r in _ordered(r for r in records if r.is_live and is_ip(r, policy))]
    needed = policy.blacklist.repeat_count - 1
    repeats = set()
    for record in records:
        if record.revoked or record.repaired_on or not is_ip(record, policy):
            continue
        earlier = [r for r, end in counting if (r.decided_on, r.id) < (record.decided_on, record.id)
                   and end >= record.decided_on]
        if len(earlier) >= needed:
            repeats.add(record.id)
    return frozenset(repeats)


def reclassify(records: Iterable[PenaltyRecord], policy: Policy) -> dict[int, Classification]:
    """The classification of each decision not revoked or repaired, repeat flags included."""
    records = list(records)
    repeats = repeat_ids(records, policy)
    return {r.id: classify(r.facts(is_repeat=r.id in repeats), policy)
            for r in records if not r.revoked and r.repaired_on is None}
