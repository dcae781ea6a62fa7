"""What the rules change for one subject on a day: a plan, computed from plain facts.

`plan_subject` is the whole of recompute/evaluate as a pure function: reclassify
the decisions (repeat flags), record expired entries, end or trim entries whose
basis was revoked, absorb a new qualifying penalty into the listing in force
(extension) or propose a listing, and end red-list entries the subject no longer
qualifies for. The lists feature applies the plan to the database; the property
tests apply it to plain records. Nothing here lists anyone: a proposal waits
for an official (DOMAIN.md, "Listing procedure").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from service.rules.blacklist import (
    Basis,
    all_bases,
    basis_text,
    merge_bases,
    qualification,
    reclassify,
)
from service.rules.disclosure import Classification
from service.rules.facts import MANUAL, EntryRecord, PenaltyRecord, SubjectHistory
from service.rules.listing import expired_on, extended_end, scheduled_end
from service.rules.policy import Policy
from service.rules.redlist import red_refusals


@dataclass(frozen=True)
class EntryChange:
    """New values for one entry's columns, and decisions to link to it."""

    entry_id: int
    action: str  # expire / end_revoked / trim / extend / link / exclude
    updates: dict = field(hash=False)
    add_decision_ids: frozenset[int] = frozenset()
    note: str = ""


@dataclass(frozen=True)
class Proposal:
    """A blacklist entry the rules propose; an official confirms or rejects it."""

    basis: str
    basis_text: str
    decision_ids: frozenset[int]
    authority_id: int | None


@dataclass
class SubjectPlan:
    subject_id: int
    as_of: date
    classifications: dict[int, Classification] = field(default_factory=dict)  # changed only
    changes: list[EntryChange] = field(default_factory=list)
    proposal: Proposal | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.classifications or self.changes or self.proposal)

    def counts(self) -> dict[str, int]:
        actions = [c.action for c in self.changes]
        return {
            "reclassified": len(self.classifications),
            "proposed": int(self.proposal is not None),
            "extended": sum(a in ("extend", "link") for a in actions),
            "ended": sum(a in ("end_revoked", "exclude") for a in actions),
            "expired": actions.count("expire"),
            "trimmed": actions.count("trim"),
        }


def end_updates(reason: str, on: date, note: str) -> dict:
    return {"status": "ended", "ended_on": on, "end_reason": reason, "end_note": note}


def confirm_updates(*, notified_on: date, today: date, policy: Policy) -> dict:
    """A confirmed listing starts on the day of confirmation and lasts `duration`."""
    return {"status": "active", "notified_on": notified_on, "starts_on": today,
            "scheduled_end_on": scheduled_end(today, policy)}


def entry_basis_text(records: list[PenaltyRecord], policy: Policy) -> tuple[str | None, str]:
    """Primary basis code and text of a rule-based entry from its (unrevoked) decisions."""
    bases = merge_bases(all_bases(records, policy))
    return (bases[0].code if bases else None), basis_text(bases, policy)


class _Plan:
    """The working state while planning: entries as they will be after each change."""

    def __init__(self, history: SubjectHistory, as_of: date, policy: Policy) -> None:
        self.as_of = as_of
        self.policy = policy
        self.history = history
        self.plan = SubjectPlan(history.subject_id, as_of)

    def change(self, entry: EntryRecord, action: str, updates: dict,
               add: frozenset[int] = frozenset(), note: str = "") -> None:
        self.plan.changes.append(EntryChange(entry.id, action, updates, add, note))
        entries = tuple(entry.updated(updates, add) if e.id == entry.id else e
                        for e in self.history.entries)
        self.history = replace(self.history, entries=entries)

    def linked(self, entry: EntryRecord, extra: frozenset[int] = frozenset()):
        ids = entry.decision_ids | extra
        return [r for r in self.history.records if r.id in ids]


def plan_subject(history: SubjectHistory, as_of: date, policy: Policy) -> SubjectPlan:
    """Everything the rules change for one subject on `as_of` (empty when all is current)."""
    classes = reclassify(history.records, policy)
    # A record whose class stands is kept as it is (a bulk run plans 100,000s of records).
    records = tuple(r if classes.get(r.id, r.stored) == r.stored
                    else replace(r, stored=classes[r.id]) for r in history.records)
    work = _Plan(replace(history, records=records), as_of, policy)
    work.plan.classifications = {r.id: classes[r.id] for r in history.records
                                 if r.id in classes and r.stored != classes[r.id]}
    _record_expired(work)
    _follow_revocations(work)
    _absorb_or_propose(work)
    _exclude_from_red_list(work)
    return work.plan


def _record_expired(work: _Plan) -> None:
    for entry in work.history.entries:
        end = entry.scheduled_end_on
        if entry.status == "active" and end is not None and end < work.as_of:
            work.change(entry, "expire", end_updates("expired", expired_on(entry.state),
                                                     f"期满自动移出 (term ended on {end})"))


def _follow_revocations(work: _Plan) -> None:
    """End an entry whose basis no longer holds; trim one that an extension no longer backs.

    Only a revoked or corrected decision re-opens an entry: a later policy change
    alone does not undo a listing confirmed under the old one.
    """
    for entry in work.history.entries:
        if not entry.is_own_black or entry.status not in ("proposed", "active"):
            continue
        linked = work.linked(entry)
        if not any(r.revoked or r.corrected for r in linked):
            continue
        remaining = [r for r in linked if not r.revoked]
        code, text = entry_basis_text(remaining, work.policy)
        if (code is None and entry.basis != MANUAL) or not remaining:
            _end_revoked(work, entry, linked)
        elif entry.basis != MANUAL:
            _trim(work, entry, remaining, code, text)


def _end_revoked(work: _Plan, entry: EntryRecord, linked: list[PenaltyRecord]) -> None:
    why = [f"{r.ref()}已撤销" + (f"（{r.revocation_reason}）" if r.revocation_reason else "")
           for r in linked if r.revoked]
    why += [f"{r.ref()}已更正" for r in linked if r.corrected and not r.revoked]
    note = f"列入所依据的处罚决定被撤销或更正：{'；'.join(why)}"
    if any(not r.revoked for r in linked):
        note += "；其余决定不再构成列入情形"
    work.change(entry, "end_revoked", end_updates("basis_revoked", work.as_of, note), note=note)


def _trim(work: _Plan, entry: EntryRecord, remaining: list[PenaltyRecord], code: str,
          text: str) -> None:
    updates = {}
    if text != entry.basis_text:
        updates.update(basis=code, basis_text=text)
    if entry.status == "active" and entry.scheduled_end_on is not None:
        bases = merge_bases(all_bases(remaining, work.policy))
        end = scheduled_end(entry.starts_on, work.policy)
        for basis in bases:
            end = extended_end(end, basis.trigger_on, work.policy)
        if end < entry.scheduled_end_on:
            updates["scheduled_end_on"] = end
    if updates:
        work.change(entry, "trim", updates, note="revoked or corrected decisions no longer back it")


def _absorb_or_propose(work: _Plan) -> None:
    own = [e for e in work.history.entries if e.is_own_black]
    used = frozenset(i for e in own for i in e.decision_ids)
    q = qualification(work.history.records, work.as_of, work.policy, used=used)
    if not q.qualifies:
        return
    in_force = [e for e in own if e.in_force(work.as_of) and e.status == "active"]
    proposed = [e for e in own if e.status == "proposed"]
    if in_force:
        _extend(work, in_force[0], q.bases, q.decision_ids)
    elif proposed:
        entry = proposed[0]
        code, text = entry_basis_text(work.linked(entry, q.decision_ids), work.policy)
        work.change(entry, "link", {"basis": code, "basis_text": text},
                    q.decision_ids - entry.decision_ids, note=f"new basis: {', '.join(q.codes)}")
    else:
        latest = max((r for r in work.history.records if r.id in q.decision_ids),
                     key=lambda r: (r.decided_on, r.id))
        work.plan.proposal = Proposal(q.primary_code, basis_text(q.bases, work.policy),
                                      q.decision_ids, latest.authority_id)


def _extend(work: _Plan, entry: EntryRecord, bases: tuple[Basis, ...],
            ids: frozenset[int]) -> None:
    """A new qualifying penalty while listed: link it, extend to `duration` from it."""
    end = entry.scheduled_end_on
    for basis in bases:
        end = extended_end(end, basis.trigger_on, work.policy)
    if entry.basis == MANUAL:
        added = "；".join(b.text for b in bases)
        updates = {"basis_text": f"{entry.basis_text}\n{work.as_of}新增：{added}"}
    else:
        linked = [r for r in work.linked(entry, ids) if not r.revoked]
        updates = {"basis_text": entry_basis_text(linked, work.policy)[1]}
    action = "link"
    if end > entry.scheduled_end_on:
        updates["scheduled_end_on"] = end
        action = "extend"
    work.change(entry, action, updates, ids - entry.decision_ids,
                note=f"new basis while listed: {', '.join(b.code for b in bases)}")


def _exclude_from_red_list(work: _Plan) -> None:
    refusals = red_refusals(work.history, work.as_of, work.policy)
    if not refusals:
        return
    note = "; ".join(r.message for r in refusals)
    for entry in work.history.red_in_force(work.as_of):
        work.change(entry, "exclude", end_updates("excluded", work.as_of, note), note=note)
