"""Officials' accounts and API clients (banks, officials' systems)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.db import Base, UTCDateTime, utcnow
from service.register.models import Authority


class Role(enum.StrEnum):
    CLERK = "clerk"  # 录入
    REVIEWER = "reviewer"  # 审核
    ADMIN = "admin"


class User(Base):
    """An official (执法部门工作人员). Passwords are stored as argon2 hashes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10), default=Role.CLERK)
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an admin resets the password: the console asks for a new one first.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # Every console session started before this is over (deactivation, password reset).
    sessions_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    authority: Mapped[Authority | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role}>"


class ApiClient(Base):
    """A machine client: a bank (check/monitor/report) or an officials' system (submit).

    The key is shown once; only its prefix (for lookup) and a hash are stored.
    """

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str | None] = mapped_column(String(200))
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)  # check/monitor/report/submit
    # Officials' systems submit decisions for one authority.
    authority_id: Mapped[int | None] = mapped_column(ForeignKey("authorities.id"))
    rate_limit: Mapped[str | None] = mapped_column(String(60))  # e.g. "600/minute"
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    authority: Mapped[Authority | None] = relationship()

    def __repr__(self) -> str:
        return f"<ApiClient {self.id} {self.name}>"


class EndedSession(Base):
    """A console session ended by logout: its cookie, even a copy, signs nobody in again.

    The session itself is a signed cookie; this is the server's memory of the
    ones that ended before their SESSION_LIFETIME. Rows go once that has passed.
    """

    __tablename__ = "ended_sessions"

    sid: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
