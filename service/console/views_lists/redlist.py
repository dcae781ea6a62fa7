"""The red list (红名单): nominate (the exclusion rule is the rules'), remove with a reason."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

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
    rule_errors,
    scope,
)
from service.core import clock
from service.core.db import db, transactional
from service.lists import operations as ops
from service.lists import queries
from service.rules.refusals import RuleViolation


def _redlist_page(user, *, values=None, errors=None, problems=None, status=200):
    today = clock.today()
    entries = queries.list_entries_in_force("red", today, authority_id=scope(user),
                                            page=page_arg())
    authorities = authorities_for(user)
    return render_template("console/redlist.html", entries=entries, today=today,
                           authorities=authorities, values=values or {},
                           authority_options=[(a.id, a.name) for a in authorities],
                           errors=errors or {}, problems=problems or []), status


@bp.get("/redlist")
@login_required()
def redlist():
    return _redlist_page(require("list.view"))


@bp.post("/redlist/nominate")
@login_required()
@transactional
def nominate_red():
    user = require("red.nominate")
    values = request.form.to_dict()
    errors: dict[str, str] = {}
    subject, problem = find_subject(values.get("subject", ""))
    if problem:
        errors["subject"] = problem
    authority = chosen_authority(user, errors)
    ends_on = parse_date("ends_on", errors)
    if authority is not None:
        require("red.nominate", authority)
    if errors:
        return _redlist_page(user, values=values, errors=errors, status=422)
    try:
        ops.nominate_red(subject, basis_text=values.get("basis_text", ""), authority=authority,
                         actor=acting(user), now=clock.now(), today=clock.today(),
                         ends_on=ends_on)
    except RuleViolation as exc:
        db.session.rollback()
        fields, general = rule_errors(exc)
        return _redlist_page(user, values=values, errors=fields, problems=general,
                             status=exc.status)
    flash(f"已将 {subject.name} 列入红名单。", "success")
    return redirect(url_for("console.redlist"))


@bp.post("/redlist/<int:entry_id>/remove")
@login_required()
@transactional
def remove_red(entry_id: int):
    entry = entry_or_404(entry_id, "red")
    user = require("red.remove", entry)
    try:
        ops.remove_red(entry, reason=request.form.get("reason", ""), actor=acting(user),
                       now=clock.now(), today=clock.today())
    except RuleViolation as exc:
        db.session.rollback()
        fields, general = rule_errors(exc)
        return _redlist_page(user, errors={entry_id: fields}, problems=general,
                             status=exc.status)
    flash(f"已将 {entry.subject.name} 移出红名单。", "success")
    return redirect(url_for("console.redlist"))
