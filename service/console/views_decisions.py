"""Decisions in the console: list, enter, edit, submit, review, correct, revoke, history.

Each view: check the permission (`require`), parse the form, call one register
operation, commit once (`transactional`), redirect. A refused operation rolls
back and shows its reason next to the field it concerns.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select

from service.accounts.models import User
from service.console import bp
from service.console.auth import login_required, require
from service.console.forms import (
    LABELS,
    OPTIONS,
    REGISTER_ERRORS,
    all_authorities,
    field_errors,
    form_values,
    in_page_order,
    record_from,
    values_of,
)
from service.console.labels import REVISION_ACTION_LABELS
from service.console.operations import edit_draft
from service.console.paging import page_arg
from service.core import clock
from service.core.actors import Actor
from service.core.db import db, transactional
from service.register import operations as register
from service.register.models import Authority, Decision, DecisionStatus
from service.register.operations import RegisterError
from service.register.responsible import describe
from service.register.schemas import load_decision

PAGE_SIZE = 50
STATUSES = tuple(s.value for s in DecisionStatus)


def _decision(decision_id: int) -> Decision:
    return db.session.get(Decision, decision_id) or abort(404)


def _refused(exc: RegisterError) -> dict[str, list[str]]:
    """Undo the request's writes and say why, next to the field concerned."""
    db.session.rollback()
    return {exc.field or "form": [REGISTER_ERRORS.get(exc.code, exc.message)]}


# ---------------------------------------------------------------- list


@bp.get("/decisions")
@login_required()
def decisions():
    user = require("decision.list")
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()
    page = page_arg()
    query = select(Decision)
    if user.role != "admin":
        query = query.where(Decision.authority_id == user.authority_id)
    if status in STATUSES:
        query = query.where(Decision.status == status)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Decision.number.like(like), Decision.party_name.like(like),
                                Decision.uscc == q.upper()))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(query.order_by(Decision.updated_at.desc(), Decision.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return render_template("console/decisions.html", decisions=list(rows), total=total,
                           status=status, q=q, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))


# ---------------------------------------------------------------- enter and edit


def _render_form(values: dict, errors: dict, *, decision: Decision | None = None,
                 mode: str = "new", status: int = 200):
    return render_template("console/decision_form.html", values=values,
                           errors=in_page_order(errors),
                           decision=decision, mode=mode, labels=LABELS, options=OPTIONS,
                           authorities=all_authorities()), status


def _chosen_authority(user: User, values: dict) -> Authority:
    """The authority a new decision is for: the user's own; admins choose any."""
    if user.role == "admin":
        return db.session.get(Authority, values["authority_id"]) if values["authority_id"] \
            else None
    if values["authority_id"] and values["authority_id"] != user.authority_id:
        abort(403, "只能为本机关录入处罚决定。")
    return user.authority


def _validate(values: dict, authority: Authority | None):
    """(data, None) or (None, errors in Chinese by form field)."""
    data, errors = load_decision(record_from(values, authority), today=clock.today())
    errors = field_errors(errors or {})
    if authority is None:
        errors.setdefault("authority_id", []).insert(0, "请选择处罚机关")
        data = None
    return data, errors


@bp.get("/decisions/new")
@login_required()
def new_decision():
    user = require("decision.create")
    values = {"party_kind": "法人及非法人组织", "authority_id": user.authority_id,
              "penalty_categories": []}
    return _render_form(values, {})


@bp.post("/decisions/new")
@login_required()
@transactional
def create_decision_post():
    user = require("decision.create")
    values = form_values(request.form)
    authority = _chosen_authority(user, values)
    if authority is not None:
        require("decision.create", authority)
    data, errors = _validate(values, authority)
    if errors:
        return _render_form(values, errors, status=400)
    submit = request.form.get("action") == "submit"
    try:
        decision = register.create_decision(data, actor=Actor.user(user), now=clock.now(),
                                            status="pending" if submit else "draft")
    except RegisterError as exc:
        return _render_form(values, _refused(exc), status=400)
    flash(f"已{'提交审核' if submit else '保存草稿'}：{decision.number}", "success")
    return redirect(url_for("console.decision", decision_id=decision.id))


@bp.get("/decisions/<int:decision_id>/edit")
@login_required()
def edit_decision(decision_id: int):
    decision = _decision(decision_id)
    require("decision.edit", decision)
    if decision.status != DecisionStatus.DRAFT:
        flash("只有草稿可以修改；已公示的决定请使用“更正”。", "error")
        return redirect(url_for("console.decision", decision_id=decision.id))
    return _render_form(values_of(decision), {}, decision=decision, mode="edit")


@bp.post("/decisions/<int:decision_id>/edit")
@login_required()
@transactional
def edit_decision_post(decision_id: int):
    decision = _decision(decision_id)
    user = require("decision.edit", decision)
    values = form_values(request.form) | {"authority_id": decision.authority_id}
    data, errors = _validate(values, decision.authority)
    if errors:
        return _render_form(values, errors, decision=decision, mode="edit", status=400)
    actor, now = Actor.user(user), clock.now()
    submit = request.form.get("action") == "submit"
    try:
        edit_draft(decision, data, actor=actor, now=now)
        if submit:
            register.submit_decision(decision, actor=actor, now=now)
    except RegisterError as exc:
        return _render_form(values, _refused(exc), decision=decision, mode="edit", status=400)
    flash("已保存并提交审核。" if submit else "草稿已保存。", "success")
    return redirect(url_for("console.decision", decision_id=decision.id))


# ---------------------------------------------------------------- workflow


def _workflow(decision_id: int, action: str, run, done: str):
    """Check, run one operation, commit, and go back to the decision with a message."""
    decision = _decision(decision_id)
    user = require(action, decision)
    try:
        run(decision, Actor.user(user), clock.now())
    except RegisterError as exc:
        return _render_detail(decision, _refused(exc), status=400)
    flash(done, "success")
    return redirect(url_for("console.decision", decision_id=decision.id))


@bp.post("/decisions/<int:decision_id>/submit")
@login_required()
@transactional
def submit_decision_post(decision_id: int):
    return _workflow(decision_id, "decision.submit",
                     lambda d, actor, now: register.submit_decision(d, actor=actor, now=now),
                     "已提交审核。")


@bp.post("/decisions/<int:decision_id>/publish")
@login_required()
@transactional
def publish_decision_post(decision_id: int):
    def run(decision, actor, now):
        if decision.status != DecisionStatus.PENDING:  # reviewers publish what was submitted
            raise RegisterError("invalid_status", "not pending", "status")
        register.publish_decision(decision, actor=actor, now=now, today=clock.local_date(now))

    return _workflow(decision_id, "decision.publish", run, "已审核通过并公示。")


@bp.post("/decisions/<int:decision_id>/return")
@login_required()
@transactional
def return_decision_post(decision_id: int):
    comment = request.form.get("comment", "").strip()
    return _workflow(decision_id, "decision.return",
                     lambda d, actor, now: register.return_decision(d, reason=comment,
                                                                    actor=actor, now=now),
                     "已退回录入人修改。")


@bp.post("/decisions/<int:decision_id>/revoke")
@login_required()
@transactional
def revoke_decision_post(decision_id: int):
    kind = request.form.get("kind", "")
    reason = request.form.get("reason", "").strip()

    def run(decision, actor, now):
        register.revoke_decision(decision, kind=kind, reason=reason, actor=actor, now=now,
                                 today=clock.local_date(now))

    return _workflow(decision_id, "decision.revoke", run, "已撤销，该决定已停止公示。")


# ---------------------------------------------------------------- correct


@bp.get("/decisions/<int:decision_id>/correct")
@login_required()
def correct_decision(decision_id: int):
    decision = _decision(decision_id)
    require("decision.correct", decision)
    if decision.status != DecisionStatus.PUBLISHED:
        flash("只有已公示的决定可以更正。", "error")
        return redirect(url_for("console.decision", decision_id=decision.id))
    return _render_form(values_of(decision), {}, decision=decision, mode="correct")


@bp.post("/decisions/<int:decision_id>/correct")
@login_required()
@transactional
def correct_decision_post(decision_id: int):
    decision = _decision(decision_id)
    user = require("decision.correct", decision)
    values = form_values(request.form) | {"authority_id": decision.authority_id,
                                          "reason": request.form.get("reason", "").strip()}
    data, errors = _validate(values, decision.authority)
    if not values["reason"]:
        errors.setdefault("reason", []).append("必填：请说明更正原因")
    if errors:
        return _render_form(values, errors, decision=decision, mode="correct", status=400)
    if decision.status != DecisionStatus.PUBLISHED:
        return _render_form(values, {"form": ["只有已公示的决定可以更正。"]}, decision=decision,
                            mode="correct", status=400)
    now = clock.now()
    try:
        changed = register.correct_decision(decision, data, reason=values["reason"],
                                            actor=Actor.user(user), now=now,
                                            today=clock.local_date(now))
    except RegisterError as exc:
        return _render_form(values, _refused(exc), decision=decision, mode="correct",
                            status=400)
    if not changed:
        return _render_form(values, {"form": ["内容没有变化，无需更正。"]}, decision=decision,
                            mode="correct", status=400)
    flash("已更正，公示页面显示更正后的内容和更正说明。", "success")
    return redirect(url_for("console.decision", decision_id=decision.id))


# ---------------------------------------------------------------- detail


def _render_detail(decision: Decision, errors: dict | None = None, status: int = 200):
    return render_template("console/decision.html", d=decision, errors=errors or {},
                           history=_history(decision), labels=LABELS, options=OPTIONS,
                           form=request.form if errors else {}), status


@bp.get("/decisions/<int:decision_id>")
@login_required()
def decision(decision_id: int):
    decision = _decision(decision_id)
    require("decision.view", decision)
    return _render_detail(decision)


def _history(decision: Decision) -> list[dict]:
    """The revisions, newest first, with the actor's name and the changed fields."""
    users = {}
    for revision in decision.revisions:
        kind, _, ident = revision.actor.partition(":")
        if kind == "user" and ident.isdigit():
            users[revision.actor] = db.session.get(User, int(ident))
    rows = []
    for revision in reversed(decision.revisions):
        who = users.get(revision.actor)
        changes = []
        if revision.action not in ("created",) and (revision.before or revision.after):
            before, after = revision.before or {}, revision.after or {}
            changes = [(LABELS.get(k, k), _shown(before.get(k)), _shown(after.get(k)))
                       for k in sorted(set(before) | set(after))]
        rows.append({"seq": revision.seq, "at": revision.at, "reason": revision.reason,
                     "action": REVISION_ACTION_LABELS.get(revision.action, revision.action),
                     "who": f"{who.display_name}（{who.username}）" if who else revision.actor,
                     "changes": changes})
    return rows


def _shown(value):
    """A snapshot value as the history shows it (the responsible persons on one line)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return describe(value)
    return value


@bp.app_template_global()
def console_user_name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id else None
    return user.display_name if user else "—"




@bp.app_template_filter("console_time")
def console_time(moment) -> str:
    """A timestamp in Beijing time, to the minute."""
    return moment.astimezone(clock.TZ).strftime("%Y-%m-%d %H:%M") if moment else ""
