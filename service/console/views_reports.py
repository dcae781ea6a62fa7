"""Reports (统计报表): the statistical table for a chosen month and authority, as XLSX.

Officials report their own authority's figures; admins any authority or all.
The figures are those of the public statistics page (service.public.statistics).
"""

from __future__ import annotations

import re

from flask import Response, abort, render_template, request
from sqlalchemy import select

from service.console import add_nav, bp
from service.console.auth import login_required, require
from service.console.permissions import ADMIN
from service.console.xlsx import period_label, statistics_workbook
from service.core import clock
from service.core.db import db
from service.public.statistics import CASE_TYPES, enforcement_statistics, make_filters
from service.register.models import Authority

add_nav("console.reports", "统计报表", "report.view")

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choice(user) -> tuple[str, Authority | None, dict[str, str]]:
    """The month asked for and the authority the user may report on (None: all, admins)."""
    errors: dict[str, str] = {}
    today = clock.today()
    month = request.args.get("month", "").strip() or f"{today.year:04d}-{today.month:02d}"
    if not _MONTH.match(month):
        errors["month"] = "月份格式应为 YYYY-MM"
        month = f"{today.year:04d}-{today.month:02d}"
    if user.role != ADMIN:
        authority = user.authority
    else:
        authority_id = request.args.get("authority", type=int)
        authority = db.session.get(Authority, authority_id) if authority_id else None
        if authority_id and authority is None:
            abort(404)
    require("report.view", authority)
    return month, authority, errors


def _table(month: str, authority: Authority | None):
    filters = make_filters(month, month, None, authority.id if authority else None,
                           clock.today())
    return enforcement_statistics(filters)


@bp.get("/reports")
@login_required()
def reports():
    user = require("report.view")
    month, authority, errors = _choice(user)
    authorities = (list(db.session.scalars(select(Authority).order_by(Authority.name)))
                   if user.role == ADMIN else [])
    return render_template("console/reports.html", table=_table(month, authority), month=month,
                           authority=authority, authorities=authorities, errors=errors,
                           case_types=CASE_TYPES), (400 if errors else 200)


@bp.get("/reports/statistics.xlsx")
@login_required()
def statistics_xlsx():
    user = require("report.view")
    month, authority, errors = _choice(user)
    if errors:
        abort(400, errors["month"])
    table = _table(month, authority)
    body = statistics_workbook(table, authority_name=authority.name if authority else "全部机关",
                               generated_at=clock.now(),
                               generated_by=f"{user.display_name}（{user.username}）")
    name = f"statistics-{period_label(table)}-{authority.id if authority else 'all'}.xlsx"
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
