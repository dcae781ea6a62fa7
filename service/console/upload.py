"""Entering decisions without typing every field: paste a decision document, upload a file.

Paste (粘贴决定书全文): the text of a 行政处罚决定书 is read by `docparse` and the
new-decision form comes back pre-filled; nothing is saved until the official
has checked the fields and saves the form as usual.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select

from service.console import bp
from service.console.auth import login_required, require
from service.console.docparse import ParsedDecision, parse_decision_text
from service.console.forms import LABELS, OPTIONS
from service.console.permissions import ADMIN
from service.core.db import db
from service.register.models import Authority, Decision

MAX_DOCUMENT = 50_000  # characters: a decision runs to a few thousand


def guess_authority(parsed: ParsedDecision) -> Authority | None:
    """The authority that signed, by its name, else by the number's prefix in the register."""
    if parsed.authority_name:
        found = db.session.scalar(select(Authority).where(
            Authority.name == parsed.authority_name))
        if found is not None:
            return found
    if parsed.number_prefix:
        ids = db.session.scalars(select(Decision.authority_id).distinct().where(
            Decision.number.startswith(f"{parsed.number_prefix}〔", autoescape=True)).limit(2))
        ids = list(ids)
        if len(ids) == 1:
            return db.session.get(Authority, ids[0])
    return None


def _prefill_notes(parsed: ParsedDecision, user, authority) -> None:
    found = [LABELS.get(name, "处罚机关") for name in parsed.form_values()]
    flash(f"已从决定书中识别 {len(found)} 项：{'、'.join(found)}。"
          "请逐项核对，未识别的项请手工填写。", "info")
    for warning in parsed.warnings:
        flash(warning, "error")
    own = user.authority
    if user.role != ADMIN and parsed.authority_name and own and parsed.authority_name != own.name:
        flash(f"决定书落款机关为“{parsed.authority_name}”，与您所属的“{own.name}”不一致，请核对。",
              "error")
    elif user.role == ADMIN and parsed.authority_name and authority is None:
        flash(f"未找到名为“{parsed.authority_name}”的处罚机关，请选择。", "error")


@bp.post("/decisions/prefill")
@login_required()
def prefill_decision():
    user = require("decision.create")
    document = request.form.get("document", "")
    if not document.strip() or len(document) > MAX_DOCUMENT:
        flash("请粘贴决定书全文。" if not document.strip()
              else f"全文超过 {MAX_DOCUMENT} 字，请只粘贴一份决定书。", "error")
        return redirect(url_for("console.new_decision"))
    parsed = parse_decision_text(document)
    values = {"party_kind": "法人及非法人组织", "authority_id": user.authority_id,
              "penalty_categories": [],
              **parsed.form_values()}
    values.pop("authority_name", None)
    authority = guess_authority(parsed) if user.role == ADMIN else user.authority
    if user.role == ADMIN and authority is not None:
        values["authority_id"] = authority.id
    _prefill_notes(parsed, user, authority)
    authorities = list(db.session.scalars(select(Authority).order_by(Authority.name)))
    return render_template("console/decision_form.html", values=values, errors={},
                           decision=None, mode="new", labels=LABELS, options=OPTIONS,
                           authorities=authorities, pasted=document)
