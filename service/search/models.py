"""The search outbox: written in the same transaction as each change, applied after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.audit.models import BigId
from service.core.db import Base, UTCDateTime, utcnow


class SearchOutbox(Base):
    """A decision (or subject) whose index document must be refreshed."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    object_type: Mapped[str] = mapped_column(String(20))  # decision / subject
    object_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
