"""Sign in, sign out, change password, and the console's home page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from service.console import bp
from service.console.accounts import (
    AccountError,
    AccountLocked,
    authenticate_user,
    change_password,
)
from service.console.auth import current_user, end_session, login_required, start_session
from service.core import clock
from service.core.db import db, transactional
from service.register.models import Decision


def _safe_next(target: str | None) -> str:
    """Only a path inside the console: never an open redirect to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console/") \
                and not target.startswith("//"):
            return target
    return url_for("console.home")


@bp.get("/login")
def login():
    if current_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    return render_template("console/login.html", next=request.args.get("next", ""))


@bp.post("/login")
@transactional
def login_post():
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    next_url = request.form.get("next", "")
    if not username or not password:
        return render_template("console/login.html", error="请输入用户名和密码。",
                               username=username, next=next_url), 400
    now = clock.now()
    result = authenticate_user(username, password, now=now, client=request.remote_addr)
    if result.user is None:
        return render_template("console/login.html", error=result.error, username=username,
                               next=next_url), 401
    start_session(result.user, now)
    return redirect(_safe_next(next_url))


@bp.post("/logout")
@transactional
def logout():
    end_session()
    flash("您已退出登录。", "info")
    return redirect(url_for("console.login"))


@bp.get("/")
@login_required()
def home():
    user = current_user()
    query = select(Decision.status, func.count()).group_by(Decision.status)
    if user.role != "admin":
        query = query.where(Decision.authority_id == user.authority_id)
    counts = dict(db.session.execute(query).all())
    return render_template("console/home.html", counts=counts)


@bp.get("/password")
@login_required()
def password():
    return render_template("console/password.html", errors={})


@bp.post("/password")
@login_required()
@transactional
def password_post():
    user, now = current_user(), clock.now()
    form = request.form
    try:
        change_password(user, form.get("old_password", ""), form.get("new_password", ""),
                        form.get("repeat_password", ""), now=now, client=request.remote_addr)
    except AccountLocked as exc:
        end_session()
        flash(exc.message, "error")
        return redirect(url_for("console.login"))
    except AccountError as exc:
        return render_template("console/password.html", errors={exc.field: exc.message}), 400
    start_session(user, now)  # other sessions of this user end; this one continues
    flash("密码已修改。", "success")
    return redirect(url_for("console.home"))
