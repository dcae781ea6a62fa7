"""The bank query log (查询日志) and the batch answers kept for their Idempotency-Key."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
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

QUERY_KINDS = ("status", "batch_item", "lookup", "report", "changes")


class BankQuery(Base):
    """Who asked about whom, for which day, and what was answered.

    Written in the same transaction as the answer; the migration adds triggers
    that refuse UPDATE and DELETE, so the log cannot be rewritten from the app.
    No foreign keys: the log keeps the ids it was written with, and neither blocks
    nor is blocked by the rows they name (migration 0016).
    """

    __tablename__ = "bank_queries"
    __table_args__ = (
        Index("ix_bank_queries_client_at", "client_id", "at"),
        Index("ix_bank_queries_subject_at", "subject_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_id: Mapped[int] = mapped_column(Integer)  # api_clients.id
    # One id per HTTP request: groups the items of a batch.
    request_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))  # see QUERY_KINDS
    query: Mapped[str] = mapped_column(String(200))  # the code or name as asked
    subject_id: Mapped[int | None] = mapped_column(Integer)  # subjects.id
    as_of: Mapped[date | None] = mapped_column(Date)
    data_version: Mapped[int | None] = mapped_column(BigInteger)
    # The answer in short: a status (blacklisted...) or an error code (bad_length...).
    status: Mapped[str] = mapped_column(String(30))
    answer: Mapped[dict | None] = mapped_column(JSON)  # counts: black, red, penalties...


class BatchAnswer(Base):
    """A batch check answered under an Idempotency-Key, kept to be replayed byte for byte.

    Kept 24 hours (`answers.KEEP_ANSWERS`); an expired key may be used again.
    """

    __tablename__ = "bank_batch_answers"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", name="uq_bank_batch_answers_idem"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    request_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of as_of and the codes
    http_status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # the answer exactly as sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
