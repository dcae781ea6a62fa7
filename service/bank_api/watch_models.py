"""Monitoring: watch lists, the status-change feed, webhooks and their deliveries.

`StatusChange.id` is the feed cursor: a monotonically rising sequence, written
in commit order (see `monitoring.record_status_changes`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.audit.models import BigId
from service.core.db import Base, UTCDateTime, utcnow


class Watch(Base):
    """A code a bank client monitors (its borrowers). The code need not be on record yet."""

    __tablename__ = "bank_watches"
    __table_args__ = (UniqueConstraint("client_id", "uscc", name="uq_bank_watches_client_uscc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    uscc: Mapped[str] = mapped_column(String(18), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last status change that existed when the watch began: the feed shows later ones.
    start_sequence: Mapped[int] = mapped_column(BigInteger, default=0)


class SubjectState(Base):
    """The standing last recorded for a subject: what the next change is compared with.

    No row means nothing on record (a subject starts with nothing disclosed).
    """

    __tablename__ = "bank_subject_states"

    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    # SHA-256 of the entries in force and the disclosed penalties: details can change
    # while the status stays (a listing extended, a further penalty disclosed).
    fingerprint: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StatusChange(Base):
    """One change of a subject's public standing; `id` is the feed cursor."""

    __tablename__ = "bank_status_changes"
    __table_args__ = (Index("ix_bank_status_changes_uscc_id", "uscc", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)  # the day the new standing speaks for
    kind: Mapped[str] = mapped_column(String(10))  # status (code changed) / details
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(300))  # what caused it: decision.publish...
    summary: Mapped[dict] = mapped_column(JSON)  # counts and dates of the new standing
    # The data version (DataChange id) the new standing was computed from.
    data_version: Mapped[int] = mapped_column(BigInteger)


class Webhook(Base):
    """A client's webhook (one per client).

    The signing secret must be usable to sign, so it cannot be hashed: it is
    stored encrypted (Fernet, key derived from SECRET_KEY) and shown once.
    """

    __tablename__ = "bank_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"),
                                           unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret_encrypted: Mapped[str] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The last status change already put into a delivery.
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)


class WebhookDelivery(Base):
    """One message to a webhook: a batch of changes, retried with backoff until delivered."""

    __tablename__ = "bank_webhook_deliveries"
    __table_args__ = (Index("ix_bank_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("bank_webhooks.id", ondelete="CASCADE"),
                                            index=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)  # webhook-id header
    first_change_id: Mapped[int] = mapped_column(BigInteger)
    last_change_id: Mapped[int] = mapped_column(BigInteger)
    change_count: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the exact bytes signed and sent, every attempt
    status: Mapped[str] = mapped_column(String(10), default="pending")  # delivered / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
