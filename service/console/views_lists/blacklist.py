"""Blacklist proposals (confirm with the notice date, or reject with a reason), manual listing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service.console import bp
from service.console.auth import login_required, require
from service.console.paging import page_arg
from service.console.views_lists._common import (
    acting,
    authorities_for,
    chosen_authority,
    entry_or_404,
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
from service.public.labels import BASIS_LABELS
from service.register.models import Decision, Subject
from service.rules.refusals import RuleViolation


def _lists_page(user, *, errors=None, problems=None, status=200):
    today = clock.today()
    authority_id = scope(user)
    page = page_arg()
    proposals = queries.proposals(authority_id)
    entries = queries.list_entries_in_force("black", today, authority_id=authority_id,
                                            query=request.args.get("q"), page=page)
    return render_template("console/lists.html", proposals=proposals, entries=entries,
                           today=today, basis_labels=BASIS_LABELS, errors=errors or {},
                           problems=problems or [], q=request.args.get("q", "")), status


@bp.get("/lists")
@login_required()
def lists():
    return _lists_page(require("list.view"))


@bp.post("/lists/<int:entry_id>/confirm")
@login_required()
@transactional
def confirm_listing(entry_id: int):
    entry = entry_or_404(entry_id, "black")
    user = require("list.confirm", entry)
    errors: dict[str, str] = {}
    notified_on = parse_date("notified_on", errors, required=True)
    if errors:
        return _lists_page(user, errors={entry.id: errors}, status=422)
    try:
        ops.confirm_listing(entry, notified_on=notified_on, actor=acting(user),
                            now=clock.now(), today=clock.today())
    except RuleViolation as exc:
        db.session.rollback()
        fields, general = rule_errors(exc)
        return _lists_page(user, errors={entry_id: fields}, problems=general, status=exc.status)
    flash(f"已确认将 {entry.subject.name} 列入严重侵权失信名单，自 {entry.starts_on} 起至 "
          f"{entry.scheduled_end_on}。", "success")
    return redirect(url_for("console.lists"))


@bp.post("/lists/<int:entry_id>/reject")
@login_required()
@transactional
def reject_proposal(entry_id: int):
    entry = entry_or_404(entry_id, "black")
    user = require("list.reject", entry)
    try:
        ops.reject_proposal(entry, reason=request.form.get("reason", ""), actor=acting(user),
                            now=clock.now(), today=clock.today())
    except RuleViolation as exc:
        db.session.rollback()
        fields, general = rule_errors(exc)
        return _lists_page(user, errors={entry_id: fields}, problems=general, status=exc.status)
    flash(f"已驳回对 {entry.subject.name} 的列入建议。", "success")
    return redirect(url_for("console.lists"))


@bp.get("/lists/manual")
@login_required()
def manual_listing():
    user = require("list.manual")
    subject, problem = (None, None)
    if request.args.get("subject"):
        subject, problem = find_subject(request.args["subject"])
    return render_template("console/lists_manual.html", **_manual_context(user, subject),
                           values=dict(request.args), errors={}, problems=[],
                           lookup_problem=problem)


def _manual_context(user, subject: Subject | None) -> dict:
    authorities = authorities_for(user)
    return {"subject": subject, "authorities": authorities,
            "authority_options": [(a.id, a.name) for a in authorities],
            "decisions": subject_decisions(subject, scope(user)) if subject else []}


@bp.post("/lists/manual")
@login_required()
@transactional
def manual_listing_post():
    user = require("list.manual")
    subject = db.session.get(Subject, request.form.get("subject_id", type=int) or 0) or abort(404)
    errors: dict[str, str] = {}
    authority = chosen_authority(user, errors)
    notified_on = parse_date("notified_on", errors, required=True)
    ids = [int(v) for v in request.form.getlist("decision_ids") if v.isdigit()]
    for decision in db.session.scalars(select(Decision).where(Decision.id.in_(ids))):
        require("list.manual", decision)  # another authority's decision: 403
    context = dict(_manual_context(user, subject), values=request.form.to_dict(),
                   lookup_problem=None)
    if authority is not None:
        require("list.manual", authority)
    if errors:
        return render_template("console/lists_manual.html", errors=errors, problems=[],
                               **context), 422
    try:
        entry = ops.list_manually(subject, basis_text=request.form.get("basis_text", ""),
                                  decision_ids=ids, notified_on=notified_on,
                                  actor=acting(user), now=clock.now(), today=clock.today(),
                                  authority=authority)
    except RuleViolation as exc:
        return refuse(exc, "console/lists_manual.html", **context)
    flash(f"已将 {subject.name} 列入严重侵权失信名单，至 {entry.scheduled_end_on}。", "success")
    return redirect(url_for("console.lists"))
