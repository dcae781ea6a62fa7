"""A pure simulation of one subject's life under the rules (no database).

Events happen on days; after each, the subject is recomputed as the register
and the officials' operations do (plan_subject, applied to plain records).
Officials act through the same pure rules the operations use.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from service.rules.engine import SubjectPlan, confirm_updates, end_updates, plan_subject
from service.rules.facts import EntryRecord, PenaltyRecord, SubjectHistory
from service.rules.policy import Policy
from service.rules.redlist import red_refusals
from service.rules.repair import decision_repair_refusals, listing_repair_refusals


@dataclass(frozen=True)
class DecisionSpec:
    decided_on: date
    published_on: date
    categories: frozenset[str] = frozenset({"罚款"})
    fine: Decimal | None = Decimal(5)
    violation_type: str = "侵犯注册商标专用权"
    is_criminal_transfer: bool = False
    is_nonperformance: bool = False
    is_simple_procedure: bool = False
    performed_after_days: int | None = 30


@dataclass(frozen=True)
class Event:
    day: date
    kind: str  # publish / confirm / reject / revoke / repair_decision / repair_listing /
    # nominate / remove_red / evaluate
    spec: DecisionSpec | None = None
    index: int = 0  # which decision (revoke / repair_decision), modulo the published ones


def apply_plan(history: SubjectHistory, plan: SubjectPlan, new_id) -> SubjectHistory:
    """Apply a plan to plain records, as service.lists.operations applies it to rows."""
    records = tuple(replace(r, stored=plan.classifications.get(r.id, r.stored))
                    for r in history.records)
    entries = list(history.entries)
    for change in plan.changes:
        entries = [e.updated(change.updates, change.add_decision_ids)
                   if e.id == change.entry_id else e for e in entries]
    if plan.proposal is not None:
        p = plan.proposal
        entries.append(EntryRecord(new_id(), "black", "proposed", p.basis, basis_text=p.basis_text,
                                   authority_id=p.authority_id, decision_ids=p.decision_ids))
    return SubjectHistory(history.subject_id, records, tuple(entries))


@dataclass
class World:
    policy: Policy
    history: SubjectHistory = field(default_factory=lambda: SubjectHistory(1))
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    snapshots: list[tuple[date, SubjectHistory]] = field(default_factory=list)
    published_end: dict[int, date | None] = field(default_factory=dict)  # end when published
    published_day: dict[int, date] = field(default_factory=dict)
    retroactive_days: list[date] = field(default_factory=list)
    changes: list[tuple[date, SubjectPlan]] = field(default_factory=list)

    def recompute(self, day: date) -> None:
        plan = plan_subject(self.history, day, self.policy)
        self.history = apply_plan(self.history, plan, lambda: next(self.ids))
        self.changes.append((day, plan))
        # A record published earlier whose class changes, or a listing trimmed, rewrites the past.
        if any(self.published_day.get(i, day) < day for i in plan.classifications) or any(
                c.action == "trim" for c in plan.changes):
            self.retroactive_days.append(day)

    def replace_entry(self, entry: EntryRecord, updates: dict) -> None:
        self.history = replace(self.history, entries=tuple(
            e.updated(updates) if e.id == entry.id else e for e in self.history.entries))

    def replace_record(self, record: PenaltyRecord, **updates) -> None:
        self.history = replace(self.history, records=tuple(
            replace(r, **updates) if r.id == record.id else r for r in self.history.records))

    def live_records(self) -> list[PenaltyRecord]:
        return [r for r in self.history.records if r.is_live]

    def run(self, events: list[Event]) -> World:
        for day, group in itertools.groupby(sorted(events, key=lambda e: e.day),
                                            key=lambda e: e.day):
            for event in group:
                getattr(self, f"on_{event.kind}")(event)
                self.recompute(day)
            for record in self.history.records:
                if record.id not in self.published_end and record.stored is not None:
                    self.published_end[record.id] = record.stored.disclosure_ends_on
            self.snapshots.append((day, self.history))
        return self

    def state_on(self, day: date) -> SubjectHistory:
        """The database as it stood at the end of `day` (the last snapshot not after it)."""
        state = SubjectHistory(1)
        for snapshot_day, history in self.snapshots:
            if snapshot_day > day:
                break
            state = history
        return state

    # --- events -------------------------------------------------------------------------

    def on_publish(self, event: Event) -> None:
        spec = event.spec
        performed = (spec.decided_on.toordinal() + spec.performed_after_days
                     if spec.performed_after_days is not None else None)
        record = PenaltyRecord(
            id=next(self.ids), decided_on=spec.decided_on, categories=spec.categories,
            violation_type=spec.violation_type, fine_amount=spec.fine,
            is_simple_procedure=spec.is_simple_procedure,
            is_criminal_transfer=spec.is_criminal_transfer,
            is_nonperformance=spec.is_nonperformance,
            performed_on=date.fromordinal(performed) if performed else None,
            published_on=event.day, number=f"测处罚〔{spec.decided_on.year}〕{event.day}号",
        )
        self.published_day[record.id] = event.day
        self.history = replace(self.history, records=(*self.history.records, record))

    def on_evaluate(self, event: Event) -> None:
        pass

    def _proposal(self) -> EntryRecord | None:
        return next((e for e in self.history.entries if e.status == "proposed"), None)

    def on_confirm(self, event: Event) -> None:
        entry = self._proposal()
        if entry is not None and not any(e.is_own_black and e.in_force(event.day)
                                         for e in self.history.entries):
            self.replace_entry(entry, confirm_updates(notified_on=event.day, today=event.day,
                                                      policy=self.policy))

    def on_reject(self, event: Event) -> None:
        entry = self._proposal()
        if entry is not None:
            self.replace_entry(entry, {"status": "rejected", "end_note": "陈述申辩成立"})

    def _pick(self, event: Event) -> PenaltyRecord | None:
        live = self.live_records()
        return live[event.index % len(live)] if live else None

    def on_revoke(self, event: Event) -> None:
        record = self._pick(event)
        if record is not None:
            self.replace_record(record, revoked=True, revocation_reason="行政复议撤销")
            self.retroactive_days.append(event.day)

    def on_repair_decision(self, event: Event) -> None:
        record = self._pick(event)
        if record is not None and not decision_repair_refusals(
                record, performed_on=None, commitment="信用承诺", as_of=event.day,
                policy=self.policy):
            self.replace_record(record, repaired_on=event.day)
            self.retroactive_days.append(event.day)

    def on_repair_listing(self, event: Event) -> None:
        for entry in self.history.entries:
            if entry.is_own_black and not listing_repair_refusals(
                    entry, self.history, performed_on=None, commitment="信用承诺",
                    as_of=event.day, policy=self.policy):
                self.replace_entry(entry, end_updates("repaired", event.day, "修复"))
                self.retroactive_days.append(event.day)

    def on_nominate(self, event: Event) -> None:
        if self.history.red_in_force(event.day) or red_refusals(self.history, event.day,
                                                                 self.policy):
            return
        entry = EntryRecord(next(self.ids), "red", "active", "nomination", starts_on=event.day,
                            basis_text="知识产权示范企业")
        self.history = replace(self.history, entries=(*self.history.entries, entry))

    def on_remove_red(self, event: Event) -> None:
        for entry in self.history.red_in_force(event.day):
            self.replace_entry(entry, end_updates("removed", event.day, "推荐单位撤回"))
