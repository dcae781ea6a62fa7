"""API clients (admins): create, rotate and revoke keys, and read a client's query log.

A key is shown once, on the page that answers the create or rotate request
(never cached: console pages are no-store), and only its hash is kept.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from service.accounts.keys import (
    SCOPES,
    create_api_client,
    revoke_api_client,
    rotate_api_key,
    valid_rate_limit,
)
from service.accounts.models import ApiClient
from service.audit.models import AuditEvent
from service.bank_api.models import BankQuery
from service.console import add_nav, bp
from service.console.auth import login_required, require
from service.console.forms import authority_options
from service.console.paging import page_arg
from service.console.views_audit import actor_names
from service.core import clock
from service.core.actors import Actor
from service.core.db import db, transactional
from service.register.models import Authority, Subject

add_nav("console.clients", "API 客户端", "client.manage")

SCOPE_LABELS = {"check": "信用查询", "monitor": "监测订阅", "report": "信用报告",
                "submit": "报送处罚决定"}
PAGE_SIZE = 100


def _form_values() -> dict:
    return {"name": request.form.get("name", "").strip(),
            "institution": request.form.get("institution", "").strip(),
            "scopes": request.form.getlist("scopes"),
            "authority_id": request.form.get("authority_id", type=int),
            "rate_limit": request.form.get("rate_limit", "").strip()}


def _check(values: dict) -> dict[str, str]:
    errors = {}
    if not values["name"]:
        errors["name"] = "请填写客户端名称"
    elif len(values["name"]) > 200:
        errors["name"] = "名称不超过 200 字"
    if len(values["institution"]) > 200:
        errors["institution"] = "机构名称不超过 200 字"
    if not values["scopes"]:
        errors["scopes"] = "请至少选择一项权限"
    elif set(values["scopes"]) - set(SCOPES):
        errors["scopes"] = "未知的权限"
    if "submit" in values["scopes"] and not values["authority_id"]:
        errors["authority_id"] = "报送处罚决定的客户端须指定所属机关"
    if values["authority_id"] and db.session.get(Authority, values["authority_id"]) is None:
        errors["authority_id"] = "机关不存在"
    if values["rate_limit"] and not valid_rate_limit(values["rate_limit"]):
        errors["rate_limit"] = "格式如 600/minute（次数/second、minute、hour 或 day）"
    return errors


@bp.get("/clients")
@login_required()
def clients():
    require("client.manage")
    rows = db.session.scalars(select(ApiClient).order_by(ApiClient.is_active.desc(),
                                                         ApiClient.name))
    return render_template("console/clients.html", clients=list(rows), scope_labels=SCOPE_LABELS)


@bp.get("/clients/new")
@login_required()
def new_client():
    require("client.manage")
    return render_template("console/clients_form.html", values={"scopes": ["check"]}, errors={},
                           scope_labels=SCOPE_LABELS, authority_options=authority_options())


@bp.post("/clients/new")
@login_required()
@transactional
def create_client():
    admin = require("client.manage")
    values = _form_values()
    errors = _check(values)
    if errors:
        return render_template("console/clients_form.html", values=values, errors=errors,
                               scope_labels=SCOPE_LABELS,
                               authority_options=authority_options()), 422
    client, key = create_api_client(values["name"], values["scopes"], actor=Actor.user(admin),
                                    now=clock.now(), institution=values["institution"] or None,
                                    authority_id=values["authority_id"],
                                    rate_limit=values["rate_limit"] or None)
    return render_template("console/clients_key.html", client=client, key=key, created=True)


def _client(client_id: int) -> ApiClient:
    return db.session.get(ApiClient, client_id) or abort(404)


def _reason() -> str | None:
    return request.form.get("reason", "").strip() or None


@bp.post("/clients/<int:client_id>/rotate")
@login_required()
@transactional
def rotate_client(client_id: int):
    admin = require("client.manage")
    client = _client(client_id)
    if not client.is_active:
        flash("已吊销的客户端不能更换密钥。", "error")
        return redirect(url_for("console.client", client_id=client.id))
    if not _reason():
        flash("请填写更换密钥的原因。", "error")
        return redirect(url_for("console.client", client_id=client.id))
    key = rotate_api_key(client, actor=Actor.user(admin), now=clock.now(), reason=_reason())
    return render_template("console/clients_key.html", client=client, key=key, created=False)


@bp.post("/clients/<int:client_id>/revoke")
@login_required()
@transactional
def revoke_client(client_id: int):
    admin = require("client.manage")
    client = _client(client_id)
    if not _reason():
        flash("请填写吊销原因。", "error")
    elif client.is_active:
        revoke_api_client(client, actor=Actor.user(admin), now=clock.now(), reason=_reason())
        flash(f"已吊销客户端 {client.name} 的密钥，立即失效。", "success")
    return redirect(url_for("console.client", client_id=client.id))


def _log_filters(client: ApiClient, errors: dict[str, str]) -> list:
    clauses = [BankQuery.client_id == client.id]
    for name, op in (("from", "ge"), ("to", "le")):
        text = request.args.get(name, "").strip()
        if not text:
            continue
        try:
            day = date.fromisoformat(text)
        except ValueError:
            errors[name] = "日期格式应为 YYYY-MM-DD"
            continue
        bound = clock.day_end_utc(day - timedelta(days=1) if op == "ge" else day)
        clauses.append(BankQuery.at >= bound if op == "ge" else BankQuery.at < bound)
    if request.args.get("q", "").strip():
        clauses.append(BankQuery.query.contains(request.args["q"].strip(), autoescape=True))
    return clauses


@bp.get("/clients/<int:client_id>")
@login_required()
def client(client_id: int):
    require("client.manage")
    client = _client(client_id)
    errors: dict[str, str] = {}
    clauses = _log_filters(client, errors)
    page = page_arg()
    total = db.session.scalar(select(func.count(BankQuery.id)).where(*clauses))
    queries = db.session.execute(
        select(BankQuery, Subject.name).outerjoin(Subject, Subject.id == BankQuery.subject_id)
        .where(*clauses).order_by(BankQuery.at.desc(), BankQuery.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    events = list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "api_client",
                                 AuditEvent.object_id == client.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("console/clients_detail.html", client=client, queries=queries,
                           total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           events=events, actor_names=actor_names(events), args=args,
                           errors=errors, scope_labels=SCOPE_LABELS), (400 if errors else 200)
