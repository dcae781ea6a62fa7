"""The bank API's check endpoints (thin: parse, one query, dump, log)."""

from __future__ import annotations

import json
from datetime import date

from flask import current_app, g, request

from service.bank_api import bp
from service.bank_api.answers import (
    KEEP_ANSWERS,
    Version,
    batch_item,
    check_code_with_version,
    check_codes,
    error_code,
    json_response,
    keep_answer,
    kept_answer,
    logged,
    replayed_log,
    request_digest,
    status_answer,
    summary,
)
from service.bank_api.auth import require_client
from service.bank_api.lookup import lookup_name
from service.bank_api.querylog import LoggedQuery, log_queries
from service.bank_api.schemas import (
    AsOfSchema,
    BatchAnswerSchema,
    BatchRequestSchema,
    LookupAnswerSchema,
    LookupQuerySchema,
    WhoamiSchema,
    idempotency_key,
    load_args,
)
from service.core.clock import now, today
from service.core.errors import ApiError, json_object, problem_response

_as_of = AsOfSchema()
_batch_request = BatchRequestSchema()
_lookup_query = LookupQuerySchema()
_batch_answer = BatchAnswerSchema()
_lookup_answer = LookupAnswerSchema()
_whoami = WhoamiSchema()


def _log(kind: str, items: list[LoggedQuery], as_of, version: Version) -> None:
    log_queries(g.api_client.id, kind, items, as_of=as_of, data_version=version.number,
                now=now())


@bp.get("/me")
@require_client(None)
def whoami():
    """The calling client: name, scopes and rate limit (any key may ask, whatever its scopes)."""
    client = g.api_client
    return _whoami.dump({
        "id": client.id, "name": client.name, "institution": client.institution,
        "scopes": sorted(client.scopes),
        "rate_limit": client.rate_limit or current_app.config["BANK_API_RATE_LIMIT"]})


@bp.get("/subjects/<code>")
@require_client("check", snapshot=True)
def subject_status(code: str):
    """The standing of one subject by its unified social credit code (统一社会信用代码)."""
    as_of = (request.args and load_args(_as_of, request.args).get("as_of")) or today()
    answer, version = check_code_with_version(code, as_of)
    _log("status", [logged(answer)], as_of, version)
    if answer.error is not None:
        # Returned, not raised: the log row of a refused code is committed too.
        return problem_response(ApiError(400, error_code(answer.error),
                                         f"invalid 统一社会信用代码: {answer.error.message}",
                                         errors={"uscc": [answer.error.message]}))
    # Rendered exactly as StatusAnswerSchema would (a test holds the two equal).
    return json_response(status_answer(answer, version, as_of))


@bp.post("/checks/batch")
@require_client("check", snapshot=True)
def batch_check():
    """Up to 1,000 codes in one request, each answered on its own.

    With an Idempotency-Key, a repeat within KEEP_ANSWERS gets the first answer
    byte for byte (and is logged again); the same key for other codes is a 422.
    """
    key = idempotency_key(request.headers)
    asked = load_args(_as_of, request.args).get("as_of")
    codes = load_args(_batch_request, json_object())["codes"]
    digest = request_digest(asked, codes) if key else None
    earlier = kept_answer(g.api_client.id, key, now()) if key else None
    if earlier is not None:
        return _replay(earlier, key, digest)
    as_of = asked or today()
    version = Version.current()
    answers = check_codes(codes, as_of)
    # The items are plain values already; json_response renders them exactly as
    # BatchItemSchema would (a test holds the two equal) at a fraction of marshmallow's cost.
    head = _batch_answer.dump({"count": len(answers),
                               "invalid": sum(1 for a in answers if a.error is not None),
                               "items": [], **version.fields(as_of)})
    head["items"] = [batch_item(i, a) for i, a in enumerate(answers)]
    response = json_response(head)
    if key:
        earlier, kept = keep_answer(g.api_client.id, key, digest, response.status_code,
                                    response.get_data(as_text=True), now=now())
        if not kept:  # a concurrent request with the same key answered first
            return _replay(earlier, key, digest)
    _log("batch_item", [logged(a) for a in answers], as_of, version)
    return response


def _replay(earlier, key: str, digest: str):
    """The answer kept under `key`, logged again and marked as a replay."""
    if earlier.request_digest != digest:
        hours = int(KEEP_ANSWERS.total_seconds() // 3600)
        raise ApiError(422, "idempotency_key_reused",
                       f"Idempotency-Key {key!r} was used in the last {hours} hours for another "
                       "batch (other codes or as_of); use a new key for a new request")
    answer = json.loads(earlier.body)
    log_queries(g.api_client.id, "batch_item", replayed_log(answer),
                as_of=date.fromisoformat(answer["as_of"]),
                data_version=answer["data_version"], now=now())
    response = current_app.response_class(earlier.body, status=earlier.http_status,
                                          mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/lookup")
@require_client("check", snapshot=True)
def lookup():
    """Subjects with something on record whose name matches, best first."""
    args = load_args(_lookup_query, request.args)
    as_of = args.get("as_of") or today()
    version = Version.current()
    normalised, found = lookup_name(args["name"], as_of, limit=args["limit"])
    exact = bool(found) and found[0].match == "exact"
    _log("lookup", [LoggedQuery(args["name"], "exact" if exact else (
        "candidates" if found else "no_match"),
        subject_id=found[0].subject_id if exact else None,
        answer={"candidates": [c.subject_id for c in found],
                "top": summary(found[0].standing) if found else None})], as_of, version)
    return _lookup_answer.dump({
        "name": args["name"], "normalised": normalised, "exact": exact,
        "candidates": [{"uscc": c.uscc, "name": c.name, "score": c.score, "match": c.match,
                        "reason": c.reason, "status": c.standing.status} for c in found],
        **version.fields(as_of)})
