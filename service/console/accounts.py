"""Account operations for the console: sign in with lockout, change password, manage users.

Plain functions taking the actor and the clock; they only flush and write the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from service.accounts.models import Role, User
from service.accounts.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from service.audit.operations import log_event
from service.core.actors import Actor
from service.core.db import db
from service.register.models import Authority

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Verified when the username is unknown, so that the answer takes as long either way.
_DUMMY_HASH = hash_password("not-a-real-password-0")


class AccountError(Exception):
    """A refused account action: the field concerned and a message in Chinese."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str | None = None  # shown to the visitor: never says which part was wrong


def authenticate_user(username: str, password: str, *, now: datetime,
                      client: str | None = None) -> LoginResult:
    """Check a password; count failures and lock the account for 15 minutes after 5."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        log_event(Actor("anonymous", None, username[:60]), "user.login_failed", now=now,
                  object_type="user", details={"reason": "unknown_user", "client": client})
        return LoginResult(None, "用户名或密码错误。")
    actor = Actor.user(user)
    if user.locked_until is not None and user.locked_until > now:
        log_event(actor, "user.login_refused", now=now, object_type="user", object_id=user.id,
                  authority_id=user.authority_id, details={"reason": "locked", "client": client})
        return LoginResult(None, _locked_message(user, now))
    if not verify_password(user.password_hash, password):
        return LoginResult(None, _count_failure(user, now, client))
    if not user.is_active:
        log_event(actor, "user.login_refused", now=now, object_type="user", object_id=user.id,
                  authority_id=user.authority_id, details={"reason": "inactive", "client": client})
        return LoginResult(None, "该账户已停用，请联系管理员。")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    log_event(actor, "user.login", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id, details={"client": client})
    db.session.flush()
    return LoginResult(user)


def _count_failure(user: User, now: datetime, client: str | None) -> str:
    user.failed_logins = (user.failed_logins or 0) + 1
    actor = Actor.user(user)
    log_event(actor, "user.login_failed", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id,
              details={"failures": user.failed_logins, "client": client})
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until, user.failed_logins = now + LOCKOUT, 0
        log_event(actor, "user.locked", now=now, object_type="user", object_id=user.id,
                  authority_id=user.authority_id,
                  details={"until": user.locked_until, "minutes": LOCKOUT.seconds // 60})
        db.session.flush()
        return _locked_message(user, now)
    db.session.flush()
    return "用户名或密码错误。"


def _locked_message(user: User, now: datetime) -> str:
    minutes = max(1, int((user.locked_until - now).total_seconds() + 59) // 60)
    return f"连续 {MAX_FAILURES} 次密码错误，账户已锁定，请 {minutes} 分钟后再试。"


def change_password(user: User, old: str, new: str, repeat: str, *, now: datetime) -> None:
    """Replace a user's password after checking the old one and the strength rule."""
    if not verify_password(user.password_hash, old):
        raise AccountError("old_password", "原密码不正确")
    if new != repeat:
        raise AccountError("repeat_password", "两次输入的新密码不一致")
    problem = password_problem(new) or ("新密码不能与原密码相同" if new == old else None)
    if problem:
        raise AccountError("new_password", problem)
    user.password_hash, user.password_changed_at = hash_password(new), now
    log_event(Actor.user(user), "user.password_change", now=now, object_type="user",
              object_id=user.id, authority_id=user.authority_id)
    db.session.flush()


def create_user(data: dict, *, actor: Actor, now: datetime) -> User:
    """Create an official's account from the admin's form (already stripped strings)."""
    username, role = data.get("username", ""), data.get("role", "")
    if not username:
        raise AccountError("username", "必填")
    if len(username) > 60 or not username.replace("_", "").replace(".", "").isalnum():
        raise AccountError("username", "用户名为 60 位以内的字母、数字、下划线或点")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError("username", f"用户名 {username} 已存在")
    if role not in {r.value for r in Role}:
        raise AccountError("role", "请选择角色")
    authority_id = data.get("authority_id")
    authority = db.session.get(Authority, authority_id) if authority_id else None
    if authority is None and role != Role.ADMIN:
        raise AccountError("authority_id", "录入员和审核员必须属于一个处罚机关")
    problem = password_problem(data.get("password", ""))
    if problem:
        raise AccountError("password", problem)
    user = User(username=username, display_name=data.get("display_name") or username, role=role,
                authority_id=authority.id if authority else None, created_at=now,
                password_hash=hash_password(data["password"]), password_changed_at=now)
    db.session.add(user)
    db.session.flush()
    log_event(actor, "user.create", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id,
              after={"username": username, "role": role, "display_name": user.display_name})
    return user


def deactivate_user(user: User, *, actor: Actor, now: datetime) -> None:
    """Stop an account from signing in; its sessions end at their next request."""
    if actor.kind == "user" and actor.id == user.id:
        raise AccountError("user", "不能停用自己的账户")
    if not user.is_active:
        return
    user.is_active = False
    log_event(actor, "user.deactivate", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id, before={"is_active": True},
              after={"is_active": False})
    db.session.flush()


def unlock_user(user: User, *, actor: Actor, now: datetime) -> None:
    """Lift a lockout before its 15 minutes are over (an admin, after checking who it was)."""
    if user.locked_until is None or user.locked_until <= now:
        return
    before = {"locked_until": user.locked_until}
    user.locked_until, user.failed_logins = None, 0
    log_event(actor, "user.unlock", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id, before=before, after={"locked_until": None})
    db.session.flush()
