"""The plain facts the list rules read: a subject's decisions and list entries (no ORM).

The lists feature loads these from the database in batches; the rules and the
property tests build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import date
from decimal import Decimal

from service.rules.disclosure import Classification, DecisionFacts, DisclosureState, classify
from service.rules.listing import EntryState, entry_in_force
from service.rules.policy import Policy

# A child entry: a legal representative or responsible person listed with an organisation.
ASSOCIATED = "associated_person"
MANUAL = "manual"


@dataclass(frozen=True)
class PenaltyRecord:
    """One decision of a subject: the facts the rules use, its lifecycle, its stored class."""

    id: int
    decided_on: date
    categories: frozenset[str]
    violation_type: str
    fine_amount: Decimal | None = None
    is_simple_procedure: bool = False
    is_criminal_transfer: bool = False
    is_nonperformance: bool = False  # 拒不履行
    is_intentional: bool = False
    stated_disclosure_ends_on: date | None = None
    performed_on: date | None = None
    status: str = "published"
    published_on: date | None = None  # None: published on the decision date
    revoked: bool = False
    corrected: bool = False  # changed after publication (更正, e.g. by reconsideration)
    repaired_on: date | None = None
    number: str = ""
    authority_id: int | None = None
    revocation_reason: str | None = None
    # The rule-derived columns as stored (public queries filter on these).
    stored: Classification | None = None

    @property
    def is_live(self) -> bool:
        """Published and still usable: not revoked, not repaired (修复后不再使用)."""
        return self.status == "published" and not self.revoked and self.repaired_on is None

    def published_by(self, as_of: date) -> bool:
        return self.is_live and (self.published_on or self.decided_on) <= as_of

    def facts(self, *, is_repeat: bool = False) -> DecisionFacts:
        return DecisionFacts(
            decided_on=self.decided_on, categories=self.categories,
            violation_type=self.violation_type, fine_amount=self.fine_amount,
            is_simple_procedure=self.is_simple_procedure,
            is_criminal_transfer=self.is_criminal_transfer, is_intentional=self.is_intentional,
            stated_disclosure_ends_on=self.stated_disclosure_ends_on, is_repeat=is_repeat,
        )

    def classification(self, policy: Policy) -> Classification:
        """The stored classification, or the one without history when none is stored yet."""
        return self.stored or classify(self.facts(), policy)

    def disclosure_state(self, policy: Policy) -> DisclosureState:
        c = self.classification(policy)
        return DisclosureState(
            status=self.status, is_disclosable=c.is_disclosable, decided_on=self.decided_on,
            disclosure_ends_on=c.disclosure_ends_on,
            published_on=self.published_on or self.decided_on,
            revoked=self.revoked, repaired_on=self.repaired_on,
        )

    def ref(self) -> str:
        """How basis texts cite the decision: its number and date."""
        number = self.number or f"决定{self.id}"
        return f"{number}（{self.decided_on.isoformat()}作出）"


@dataclass(frozen=True)
class EntryRecord:
    """One list entry (blacklist or red list) with the decisions linked to it."""

    id: int
    list_kind: str
    status: str
    basis: str
    starts_on: date | None = None
    scheduled_end_on: date | None = None
    ended_on: date | None = None
    end_reason: str | None = None
    end_note: str | None = None
    basis_text: str = ""
    notified_on: date | None = None
    authority_id: int | None = None
    parent_id: int | None = None
    decision_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def state(self) -> EntryState:
        return EntryState(self.status, self.starts_on, self.scheduled_end_on, self.ended_on,
                          self.end_reason)

    def in_force(self, as_of: date) -> bool:
        return entry_in_force(self.state, as_of)

    @property
    def is_own_black(self) -> bool:
        """A blacklist entry for the subject's own conduct (not one following an organisation)."""
        return self.list_kind == "black" and self.basis != ASSOCIATED

    def updated(self, updates: dict, add_decision_ids: frozenset[int] = frozenset()) -> EntryRecord:
        known = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in updates.items() if k in known},
                       decision_ids=self.decision_ids | add_decision_ids)


@dataclass(frozen=True)
class SubjectHistory:
    """Everything the rules need about one subject."""

    subject_id: int
    records: tuple[PenaltyRecord, ...] = ()
    entries: tuple[EntryRecord, ...] = ()

    def record(self, decision_id: int) -> PenaltyRecord | None:
        return next((r for r in self.records if r.id == decision_id), None)

    def black_in_force(self, as_of: date) -> list[EntryRecord]:
        return [e for e in self.entries if e.list_kind == "black" and e.in_force(as_of)]

    def red_in_force(self, as_of: date) -> list[EntryRecord]:
        return [e for e in self.entries if e.list_kind == "red" and e.in_force(as_of)]


def is_ip(record: PenaltyRecord, policy: Policy) -> bool:
    return record.violation_type in policy.blacklist.ip_violation_types
