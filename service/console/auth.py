"""Console sign-in state: the current user, the login session and the access decorators.

The session is Flask's signed cookie. Signing in clears it and starts a new one
(no session fixation); it records the password's change time, so changing the
password ends every other session, and when it started, so it ends after
SESSION_LIFETIME whatever the browser does. Logging out records the session's id
(`EndedSession`), so a copy of the cookie does not sign anyone in afterwards. An admin
ends all of a user's sessions at once (deactivation, password reset) by stamping
`User.sessions_ended_at`: the server does not know their ids, only when they started.
"""

from __future__ import annotations

import functools
import secrets
from datetime import datetime

from flask import abort, g, has_request_context, redirect, request, session, url_for
from sqlalchemy import delete

from service.accounts.models import EndedSession, User
from service.audit.operations import log_event
from service.console import SESSION_LIFETIME
from service.console.labels import DECISION_STATUS_LABELS, ROLE_LABELS
from service.console.permissions import can, why_not
from service.core import clock
from service.core.actors import Actor
from service.core.db import db

_USER_KEY = "console_user"
# All a user whose password an admin has reset may open until they choose their own.
_PASSWORD_PAGES = frozenset({"console.password", "console.password_post"})


def _stamp(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def start_session(user: User, now: datetime) -> None:
    """A fresh session for a user who has just proved their password."""
    _clear()
    session.permanent = True
    session[_USER_KEY] = {"id": user.id, "at": now.isoformat(), "sid": secrets.token_urlsafe(16),
                          "pw": _stamp(user.password_changed_at)}


def end_session() -> None:
    """End this browser's session; a signed-in one is remembered as ended until it expires."""
    state, user = session.get(_USER_KEY), current_user()
    if user is not None:  # the caller commits
        now = clock.now()
        started = datetime.fromisoformat(state["at"])
        db.session.execute(delete(EndedSession).where(EndedSession.expires_at < now))
        db.session.merge(EndedSession(sid=state["sid"], user_id=user.id, ended_at=now,
                                      expires_at=started + SESSION_LIFETIME))
        log_event(Actor.user(user), "user.logout", now=now, object_type="user",
                  object_id=user.id, authority_id=user.authority_id)
    _clear()


def _clear() -> None:
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's cached token belonged to the old session
    if hasattr(request, "_console_user"):
        del request._console_user


def current_user() -> User | None:
    """The signed-in, active user of this request, or None."""
    if not has_request_context():
        return None
    # Kept on the request, not on `g`: an app context may outlive one request (tests).
    if not hasattr(request, "_console_user"):
        request._console_user = _load_user()
    return request._console_user


def reload_user() -> None:
    """Load this request's user again when next asked (after a step that emptied the session:
    the bulk importer expunges every batch, and a detached user cannot lazy-load its authority)."""
    if has_request_context() and hasattr(request, "_console_user"):
        del request._console_user


def _load_user() -> User | None:
    state = session.get(_USER_KEY)
    if not isinstance(state, dict):
        return None
    try:
        started = datetime.fromisoformat(state["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if clock.now() - started > SESSION_LIFETIME:
        return None
    sid = state.get("sid")
    if not isinstance(sid, str) or db.session.get(EndedSession, sid) is not None:  # logged out
        return None
    user = db.session.get(User, state.get("id"))
    if user is None or not user.is_active or state.get("pw") != _stamp(user.password_changed_at):
        return None
    if user.sessions_ended_at is not None and started <= user.sessions_ended_at:
        return None  # ended by an admin (deactivation, password reset)
    return user


def login_required(*roles: str):
    """Send anonymous visitors to the login page; refuse (403) users of other roles."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(url_for("console.login", next=request.full_path.rstrip("?")))
            if user.must_change_password and request.endpoint not in _PASSWORD_PAGES:
                return redirect(url_for("console.password"))
            if roles and user.role not in roles:
                abort(403, "您的角色无权访问此页面。")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def require(action: str, obj=None) -> User:
    """The current user if they may do `action` to `obj`; else stop with 403."""
    user = current_user()
    if not can(user, action, obj):
        abort(403, why_not(user, action, obj))
    return user


def template_context() -> dict:
    from service.console import NAV

    return {"console_user": current_user, "can": can, "console_nav": NAV,
            "role_label": ROLE_LABELS.get, "decision_status_label": DECISION_STATUS_LABELS.get}
