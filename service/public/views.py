"""The public disclosure site: home, decisions, subjects, lists, statistics, open data."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_from_directory,
    stream_with_context,
    url_for,
)

from service.bank_api.auth import download_limit, page_limit, search_limit
from service.console import csrf
from service.core import clock
from service.core.amounts import exact_text
from service.core.routing import refuse_nul_characters, site_root
from service.lists.queries import subject_status
from service.public import feed, opendata, queries
from service.public import statistics as stats
from service.public.labels import (
    BASIS_LABELS,
    LIST_NAMES,
    STATUS_LABELS,
    WITHDRAWAL_LABELS,
    basis_label,
)
from service.public.params import ListArgs, StatisticsArgs, use_query
from service.public.redaction import redact_id_numbers
from service.public.regions import PROVINCES
from service.register.identifiers import check_ric, check_uscc, clean_code

bp = Blueprint("public", __name__)
bp.before_request(refuse_nul_characters)

# Every asset is served from service/static: nothing may load from elsewhere.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


@bp.after_request
def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@bp.app_template_filter("wan")
def format_wan(value: Decimal | None) -> str:
    """An exact amount in 万元 without trailing zeros: Decimal('5.500000') → '5.5'."""
    return "" if value is None else exact_text(value)


@bp.app_template_filter("yuan")
def format_yuan(value: Decimal | None) -> str:
    """The same amount in 元 to the fen, with thousands separators."""
    if value is None:
        return ""
    return f"{(value * 10000).quantize(Decimal('0.01')):,}"


@bp.app_template_filter("local_date")
def format_local_date(moment) -> str:
    """The Beijing calendar day of a UTC timestamp."""
    return clock.local_date(moment).isoformat()


bp.add_app_template_filter(redact_id_numbers, "redact_ids")
bp.add_app_template_filter(basis_label, "basis_label")
bp.add_app_template_filter(STATUS_LABELS.get, "status_label")


@bp.get("/")
@page_limit
def home():
    today = clock.today()
    return render_template("public/home.html", today=today, counts=queries.site_counts(today),
                           latest=queries.latest_decisions(today))


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page links (base.html)."""
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)


@bp.get("/decisions/<int:decision_id>")
@page_limit
def decision_page(decision_id: int):
    today = clock.today()
    decision = queries.get_decision(decision_id) or abort(404)
    if not queries.is_disclosed(decision_id, today):
        # Never public (draft, submitted, never disclosed): not found, like an unknown id.
        reason = queries.withdrawal_reason(decision, today) or abort(404)
        return render_template("public/withdrawn.html", reason=reason,
                               labels=WITHDRAWAL_LABELS), 410
    return render_template("public/decision.html", decision=decision, today=today)


@bp.get("/subjects/<int:subject_id>")
@page_limit
def subject_page(subject_id: int):
    today = clock.today()
    subject = queries.get_subject(subject_id) or abort(404)
    standing = subject_status(subject_id, today)
    if standing.status == "nothing_on_record":
        # Nothing public: do not confirm that this id was ever a party.
        return render_template("public/subject_none.html", code=None, problem=None), 404
    return render_template("public/subject.html", subject=subject, standing=standing,
                           decisions=queries.subject_decisions(subject_id, today), today=today)


@bp.route("/subjects/by-code", methods=["GET", "POST"])
@csrf.exempt  # a read-only lookup: there is nothing to forge (and no session to tie a token to)
def subject_lookup():
    """The code form posts (a typed 居民身份证号码 then reaches no URL: not the browser's
    history, not an access log); a GET with ?code= (links, bookmarks) is answered the same."""
    form = request.form if request.method == "POST" else request.args
    code = clean_code(form.get("code", ""))
    if not code:
        return render_template("public/subject_none.html", code=None, problem=None, ask=True)
    if "/" in code:  # no URL holds it as one path segment: answer here, not with a 404
        return subject_by_code(code)
    if check_ric(code) is None and check_uscc(code) is not None:
        # A 居民身份证号码: persons are not looked up by it here, and it must not go into a
        # URL path (browser history, server logs): answered here, masked.
        response = current_app.make_response(render_template(
            "public/subject_none.html", code=code, problem=None, person_id=True))
        response.headers["Cache-Control"] = "no-store"
        return response
    return redirect(url_for(".subject_by_code", code=code), 303)


@bp.get("/subjects/by-code/<code>")
@search_limit
def subject_by_code(code: str):
    code = clean_code(code)
    if len(code) > 40:
        abort(400, description="代码过长：统一社会信用代码为18位")
    subject = queries.find_subject_by_code(code)
    if subject is not None:
        standing = subject_status(subject.id, clock.today())
        if standing.status != "nothing_on_record":
            return redirect(url_for(".subject_page", subject_id=subject.id))
    problem = check_uscc(code) if len(code) == 18 else None
    return render_template("public/subject_none.html", code=code, problem=problem)


@bp.get("/blacklist")
@search_limit
@use_query(ListArgs, location="query")
def blacklist(**args):
    return _list_page("black", **args)


@bp.get("/redlist")
@search_limit
@use_query(ListArgs, location="query")
def redlist(**args):
    return _list_page("red", **args)


def _list_page(kind: str, *, q: str, authority: int | None, province: str | None,
               basis: str | None, page: int):
    today = clock.today()
    filters = queries.ListFilters(q.strip(), authority, province, basis)
    return render_template(
        "public/list.html", kind=kind, list_name=LIST_NAMES[kind], today=today, filters=filters,
        results=queries.list_entries(kind, today, filters, page),
        authorities=queries.list_authorities(kind, today), provinces=PROVINCES,
        bases=BASIS_LABELS,
    )


@bp.get("/statistics")
@search_limit
@use_query(StatisticsArgs, location="query")
def statistics(**args):
    table = stats.enforcement_statistics(_stats_filters(**args))
    departments, authorities = stats.filter_options(clock.today())
    return render_template("public/statistics.html", table=table, case_types=stats.CASE_TYPES,
                           charts=stats.table_charts(table), departments=departments,
                           authorities=authorities)


@bp.get("/statistics.csv")
@download_limit
@use_query(StatisticsArgs, location="query")
def statistics_csv(**args):
    filters = _stats_filters(**args)
    body = stats.table_csv(stats.enforcement_statistics(filters))
    name = f"statistics-{filters.months()[0]}-{filters.months()[-1]}.csv"
    return _attachment(body, "text/csv", name)


def _stats_filters(start, end, department, authority) -> stats.StatsFilters:
    try:
        today = clock.today()
        return replace(stats.make_filters(start, end, department, authority, today),
                       disclosed_on=today)
    except ValueError as exc:
        abort(400, description=str(exc))


@bp.get("/open-data")
@page_limit
def open_data():
    return render_template("public/open_data.html", today=clock.today(),
                           decision_fields=opendata.DECISION_FIELDS,
                           entry_fields=opendata.ENTRY_FIELDS)


@bp.get("/open-data/decisions.<fmt>")
@download_limit
def decisions_download(fmt: str):
    today = clock.today()
    records = opendata.decision_records(today, site_root())
    return _stream(records, fmt, opendata.DECISION_FIELDS, f"decisions-{today}", today)


@bp.get("/open-data/<any(blacklist, redlist):name>.<fmt>")
@download_limit
def list_download(name: str, fmt: str):
    today = clock.today()
    records = opendata.entry_records(name.removesuffix("list"), today, site_root())
    return _stream(records, fmt, opendata.ENTRY_FIELDS, f"{name}-{today}", today)


def _stream(records, fmt: str, fields, stem: str, today) -> Response:
    if fmt == "csv":
        chunks, mimetype = opendata.csv_stream(records, fields), "text/csv"
    elif fmt == "json":
        meta = {"as_of": today.isoformat(), "source": site_root()}
        chunks, mimetype = opendata.json_stream(records, meta), "application/json"
    else:
        abort(404)
    return _attachment(stream_with_context(chunks), mimetype, f"{stem}.{fmt}")


def _attachment(body, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/feed.atom")
@download_limit
def atom_feed():
    decisions = queries.latest_decisions(clock.today(), limit=feed.FEED_SIZE)
    body = feed.build_feed(decisions, base_url=site_root(), now=clock.now())
    return Response(body, mimetype="application/atom+xml")
