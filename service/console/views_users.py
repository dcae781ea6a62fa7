"""User administration (admins): list, create and deactivate officials' accounts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service.accounts.models import User
from service.console import bp
from service.console.accounts import AccountError, create_user, deactivate_user, unlock_user
from service.console.auth import login_required, require
from service.console.labels import ROLE_LABELS
from service.core import clock
from service.core.actors import Actor
from service.core.db import db, transactional
from service.register.models import Authority

USER_FIELDS = ("username", "display_name", "role", "authority_id", "password")


def _authorities() -> list[Authority]:
    return list(db.session.scalars(select(Authority).order_by(Authority.name)))


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
                           authorities=_authorities(), role_labels=ROLE_LABELS)


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
                               errors={exc.field: exc.message}, authorities=_authorities(),
                               role_labels=ROLE_LABELS), 400
    flash(f"已创建用户 {user.username}（{ROLE_LABELS[user.role]}）。", "success")
    return redirect(url_for("console.users"))


@bp.post("/users/<int:user_id>/deactivate")
@login_required()
@transactional
def deactivate_user_post(user_id: int):
    target = db.session.get(User, user_id) or abort(404)
    admin = require("user.deactivate", target)
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
    target = db.session.get(User, user_id) or abort(404)
    admin = require("user.deactivate", target)  # the same admin right over account state
    unlock_user(target, actor=Actor.user(admin), now=clock.now())
    flash(f"已解除用户 {target.username} 的锁定。", "success")
    return redirect(url_for("console.users"))
