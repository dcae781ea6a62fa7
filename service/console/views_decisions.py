"""Decisions in the console: the list of the user's authority (more in step 2)."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, or_, select

from service.console import bp
from service.console.auth import login_required, require
from service.core.db import db
from service.register.models import Decision

PAGE_SIZE = 50


@bp.get("/decisions")
@login_required()
def decisions():
    user = require("decision.list")
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()
    page = max(request.args.get("page", 1, type=int), 1)
    query = select(Decision)
    if user.role != "admin":
        query = query.where(Decision.authority_id == user.authority_id)
    if status:
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
