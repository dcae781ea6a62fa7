"""Signed credit reports (信用报告) and the public keys that verify them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base, UTCDateTime, utcnow


class ReportKey(Base):
    """A signing key's public half, kept so that reports verify after the key is rotated out."""

    __tablename__ = "bank_report_keys"

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(20))  # Ed25519
    public_key: Mapped[str] = mapped_column(String(200))  # base64 of the raw 32-byte key
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditReport(Base):
    """A report as issued: the canonical JSON signed, byte for byte."""

    __tablename__ = "bank_credit_reports"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", name="uq_bank_credit_reports_idem"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # CR-20261202-7KQ3M9XA
    # Found through the (client_id, idempotency_key) unique index: no index of its own.
    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    uscc: Mapped[str] = mapped_column(String(18))
    as_of: Mapped[date] = mapped_column(Date)
    data_version: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, UTF-8
    signature: Mapped[str] = mapped_column(String(200))  # base64
    key_id: Mapped[str] = mapped_column(ForeignKey("bank_report_keys.key_id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
