"""The audit trail (审计日志): who did what to which record, when, before and after.

Filter by user, authority, record (object type and id) and date range; newest
first, paginated. Reviewers see their own authority's records, admins all
(including events that belong to no authority: logins, API clients).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template, request
from sqlalchemy import func, select

from service.accounts.models import ApiClient, User
from service.audit.models import AuditEvent
from service.console import add_nav, bp
from service.console.auth import login_required, require
from service.console.paging import page_arg
from service.console.permissions import ADMIN
from service.core.clock import day_end_utc
from service.core.db import db
from service.register.models import Authority

add_nav("console.audit", "审计日志", "audit.view")

PAGE_SIZE = 50
OBJECT_TYPES = {"decision": "处罚决定", "list_entry": "名单记录",
                "repair_application": "信用修复申请", "user": "用户", "api_client": "API 客户端",
                "subject": "主体", "import": "批量导入"}


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object

    @property
    def changed(self) -> bool:
        return self.before != self.after


def changes(event: AuditEvent) -> list[Change]:
    """Field by field, the values before and after (changed fields first)."""
    before, after = event.before or {}, event.after or {}
    rows = [Change(k, before.get(k), after.get(k)) for k in dict.fromkeys([*before, *after])]
    return sorted(rows, key=lambda c: not c.changed)


def _date(name: str, errors: dict[str, str]) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = "日期格式应为 YYYY-MM-DD"
        return None


def _filters(user, errors: dict[str, str]) -> list:
    args = request.args
    clauses = []
    if user.role != ADMIN:
        clauses.append(AuditEvent.authority_id == user.authority_id)
    elif args.get("authority", type=int):
        clauses.append(AuditEvent.authority_id == args.get("authority", type=int))
    if args.get("user", "").strip():
        username = args["user"].strip()
        found = db.session.scalar(select(User).where(User.username == username))
        if found is None:
            errors["user"] = f"未找到用户：{username}"
        clauses.append(AuditEvent.actor == (f"user:{found.id}" if found else "-"))
    if args.get("object_type"):
        clauses.append(AuditEvent.object_type == args["object_type"])
    if args.get("object_id", "").strip():
        object_id = args.get("object_id", type=int)
        if object_id is None:
            errors["object_id"] = "记录编号应为数字"
        clauses.append(AuditEvent.object_id == (object_id if object_id is not None else -1))
    start, end = _date("from", errors), _date("to", errors)
    if start and end and start > end:
        errors["to"] = "截止日期早于起始日期"
    if start:
        clauses.append(AuditEvent.at >= day_end_utc(start - timedelta(days=1)))
    if end:
        clauses.append(AuditEvent.at < day_end_utc(end))
    return clauses


def actor_names(events: list[AuditEvent]) -> dict[str, str]:
    """'user:3' → '王审核（wang）', 'client:7' → the client's name; others as stored."""
    ids = {"user": set(), "client": set()}
    for event in events:
        kind, _, ident = event.actor.partition(":")
        if kind in ids and ident.isdigit():
            ids[kind].add(int(ident))
    names = {}
    for u in db.session.scalars(select(User).where(User.id.in_(ids["user"]))):
        names[f"user:{u.id}"] = f"{u.display_name}（{u.username}）"
    for c in db.session.scalars(select(ApiClient).where(ApiClient.id.in_(ids["client"]))):
        names[f"client:{c.id}"] = f"{c.name}（API 客户端）"
    return names


@bp.get("/audit")
@login_required()
def audit():
    user = require("audit.view")
    errors: dict[str, str] = {}
    clauses = _filters(user, errors)
    page = page_arg()
    total = db.session.scalar(select(func.count(AuditEvent.id)).where(*clauses))
    events = list(db.session.scalars(
        select(AuditEvent).where(*clauses).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)))
    authorities = {a.id: a.name for a in db.session.scalars(select(Authority))}
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "console/audit.html", events=events, total=total, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), args=args, errors=errors,
        actor_names=actor_names(events), authorities=authorities, changes=changes,
        object_types=OBJECT_TYPES, is_admin=user.role == ADMIN,
    ), (400 if errors else 200)
