"""Credit report endpoints: issue (scope report), fetch, verify (public), the public keys."""

from __future__ import annotations

from flask import g, request

from service.bank_api import bp
from service.bank_api.auth import public_limit, require_client
from service.bank_api.monitor_openapi import register
from service.bank_api.monitor_schemas import (
    ReportAnswerSchema,
    ReportKeysQuerySchema,
    ReportKeysSchema,
    ReportRequestSchema,
    VerifyAnswerSchema,
    VerifyQuerySchema,
    VerifyRequestSchema,
)
from service.bank_api.querylog import LoggedQuery, log_queries
from service.bank_api.reports import (
    IdempotencyConflict,
    find_report,
    issue_report,
    published_keys,
    report_document,
    verify_report,
)
from service.bank_api.schemas import idempotency_key, load_args
from service.core.actors import Actor
from service.core.clock import now, today
from service.core.db import takes_write_lock, transactional
from service.core.errors import ApiError, json_object, problem_response
from service.core.routing import external_url
from service.register.identifiers import check_uscc, clean_code

register()


def report_answer(report) -> dict:
    return ReportAnswerSchema().dump({
        "number": report.number,
        "html_url": external_url("reports_site.report_page", number=report.number),
        "verify_url": external_url("reports_site.verify_page", number=report.number),
        **report_document(report)})


def _log(client_id: int, item: LoggedQuery, *, as_of=None, data_version=None) -> None:
    log_queries(client_id, "report", [item], as_of=as_of, data_version=data_version, now=now())


def _log_report(client_id: int, report, status: str, answer: dict) -> None:
    """The log row of a report answered: issued, replayed or fetched."""
    _log(client_id, LoggedQuery(report.uscc, status, subject_id=report.subject_id,
                                answer=answer),
         as_of=report.as_of, data_version=report.data_version)


@bp.post("/reports")
@takes_write_lock
@require_client("report", snapshot=True)
def create_report():
    """Issue a signed credit report (信用报告) on one code; Idempotency-Key makes it repeatable."""
    args = load_args(ReportRequestSchema(), json_object())
    client, as_of = g.api_client, args.get("as_of") or today()
    problem = check_uscc(args["uscc"])
    if problem is not None:
        # Returned, not raised: the log row of a refused code is committed too.
        _log(client.id, LoggedQuery(args["uscc"], f"uscc_{problem.code}"), as_of=as_of)
        return problem_response(ApiError(400, f"uscc_{problem.code}",
                                         f"invalid 统一社会信用代码: {problem.message}",
                                         errors={"uscc": [problem.message]}))
    key = idempotency_key(request.headers)
    try:
        report, created = issue_report(
            client.id, client.institution or client.name, clean_code(args["uscc"]),
            as_of=as_of, actor=Actor("client", client.id, client.name),
            now=now(), idempotency_key=key)
    except IdempotencyConflict as exc:
        raise ApiError(422, "idempotency_key_reused", str(exc)) from exc
    # A replay is a query too: logged again, saying which report it repeated.
    content = report_document(report)["report"]
    _log_report(client.id, report, content["status"], {
        "report_number": report.number, "black": len(content["blacklist"]),
        "red": len(content["red_list"]), "penalties": content["penalties"]["count"],
        **({} if created else {"replayed": True})})
    # A replay answers exactly as the first time (status included), and says it is one.
    return report_answer(report), 201, ({} if created else {"Idempotent-Replayed": "true"})


@bp.get("/reports/<number>")
@require_client("report")
def get_report(number: str):
    """A report this client was issued, as it was issued."""
    report = find_report(number)
    client_id = g.api_client.id
    if report is None or report.client_id != client_id:
        # Logged too (the number as asked), and returned so that the row is committed.
        _log(client_id, LoggedQuery(number, "report_not_found"))
        return problem_response(ApiError(404, "report_not_found",
                                         "this client was issued no report by that number"))
    answer = report_answer(report)
    _log_report(client_id, report, answer["report"]["status"],
                {"report_number": report.number, "fetched": True})
    return answer


def _verification(number: str, result) -> dict:
    report = result.report
    return VerifyAnswerSchema().dump({
        "number": report.number if report else number.strip(),
        "result": result.result, "genuine": result.is_genuine, "detail": result.detail,
        "issued_at": report.created_at if report else None,
        "uscc": report.uscc if report else None, "as_of": report.as_of if report else None})


@bp.get("/reports/verify")
@public_limit
@transactional
def verify_by_signature():
    """Public: is this report number genuine, and (optionally) is this its signature?"""
    args = load_args(VerifyQuerySchema(), request.args)
    return _verification(args["number"], verify_report(args["number"],
                                                       signature=args.get("signature")))


@bp.post("/reports/verify")
@public_limit
@transactional
def verify_by_content():
    """Public: is this report number genuine, and is this content unaltered?"""
    args = load_args(VerifyRequestSchema(), json_object())
    return _verification(args["number"], verify_report(
        args["number"], content=args.get("report"), signature=args.get("signature")))


@bp.get("/reports/keys")
@public_limit
@transactional
def report_keys():
    """Public: the Ed25519 public keys that verify reports, rotated-out keys included."""
    key_id = load_args(ReportKeysQuerySchema(), request.args).get("key_id")
    return ReportKeysSchema().dump({"keys": [
        {"key_id": k.key_id, "algorithm": k.algorithm, "public_key": k.public_key,
         "created_at": k.created_at} for k in published_keys(key_id)]})
