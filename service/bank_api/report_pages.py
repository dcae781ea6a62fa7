"""The public report pages: the printable report (/reports/<number>) and verification."""

from __future__ import annotations

import json

from flask import Blueprint, abort, render_template, request

from service.bank_api.auth import public_limit
from service.bank_api.reports import find_report, report_document, verify_report
from service.core.db import transactional
from service.core.routing import refuse_nul_characters
from service.public.views import CSP

bp = Blueprint("reports_site", __name__)
bp.before_request(refuse_nul_characters)
MAX_CONTENT = 100_000  # characters of pasted report JSON


@bp.after_request
def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")  # the number is the key
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


@bp.get("/reports/<number>")
@public_limit
@transactional
def report_page(number: str):
    """The printable report: what was signed, the signature and how to check it."""
    report = find_report(number)
    if report is None:
        abort(404)
    document = report_document(report)
    return render_template("bank_api/report.html", report=report, r=document["report"],
                           signature=document["signature"])


@bp.route("/reports/verify", methods=["GET", "POST"])
@public_limit
@transactional
def verify_page():
    """A form: report number plus the pasted report JSON or the printed signature."""
    form = request.form if request.method == "POST" else request.args
    number = form.get("number", "").strip()[:40]
    content = form.get("content", "").strip()
    signature = form.get("signature", "").strip()[:200]
    result, error = None, None
    if number and (request.method == "POST" or signature or "number" in request.args):
        if len(content) > MAX_CONTENT:
            error = "报告内容过长"
        else:
            parsed = None
            if content:
                try:
                    parsed = json.loads(content)
                except RecursionError:  # "[[[[…" thousands deep: was a 500
                    error = "报告内容嵌套层级过深，不是本平台出具的报告，请完整粘贴收到的报告"
                except ValueError:
                    error = "报告内容不是有效的 JSON，请完整粘贴收到的报告"
            if error is None:
                result = verify_report(number, content=parsed, signature=signature or None)
    elif request.method == "POST":
        error = "请填写报告编号"
    return render_template("bank_api/report_verify.html", number=number, content=content,
                           signature=signature, result=result, error=error)
