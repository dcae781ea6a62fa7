"""The bank query log (查询日志): one append-only row per question a bank asked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.audit.models import BigId
from service.core.db import Base, UTCDateTime, utcnow

QUERY_KINDS = ("status", "batch_item", "lookup", "report", "changes")


class BankQuery(Base):
    """Who asked about whom, for which day, and what was answered.

    Written in the same transaction as the answer; the migration adds triggers
    that refuse UPDATE and DELETE, so the log cannot be rewritten from the app.
    """

    __tablename__ = "bank_queries"
    __table_args__ = (
        Index("ix_bank_queries_client_at", "client_id", "at"),
        Index("ix_bank_queries_subject_at", "subject_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    # One id per HTTP request: groups the items of a batch.
    request_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(12))  # see QUERY_KINDS
    query: Mapped[str] = mapped_column(String(200))  # the code or name as asked
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    as_of: Mapped[date | None] = mapped_column(Date)
    data_version: Mapped[int | None] = mapped_column(BigInteger)
    # The answer in short: a status (blacklisted...) or an error code (bad_length...).
    status: Mapped[str] = mapped_column(String(30))
    answer: Mapped[dict | None] = mapped_column(JSON)  # counts: black, red, penalties...
