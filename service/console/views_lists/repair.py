"""Credit repair (信用修复): record a party's application, approve or deny it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service.console import bp
from service.console.auth import login_required, require
from service.console.permissions import can
from service.console.views_lists._common import (
    acting,
    find_subject,
    parse_date,
    refuse,
    rule_errors,
    scope,
    subject_decisions,
)
from service.core import clock
from service.core.db import db, transactional
from service.lists import operations as ops
from service.lists import queries
from service.lists.models import EntryStatus, ListEntry, RepairApplication
from service.register.models import Decision, Subject
from service.rules.refusals import RuleViolation


def _repair_targets(subject: Subject, user) -> tuple[list[Decision], list[ListEntry]]:
    decisions = [d for d in subject_decisions(subject, scope(user)) if d.repaired_on is None]
    stmt = select(ListEntry).where(ListEntry.subject_id == subject.id,
                                   ListEntry.list_kind == "black",
                                   ListEntry.status == EntryStatus.ACTIVE)
    if scope(user) is not None:
        stmt = stmt.where(ListEntry.authority_id == scope(user))
    return decisions, list(db.session.scalars(stmt))


@bp.get("/repairs")
@login_required()
def repairs():
    user = require("list.view")
    subject, problem, targets = None, None, ([], [])
    if request.args.get("subject"):
        subject, problem = find_subject(request.args["subject"])
        targets = _repair_targets(subject, user) if subject else targets
    decided = select(RepairApplication).where(RepairApplication.status != "pending")
    recent = [a for a in db.session.scalars(
        decided.order_by(RepairApplication.decided_at.desc()).limit(200))
        if can(user, "list.view", a.decision or a.list_entry)][:20]
    return render_template("console/repairs.html", pending=queries.pending_repairs(scope(user)),
                           recent=recent, subject=subject, lookup_problem=problem,
                           decisions=targets[0], entries=targets[1], errors={}, problems=[])


def _repair_target(values) -> Decision | ListEntry:
    if values.get("target") == "decision":
        found = db.session.get(Decision, values.get("decision_id", type=int) or 0)
    elif values.get("target") == "listing":
        found = db.session.get(ListEntry, values.get("list_entry_id", type=int) or 0)
    else:
        found = None
    return found or abort(404)


@bp.get("/repairs/new")
@login_required()
def new_repair():
    target = _repair_target(request.args)
    require("repair.submit", target)
    return render_template("console/repair_form.html", target=target,
                           values=request.args.to_dict(), errors={}, problems=[])


@bp.post("/repairs/new")
@login_required()
@transactional
def new_repair_post():
    target = _repair_target(request.form)
    user = require("repair.submit", target)
    errors: dict[str, str] = {}
    performed_on = parse_date("performed_on", errors)
    values = request.form.to_dict()
    if errors:
        return render_template("console/repair_form.html", target=target, values=values,
                               errors=errors, problems=[]), 422
    data = {**values, "performed_on": performed_on,
            "decision_id": request.form.get("decision_id", type=int),
            "list_entry_id": request.form.get("list_entry_id", type=int)}
    try:
        application = ops.submit_repair(data, actor=acting(user), now=clock.now(),
                                        today=clock.today())
    except RuleViolation as exc:
        return refuse(exc, "console/repair_form.html", target=target, values=values)
    flash(f"已登记 {application.applicant} 的信用修复申请（编号 {application.id}），待审核。",
          "success")
    return redirect(url_for("console.repairs"))


@bp.post("/repairs/<int:application_id>/<any(approve, deny):verdict>")
@login_required()
@transactional
def decide_repair(application_id: int, verdict: str):
    application = db.session.get(RepairApplication, application_id) or abort(404)
    user = require("repair.decide", application.decision or application.list_entry)
    operation = ops.approve_repair if verdict == "approve" else ops.deny_repair
    try:
        operation(application, note=request.form.get("note", ""), actor=acting(user),
                  now=clock.now(), today=clock.today())
    except RuleViolation as exc:
        db.session.rollback()
        fields, general = rule_errors(exc)
        for message in [*general, *fields.values()]:
            flash(f"申请 {application_id}：{message}", "error")
        return redirect(url_for("console.repairs"), 303)
    done = "核准，相关信息已停止公示" if verdict == "approve" else "不予修复"
    flash(f"信用修复申请 {application_id} 已{done}。", "success")
    return redirect(url_for("console.repairs"))
