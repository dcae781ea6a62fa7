"""The lists in the console: blacklist proposals and entries, credit repair, the red list.

Reviewers (审核) act, every official sees; each acts on their own authority's
records (admins: all). The rules live in `service.lists.operations`; a refusal
(RuleViolation) is shown in Chinese next to the field or above the form, and
the request's writes are rolled back so that nothing is half-done.
"""

from __future__ import annotations

import re
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import or_, select

from service.console import add_nav, bp
from service.console.auth import login_required, require
from service.console.permissions import ADMIN, can
from service.core import clock
from service.core.actors import Actor
from service.core.db import db, transactional
from service.lists import operations as ops
from service.lists import queries
from service.lists.models import EntryStatus, ListEntry, RepairApplication
from service.public.labels import BASIS_LABELS
from service.register.identifiers import clean_code
from service.register.models import Authority, Decision, Subject
from service.register.names import name_key
from service.rules.refusals import RuleViolation

add_nav("console.lists", "名单管理", "list.view")
add_nav("console.repairs", "信用修复", "list.view")
add_nav("console.redlist", "红名单", "list.view")

FIELD_LABELS = {
    "notified_on": "陈述申辩告知日期", "reason": "理由", "basis_text": "依据",
    "decision_ids": "依据的处罚决定", "applicant": "申请人", "evidence": "履行证明材料",
    "commitment": "信用承诺", "performed_on": "履行完毕日期", "note": "审核意见",
    "ends_on": "截止日期", "authority": "推荐单位", "target": "修复对象",
    "decision_id": "处罚决定", "list_entry_id": "名单记录", "subject": "主体",
}
REFUSAL_TEXT = {
    "too_early": "未满最短期限，最早可于 {date} 起办理",
    "not_performed": "行政处罚尚未履行完毕：请填写履行完毕日期并附证明",
    "no_commitment": "须提交信用承诺",
    "new_penalty": "列入后又受到严重失信行政处罚（{refs}）",
    "not_published": "只有已公示且未撤销的处罚决定才能修复",
    "already_repaired": "该处罚信息已完成信用修复",
    "not_disclosed": "该处罚决定不予公示，无需修复",
    "disclosure_ended": "公示期已满（{date}），无需修复",
    "unrepairable": "该处罚信息依规定不予修复，须公示期满后自动移出",
    "not_blacklist": "只能对严重侵权失信名单申请提前移出",
    "follows_organisation": "该人员随所在单位列入，随单位一并移出",
    "not_in_force": "该名单记录不在有效期内",
    "blacklisted": "该主体已列入严重侵权失信名单，不得列入红名单",
    "recent_penalty": "该主体近期有公示的知识产权行政处罚（{refs}），不得列入红名单",
    "already_red": "该主体已在红名单中",
    "already_listed": "该主体已在严重侵权失信名单中（至 {date}）",
    "not_proposed": "该记录不是待确认的列入建议",
    "basis_revoked": "列入依据已撤销或不再成立，不能确认",
    "proposal_pending": "该主体已有待确认的列入建议，请先确认或驳回",
    "pending_application": "该记录已有待审核的修复申请",
    "not_pending": "该申请已处理",
    "not_found": "未找到该记录",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REFS = re.compile(r"\(([^;()]+);")
_ZH_NOTE = re.compile(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)\s*$")


def refusal_text(code: str, message: str) -> str:
    """A refusal in Chinese: the known sentence with its date or references filled in."""
    template = REFUSAL_TEXT.get(code)
    if template is None:
        note = _ZH_NOTE.search(message)
        return note.group(1).split("; ")[-1] if note else message
    dates = _DATE.findall(message)
    refs = _REFS.search(message)
    return template.format(date=dates[0] if dates else "", refs=refs.group(1) if refs else "")


def rule_errors(exc: RuleViolation) -> tuple[dict[str, str], list[str]]:
    """Field messages and general messages, in Chinese, for a refusal."""
    fields: dict[str, str] = {}
    general: list[str] = []
    for refusal in exc.refusals:
        if refusal.code == "required" and refusal.field:
            fields[refusal.field] = f"请填写{FIELD_LABELS.get(refusal.field, refusal.field)}"
            continue
        text = refusal_text(refusal.code, refusal.message)
        if refusal.field in FIELD_LABELS and refusal.field not in ("target", "subject"):
            fields[refusal.field] = text
        else:
            general.append(text)
    return fields, general


def refuse(exc: RuleViolation, template: str, status: int | None = None, **context):
    """Roll the request back and show the form again with the refusal in Chinese."""
    db.session.rollback()
    fields, general = rule_errors(exc)
    return render_template(template, errors=fields, problems=general, **context), (
        status or exc.status)


def parse_date(name: str, errors: dict[str, str], *, required: bool = False) -> date | None:
    text = request.form.get(name, "").strip()
    if not text:
        if required:
            errors[name] = f"请填写{FIELD_LABELS.get(name, name)}"
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = f"{FIELD_LABELS.get(name, name)}格式应为 YYYY-MM-DD"
        return None


def scope(user) -> int | None:
    """The authority whose records the user works on; None for admins (all)."""
    return None if user.role == ADMIN else user.authority_id


def find_subject(text: str) -> tuple[Subject | None, str | None]:
    """A subject by USCC, or by exact name; a message when none or several match."""
    text = (text or "").strip()
    if not text:
        return None, "请输入统一社会信用代码或名称"
    code = clean_code(text)
    found = list(db.session.scalars(select(Subject).where(
        or_(Subject.uscc == code, Subject.name_key == name_key(text))).limit(5)))
    if not found:
        return None, f"未找到主体：{text}"
    if len(found) > 1:
        return None, "有多个同名主体，请输入统一社会信用代码"
    return found[0], None


def _actor(user) -> Actor:
    return Actor.user(user)


def _entry(entry_id: int, kind: str) -> ListEntry:
    entry = db.session.get(ListEntry, entry_id)
    if entry is None or entry.list_kind != kind:
        abort(404)
    return entry


# ---------------------------------------------------------------- blacklist


def _lists_page(user, *, errors=None, problems=None, status=200):
    today = clock.today()
    authority_id = scope(user)
    page = max(request.args.get("page", 1, type=int), 1)
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
    entry = _entry(entry_id, "black")
    user = require("list.confirm", entry)
    errors: dict[str, str] = {}
    notified_on = parse_date("notified_on", errors, required=True)
    if errors:
        return _lists_page(user, errors={entry.id: errors}, status=422)
    try:
        ops.confirm_listing(entry, notified_on=notified_on, actor=_actor(user),
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
    entry = _entry(entry_id, "black")
    user = require("list.reject", entry)
    try:
        ops.reject_proposal(entry, reason=request.form.get("reason", ""), actor=_actor(user),
                            now=clock.now(), today=clock.today())
    except RuleViolation as exc:
        db.session.rollback()
        fields, general = rule_errors(exc)
        return _lists_page(user, errors={entry_id: fields}, problems=general, status=exc.status)
    flash(f"已驳回对 {entry.subject.name} 的列入建议。", "success")
    return redirect(url_for("console.lists"))


def _subject_decisions(subject: Subject, authority_id: int | None) -> list[Decision]:
    stmt = select(Decision).where(Decision.subject_id == subject.id,
                                  Decision.status == "published", Decision.revoked_at.is_(None))
    if authority_id is not None:
        stmt = stmt.where(Decision.authority_id == authority_id)
    return list(db.session.scalars(stmt.order_by(Decision.decided_on.desc())))


def _authority_choice(user, errors: dict[str, str], name: str = "authority_id"):
    """The user's authority; an admin chooses one."""
    if user.role != ADMIN:
        return user.authority
    authority = db.session.get(Authority, request.values.get(name, type=int) or 0)
    if authority is None:
        errors[name] = "请选择机关"
    return authority


def _authorities(user) -> list[Authority]:
    if user.role != ADMIN:
        return [user.authority] if user.authority else []
    return list(db.session.scalars(select(Authority).order_by(Authority.name)))


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
    authorities = _authorities(user)
    return {"subject": subject, "authorities": authorities,
            "authority_options": [(a.id, a.name) for a in authorities],
            "decisions": _subject_decisions(subject, scope(user)) if subject else []}


@bp.post("/lists/manual")
@login_required()
@transactional
def manual_listing_post():
    user = require("list.manual")
    subject = db.session.get(Subject, request.form.get("subject_id", type=int) or 0) or abort(404)
    errors: dict[str, str] = {}
    authority = _authority_choice(user, errors)
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
                                  actor=_actor(user), now=clock.now(), today=clock.today(),
                                  authority=authority)
    except RuleViolation as exc:
        return refuse(exc, "console/lists_manual.html", **context)
    flash(f"已将 {subject.name} 列入严重侵权失信名单，至 {entry.scheduled_end_on}。", "success")
    return redirect(url_for("console.lists"))


# ---------------------------------------------------------------- credit repair


def _repair_targets(subject: Subject, user) -> tuple[list[Decision], list[ListEntry]]:
    decisions = [d for d in _subject_decisions(subject, scope(user)) if d.repaired_on is None]
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
        application = ops.submit_repair(data, actor=_actor(user), now=clock.now(),
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
        operation(application, note=request.form.get("note", ""), actor=_actor(user),
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


# ---------------------------------------------------------------- red list


def _redlist_page(user, *, values=None, errors=None, problems=None, status=200):
    today = clock.today()
    entries = queries.list_entries_in_force("red", today, authority_id=scope(user),
                                            page=max(request.args.get("page", 1, type=int), 1))
    authorities = _authorities(user)
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
    authority = _authority_choice(user, errors)
    ends_on = parse_date("ends_on", errors)
    if authority is not None:
        require("red.nominate", authority)
    if errors:
        return _redlist_page(user, values=values, errors=errors, status=422)
    try:
        ops.nominate_red(subject, basis_text=values.get("basis_text", ""), authority=authority,
                         actor=_actor(user), now=clock.now(), today=clock.today(),
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
    entry = _entry(entry_id, "red")
    user = require("red.remove", entry)
    try:
        ops.remove_red(entry, reason=request.form.get("reason", ""), actor=_actor(user),
                       now=clock.now(), today=clock.today())
    except RuleViolation as exc:
        db.session.rollback()
        fields, general = rule_errors(exc)
        return _redlist_page(user, errors={entry_id: fields}, problems=general,
                             status=exc.status)
    flash(f"已将 {entry.subject.name} 移出红名单。", "success")
    return redirect(url_for("console.redlist"))
