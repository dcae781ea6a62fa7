"""What the list pages share: refusals in Chinese, dates, the user's scope, subject lookup."""

from __future__ import annotations

import re
from datetime import date

from flask import abort, render_template, request
from sqlalchemy import or_, select

from service.console.permissions import ADMIN
from service.core.actors import Actor
from service.core.db import db
from service.lists.models import ListEntry
from service.register.identifiers import clean_code
from service.register.models import Authority, Decision, Subject
from service.register.names import name_key
from service.rules.refusals import RuleViolation

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


def acting(user) -> Actor:
    return Actor.user(user)


def entry_or_404(entry_id: int, kind: str) -> ListEntry:
    entry = db.session.get(ListEntry, entry_id)
    if entry is None or entry.list_kind != kind:
        abort(404)
    return entry


def subject_decisions(subject: Subject, authority_id: int | None) -> list[Decision]:
    stmt = select(Decision).where(Decision.subject_id == subject.id,
                                  Decision.status == "published", Decision.revoked_at.is_(None))
    if authority_id is not None:
        stmt = stmt.where(Decision.authority_id == authority_id)
    return list(db.session.scalars(stmt.order_by(Decision.decided_on.desc())))


def chosen_authority(user, errors: dict[str, str], name: str = "authority_id"):
    """The user's authority; an admin chooses one."""
    if user.role != ADMIN:
        return user.authority
    authority = db.session.get(Authority, request.values.get(name, type=int) or 0)
    if authority is None:
        errors[name] = "请选择机关"
    return authority


def authorities_for(user) -> list[Authority]:
    if user.role != ADMIN:
        return [user.authority] if user.authority else []
    return list(db.session.scalars(select(Authority).order_by(Authority.name)))
