"""User administration (admins): list and create officials' accounts, change their role and
authority, reset their password, deactivate and reactivate them, lift a lockout."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service.accounts.models import User
from service.console import bp
from service.console.accounts import (
    AccountError,
    create_user,
    deactivate_user,
    reactivate_user,
    reset_password,
    unlock_user,
    update_user,
)
from service.console.auth import login_required, require
from service.console.forms import authority_options
from service.console.labels import ROLE_LABELS
from service.console.permissions import can
from service.core import clock
from service.core.actors import Actor
from service.core.db import db, transactional

USER_FIELDS = ("username", "display_name", "role", "authority_id", "password")
SETTING_FIELDS = ("display_name", "role")


@bp.get("/users")
@login_required()
def users():
    require("user.list")
    rows = db.session.scalars(select(User).order_by(User.is_active.desc(), User.username))
    return render_template("console/users.html", users=list(rows), role_labels=ROLE_LABELS,
                           now=clock.now())


@bp.get("/users/new")
@login_required()
def new_user():
    require("user.create")
    return render_template("console/user_form.html", values={}, errors={},
                           authority_options=authority_options(), role_labels=ROLE_LABELS)


@bp.post("/users/new")
@login_required()
@transactional
def create_user_post():
    admin = require("user.create")
    values = {name: request.form.get(name, "").strip() for name in USER_FIELDS}
    values["password"] = request.form.get("password", "")
    values["authority_id"] = request.form.get("authority_id", type=int)
    try:
        user = create_user(values, actor=Actor.user(admin), now=clock.now())
    except AccountError as exc:
        values.pop("password")
        return render_template("console/user_form.html", values=values,
                               errors={exc.field: exc.message},
                               authority_options=authority_options(), role_labels=ROLE_LABELS), 400
    flash(f"已创建用户 {user.username}（{ROLE_LABELS[user.role]}）。", "success")
    return redirect(url_for("console.users"))


@bp.post("/users/<int:user_id>/deactivate")
@login_required()
@transactional
def deactivate_user_post(user_id: int):
    target, admin = _target("user.deactivate", user_id)
    try:
        deactivate_user(target, actor=Actor.user(admin), now=clock.now())
    except AccountError as exc:
        flash(exc.message, "error")
        return redirect(url_for("console.users"))
    flash(f"已停用用户 {target.username}。", "success")
    return redirect(url_for("console.users"))


@bp.post("/users/<int:user_id>/unlock")
@login_required()
@transactional
def unlock_user_post(user_id: int):
    target, admin = _target("user.deactivate", user_id)  # the same admin right over account state
    unlock_user(target, actor=Actor.user(admin), now=clock.now())
    flash(f"已解除用户 {target.username} 的锁定。", "success")
    return redirect(url_for("console.users"))


def _target(action: str, user_id: int) -> tuple[User, User]:
    """The user acted on (404 if there is none) and the admin allowed to act (403 if not)."""
    target = db.session.get(User, user_id) or abort(404)
    return target, require(action, target)


def _edit_page(target: User, errors: dict[str, str], values: dict | None = None,
               status: int = 200):
    values = values or {"display_name": target.display_name, "role": target.role,
                        "authority_id": target.authority_id}
    return render_template("console/user_edit.html", target=target, values=values,
                           errors=errors, authority_options=authority_options(),
                           role_labels=ROLE_LABELS, now=clock.now()), status


@bp.get("/users/<int:user_id>/edit")
@login_required()
def edit_user(user_id: int):
    target, _admin = _target("user.update", user_id)
    return _edit_page(target, {})


@bp.post("/users/<int:user_id>/edit")
@login_required()
@transactional
def edit_user_post(user_id: int):
    target, admin = _target("user.update", user_id)
    values = {name: request.form.get(name, "").strip() for name in SETTING_FIELDS}
    values["authority_id"] = request.form.get("authority_id", type=int)
    try:
        changed = update_user(target, values, actor=Actor.user(admin), now=clock.now())
    except AccountError as exc:
        return _edit_page(target, {exc.field: exc.message}, values, 400)
    flash(f"已修改用户 {target.username}：{ROLE_LABELS[target.role]}。" if changed
          else "没有修改任何内容。", "success" if changed else "info")
    # An admin who just stepped down no longer sees the users page.
    return redirect(url_for("console.users" if can(admin, "user.list") else "console.home"))


@bp.post("/users/<int:user_id>/password")
@login_required()
@transactional
def reset_password_post(user_id: int):
    target, admin = _target("user.reset_password", user_id)
    try:
        reset_password(target, request.form.get("new_password", ""),
                       request.form.get("repeat_password", ""), actor=Actor.user(admin),
                       now=clock.now())
    except AccountError as exc:
        return _edit_page(target, {exc.field: exc.message}, status=400)
    flash(f"已重置用户 {target.username} 的密码，其登录已全部失效；"
          f"请将新密码告知本人，其登录后须先设置自己的密码。", "success")
    return redirect(url_for("console.users"))


@bp.post("/users/<int:user_id>/reactivate")
@login_required()
@transactional
def reactivate_user_post(user_id: int):
    target, admin = _target("user.reactivate", user_id)
    reactivate_user(target, actor=Actor.user(admin), now=clock.now())
    flash(f"已重新启用用户 {target.username}。", "success")
    return redirect(url_for("console.users"))
