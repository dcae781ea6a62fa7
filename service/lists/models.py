"""The blacklist (黑名单) and red list (红名单) entries, and credit-repair applications."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.db import Base, UTCDateTime, utcnow
from service.register.models import Authority, Decision, Subject


class ListKind(enum.StrEnum):
    BLACK = "black"
    RED = "red"


class EntryStatus(enum.StrEnum):
    PROPOSED = "proposed"  # the rules say the subject qualifies; an official must confirm
    ACTIVE = "active"  # confirmed; still subject to its scheduled end (no one needs to act)
    REJECTED = "rejected"  # a proposal an official rejected
    ENDED = "ended"  # ended early or recorded as expired; see end_reason


class EndReason(enum.StrEnum):
    EXPIRED = "expired"
    REPAIRED = "repaired"  # 提前移出 through credit repair
    BASIS_REVOKED = "basis_revoked"  # the decisions behind it were revoked
    REMOVED = "removed"  # red list: removed by an official
    EXCLUDED = "excluded"  # red list: a penalty or a listing excludes it
    SUPERSEDED = "superseded"


list_entry_decisions = Table(
    "list_entry_decisions",
    Base.metadata,
    Column("list_entry_id", ForeignKey("list_entries.id", ondelete="CASCADE"), primary_key=True),
    Column("decision_id", ForeignKey("decisions.id"), primary_key=True),
)


class ListEntry(Base):
    """One stay of a subject on the blacklist or the red list.

    An active entry ends by itself on `scheduled_end_on` (public views compare
    dates, nobody has to act); `ended_on` records an early end and its reason.
    """

    __tablename__ = "list_entries"
    __table_args__ = (Index("ix_list_entries_current", "list_kind", "status", "scheduled_end_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_kind: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=EntryStatus.PROPOSED)
    # repeat_infringement, large_fine, licence_revoked, closure, criminal_transfer,
    # nonperformance, manual, associated_person (with an organisation), nomination
    basis: Mapped[str] = mapped_column(String(30))
    basis_text: Mapped[str] = mapped_column(Text)
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"))
    # The organisation's entry that a legal representative's entry follows.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_on: Mapped[date | None] = mapped_column(Date)  # 陈述申辩 notice given
    starts_on: Mapped[date | None] = mapped_column(Date)
    scheduled_end_on: Mapped[date | None] = mapped_column(Date)  # last day listed, inclusive
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    end_note: Mapped[str | None] = mapped_column(Text)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    subject: Mapped[Subject] = relationship()
    authority: Mapped[Authority | None] = relationship()
    decisions: Mapped[list[Decision]] = relationship(secondary=list_entry_decisions)
    parent: Mapped[ListEntry | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<ListEntry {self.id} {self.list_kind} {self.status} subject={self.subject_id}>"


class PendingEvaluation(Base):
    """A subject whose lists rules are still to run after a bulk import stored its decisions.

    The importer writes one mark per subject and batch in the batch's own
    transaction and runs the rules once per subject at the end of the file
    (service.lists.operations.evaluate_pending), deleting the marks it served.
    A mark left by an import that stopped is served by the next import or by
    `rules evaluate`, so nothing stored is left unevaluated.
    """

    __tablename__ = "pending_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a mark costs one index entry, and subjects are never deleted.
    subject_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RepairApplication(Base):
    """信用修复申请: end a disclosure early, or leave the blacklist early (提前移出)."""

    __tablename__ = "repair_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(12))  # decision / listing
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    list_entry_id: Mapped[int | None] = mapped_column(ForeignKey("list_entries.id"))
    applicant: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[str] = mapped_column(Text)
    commitment: Mapped[str] = mapped_column(Text)  # 信用承诺, public credit commitment
    performed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending/approved/denied
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)

    subject: Mapped[Subject] = relationship()
    decision: Mapped[Decision | None] = relationship()
    list_entry: Mapped[ListEntry | None] = relationship()
