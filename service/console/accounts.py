"""Account operations for the console: sign in with lockout, change password, manage users
(create, change role and authority, reset the password, deactivate and reactivate).

Plain functions taking the actor and the clock; they only flush and write the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
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
# What an admin may change on an account (besides its password and whether it is active).
USER_SETTINGS = ("display_name", "role", "authority_id")
LAST_ADMIN = "这是唯一启用的管理员账户，不能{}：系统须至少保留一名管理员，请先将其他用户设为管理员"
# Verified when the username is unknown, so that the answer takes as long either way.
_DUMMY_HASH = hash_password("not-a-real-password-0")


class AccountError(Exception):
    """A refused account action: the field concerned and a message in Chinese."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


class AccountLocked(AccountError):
    """Too many wrong passwords: the account is locked and its sessions end."""


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


def _count_failure(user: User, now: datetime, client: str | None,
                   action: str = "user.login_failed") -> str:
    user.failed_logins = (user.failed_logins or 0) + 1
    actor = Actor.user(user)
    log_event(actor, action, now=now, object_type="user", object_id=user.id,
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


def _check_new_password(new: str, repeat: str, *, is_old: Callable[[], bool]) -> None:
    """The rules for a new password, by whoever sets it (`is_old` is asked last: it may
    have to verify a hash)."""
    if new != repeat:
        raise AccountError("repeat_password", "两次输入的新密码不一致")
    problem = password_problem(new) or ("新密码不能与原密码相同" if is_old() else None)
    if problem:
        raise AccountError("new_password", problem)


def change_password(user: User, old: str, new: str, repeat: str, *, now: datetime,
                    client: str | None = None) -> None:
    """Replace a user's password after checking the old one and the strength rule.

    A wrong old password counts as a failed login: a signed-in session left unattended
    must not become a way to guess the password without the lockout. The fifth locks
    the account and ends all of its sessions (AccountLocked).
    """
    if not verify_password(user.password_hash, old):
        message = _count_failure(user, now, client, "user.password_change_failed")
        if user.locked_until is not None and user.locked_until > now:
            user.sessions_ended_at = now
            db.session.flush()
            raise AccountLocked("old_password", message)
        raise AccountError("old_password", "原密码不正确")
    _check_new_password(new, repeat, is_old=lambda: new == old)
    user.password_hash, user.password_changed_at = hash_password(new), now
    user.failed_logins = 0
    details = {"after_reset": True} if user.must_change_password else None
    user.must_change_password = False
    log_event(Actor.user(user), "user.password_change", now=now, object_type="user",
              object_id=user.id, authority_id=user.authority_id, details=details)
    db.session.flush()


def create_user(data: dict, *, actor: Actor, now: datetime) -> User:
    """Create an official's account from the admin's form (already stripped strings)."""
    username = data.get("username", "")
    if not username:
        raise AccountError("username", "必填")
    # As the demo and CLI accounts are named (demo-reviewer): letters, digits, _ . and -.
    if len(username) > 60 or not username.replace("_", "").replace(".", "").replace(
            "-", "").isalnum():
        raise AccountError("username", "用户名为 60 位以内的字母、数字、下划线、连字符或点")
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError("username", f"用户名 {username} 已存在")
    if len(data.get("display_name") or "") > 100:  # the column's length (PostgreSQL: an error)
        raise AccountError("display_name", "姓名最多 100 个字")
    role, authority = _role_and_authority(data)
    problem = password_problem(data.get("password", ""))
    if problem:
        raise AccountError("password", problem)
    user = User(username=username, display_name=data.get("display_name") or username, role=role,
                authority_id=authority.id if authority else None, created_at=now,
                password_hash=hash_password(data["password"]), password_changed_at=now,
                must_change_password=True)  # the admin knows it: the user sets their own
    db.session.add(user)
    db.session.flush()
    log_event(actor, "user.create", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id,
              after={"username": username, "role": role, "display_name": user.display_name,
                     "must_change_password": True})
    return user


def _role_and_authority(data: dict) -> tuple[str, Authority | None]:
    role = data.get("role", "")
    if role not in {r.value for r in Role}:
        raise AccountError("role", "请选择角色")
    authority_id = data.get("authority_id")
    authority = db.session.get(Authority, authority_id) if authority_id else None
    if authority is None and role != Role.ADMIN:
        raise AccountError("authority_id", "录入员和审核员必须属于一个处罚机关")
    return role, authority


def _is_last_admin(user: User) -> bool:
    """Whether `user` is the only active admin.

    Every active admin's row is locked until commit (PostgreSQL), so that two admins
    demoting each other at once cannot both succeed.
    """
    if user.role != Role.ADMIN or not user.is_active:
        return False
    admins = db.session.scalars(select(User.id).where(
        User.role == Role.ADMIN, User.is_active.is_(True)).with_for_update()).all()
    return not set(admins) - {user.id}


def update_user(user: User, data: dict, *, actor: Actor, now: datetime) -> bool:
    """Change an account's name, role or authority; return False when nothing changed.

    The new role applies from the user's next request (permissions are read each time).
    """
    role, authority = _role_and_authority(data)
    display_name = data.get("display_name") or user.display_name
    if len(display_name) > 100:
        raise AccountError("display_name", "姓名最多 100 个字")
    if role != Role.ADMIN and _is_last_admin(user):
        raise AccountError("role", LAST_ADMIN.format("改为其他角色"))
    before = {name: getattr(user, name) for name in USER_SETTINGS}
    after = {"display_name": display_name, "role": role,
             "authority_id": authority.id if authority else None}
    changed = [name for name in USER_SETTINGS if after[name] != before[name]]
    if not changed:
        return False
    for name in changed:
        setattr(user, name, after[name])
    log_event(actor, "user.update", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id, before={k: before[k] for k in changed},
              after={k: after[k] for k in changed})
    db.session.flush()
    return True


def reset_password(user: User, new: str, repeat: str, *, actor: Actor, now: datetime) -> None:
    """Set a password an admin chose; end the user's sessions and lift any lockout.

    The same rules as a change of password apply; at the next sign-in the console asks
    the user for a password of their own before anything else (must_change_password).
    """
    if actor.kind == "user" and actor.id == user.id:
        raise AccountError("new_password", "请在“修改密码”页面修改您自己的密码")
    _check_new_password(new, repeat, is_old=lambda: verify_password(user.password_hash, new))
    before = {"password_changed_at": user.password_changed_at,
              "must_change_password": user.must_change_password,
              "locked_until": user.locked_until}
    user.password_hash = hash_password(new)
    user.password_changed_at = user.sessions_ended_at = now
    user.must_change_password, user.failed_logins, user.locked_until = True, 0, None
    log_event(actor, "user.password_reset", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id, before=before,
              after={"password_changed_at": now, "must_change_password": True,
                     "locked_until": None, "sessions_ended_at": now})
    db.session.flush()


def deactivate_user(user: User, *, actor: Actor, now: datetime) -> None:
    """Stop an account from signing in and end its sessions (even after a reactivation)."""
    if actor.kind == "user" and actor.id == user.id:
        raise AccountError("user", "不能停用自己的账户")
    if not user.is_active:
        return
    if _is_last_admin(user):
        raise AccountError("user", LAST_ADMIN.format("停用"))
    user.is_active, user.sessions_ended_at = False, now
    log_event(actor, "user.deactivate", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id, before={"is_active": True},
              after={"is_active": False, "sessions_ended_at": now})
    db.session.flush()


def reactivate_user(user: User, *, actor: Actor, now: datetime) -> None:
    """Let a deactivated account sign in again (its old sessions stay ended)."""
    if user.is_active:
        return
    user.is_active, user.failed_logins, user.locked_until = True, 0, None
    log_event(actor, "user.reactivate", now=now, object_type="user", object_id=user.id,
              authority_id=user.authority_id, before={"is_active": False},
              after={"is_active": True})
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
