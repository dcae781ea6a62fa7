"""The OpenAPI 3 document of the bank API, generated from the marshmallow schemas (apispec).

Every endpoint of `service.bank_api.bp` is described by one `ApiOperation` in
`OPERATIONS`; a test fails when an endpoint is missing. To document a new
endpoint, append an `ApiOperation` (its path comes from the URL map):

    OPERATIONS.append(ApiOperation(
        "bank_api.watch_add", "post", scope="monitor", summary="Watch codes",
        body=WatchRequestSchema, answer=WatchAnswerSchema, errors=(400,)))

Every operation gets the security requirement, the problem+json answers
(401, 403, 429 and the listed `errors`) and the rate-limit headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from service.bank_api.schemas import (
    IDEMPOTENCY_KEY_SCHEMA,
    MAX_BATCH,
    AsOfSchema,
    BatchAnswerSchema,
    BatchRequestSchema,
    LookupAnswerSchema,
    LookupQuerySchema,
    StatusAnswerSchema,
    WhoamiSchema,
)
from service.core.errors import PROBLEM_JSON, ProblemSchema

API_VERSION = "1.0.0"


@dataclass(frozen=True)
class ApiOperation:
    """One documented endpoint: `endpoint` is the Flask endpoint name, `method` lower-case."""

    endpoint: str
    method: str
    scope: str | None  # None: any valid key
    summary: str
    answer: type | None = None  # the 200 answer's dump schema
    description: str = ""
    query: type | None = None  # load schema of the query string
    body: type | None = None  # load schema of the JSON body
    parameters: tuple[dict, ...] = ()  # path and header parameters (the query: `query`)
    errors: tuple[int, ...] = ()  # besides 401, 403 and 429
    error_codes: dict[int, str] = field(default_factory=dict)  # how each error is meant
    tags: tuple[str, ...] = ("checks",)
    public: bool = False  # no key needed (verification endpoints)
    answer_status: int = 200
    answer_content_type: str = "application/json"
    answer_headers: dict[str, dict] = field(default_factory=dict)  # besides the rate limits


USCC_PARAMETER = {
    "in": "path", "name": "code", "required": True,
    "description": "统一社会信用代码 (18 characters; spaces, hyphens, lower case and full-width "
                   "characters are normalised)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 100,
               "pattern": r"^[^/?#%\s.]+$", "example": "91110105MA1213619N"},
}

BATCH_IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "Repeat a batch safely: for 24 hours, the same key from the same client "
                   "with the same codes and `as_of` returns the first answer byte for byte "
                   "(same `data_version`), with `Idempotent-Replayed: true`; the same key "
                   "with other codes or another `as_of` is a 422. After 24 hours the key "
                   "may be used again.",
    "schema": IDEMPOTENCY_KEY_SCHEMA,
}
REPLAYED_HEADER = {
    "description": "`true` when the answer is the one kept for this Idempotency-Key",
    "required": False, "schema": {"type": "string", "enum": ["true"]},
}

OPERATIONS: list[ApiOperation] = [
    ApiOperation(
        "bank_api.subject_status", "get", "check", "Status of one subject by USCC (单户查询)",
        StatusAnswerSchema, query=AsOfSchema, parameters=(USCC_PARAMETER,), errors=(400,),
        description=(
            "The standing of the subject holding this code: blacklisted, red list, disclosed "
            "penalties or nothing on record, with each list entry in force and a summary of "
            "disclosed penalties. A valid code that no subject holds reads exactly like a "
            "subject with nothing on record. With `as_of`, the answer replays the lists and "
            "disclosures of that day; a decision revoked or repaired since never comes back."),
        error_codes={400: "uscc_bad_length, uscc_bad_character, uscc_bad_check_character, "
                          "as_of_in_future, invalid_request"}),
    ApiOperation(
        "bank_api.batch_check", "post", "check", f"Check up to {MAX_BATCH} codes (批量查询)",
        BatchAnswerSchema, query=AsOfSchema, body=BatchRequestSchema, errors=(400, 422),
        parameters=(BATCH_IDEMPOTENCY_HEADER,),
        answer_headers={"Idempotent-Replayed": REPLAYED_HEADER},
        description=(
            "Each code is answered on its own, in the order sent; an invalid code gets "
            "`valid: false` and an `error` without failing the batch. That includes an item "
            "that is not a string (`uscc_not_text`, `code` is its JSON text) or has more "
            "than 100 characters (`uscc_bad_length`). Every item is written to the query "
            "log, also when an Idempotency-Key replays an earlier answer."),
        error_codes={400: "batch_too_large, as_of_in_future, invalid_idempotency_key, "
                          "invalid_request",
                     422: "idempotency_key_reused"}),
    ApiOperation(
        "bank_api.lookup", "get", "check", "Find a subject by name (名称查询)",
        LookupAnswerSchema, query=LookupQuerySchema, errors=(400,),
        description=(
            "Exact match after normalisation (full/half-width, brackets, spaces), then the "
            "same name with another legal-form suffix, then similar names, each with a score "
            "and the reason. Only subjects with something on record are returned; natural "
            "persons are never returned."),
        error_codes={400: "as_of_in_future, invalid_request"}),
    ApiOperation("bank_api.whoami", "get", None, "The calling client (当前客户端), any key",
                 WhoamiSchema, tags=("access",)),
]

_RATE_HEADERS = {
    "RateLimit-Limit": "Requests allowed in the current window",
    "RateLimit-Remaining": "Requests left in the current window",
    "RateLimit-Reset": "Seconds until the window resets",
    "RateLimit-Policy": "The limit and its window in seconds, e.g. 600;w=60",
    "X-RateLimit-Limit": "Same as RateLimit-Limit (Flask-Limiter naming)",
    "X-RateLimit-Remaining": "Same as RateLimit-Remaining",
    "X-RateLimit-Reset": "Unix time at which the window resets",
    "Retry-After": "Seconds until the window resets",
    "X-Request-Id": "Where the request was logged: the id its query-log rows carry; quote it "
                    "when asking about an answer",
}
_ERROR_TEXT = {
    400: ("Invalid request: `code` says what, `errors` names each field and its reason; a "
          "body that is not JSON or not a JSON object is `invalid_json` / `invalid_body`"),
    401: "Missing, unknown, rotated or revoked API key (code `unauthenticated`)",
    403: "The key lacks the scope this endpoint needs (code `insufficient_scope`)",
    404: "Not found (code `not_found`)",
    409: "Conflict",
    413: "The request body is over 1 MB (code `request_entity_too_large`)",
    422: "The request cannot be carried out as sent: `code` says why",
    429: "Rate limit exceeded (code `rate_limited`); retry after `Retry-After` seconds",
}


def _path_of(app: Flask, endpoint: str) -> str:
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)


def _headers() -> dict:
    """The rate-limit headers: per client key, or per address on the public endpoints."""
    return {name: {"$ref": f"#/components/headers/{name}"} for name in _RATE_HEADERS}


def _problem(status: int, codes: str | None = None) -> dict:
    text = _ERROR_TEXT.get(status, "Error")
    if codes:
        text += f". Codes: {codes}"
    headers = {} if status in (401, 413) else _headers()
    answer = {"description": text, "content": {PROBLEM_JSON: {"schema": ProblemSchema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _operation(op: ApiOperation) -> dict:
    doc: dict = {"operationId": op.endpoint.split(".")[-1], "summary": op.summary,
                 "tags": list(op.tags), "parameters": list(op.parameters)}
    if op.description:
        doc["description"] = op.description
    if op.query is not None:
        doc["parameters"].append({"in": "query", "schema": op.query})
    if op.body is not None:
        doc["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": op.body}}}
    success: dict = {"description": "OK", "headers": {**_headers(), **op.answer_headers}}
    if op.answer is not None:
        success["content"] = {op.answer_content_type: {"schema": op.answer}}
    doc["responses"] = {str(op.answer_status): success}
    statuses = (*op.errors, 429)
    if not op.public:
        statuses += (401,) if op.scope is None else (401, 403)
    if op.body is not None:
        statuses += (413,)
    for status in sorted(set(statuses)):
        doc["responses"][str(status)] = _problem(status, op.error_codes.get(status))
    doc["security"] = [] if op.public else [{"bearerKey": []}, {"apiKeyHeader": []}]
    if not op.public and op.scope is not None:
        doc["x-required-scope"] = op.scope
    return doc


def build_document(app: Flask) -> dict:
    """The OpenAPI 3.0 document of every operation in OPERATIONS."""
    spec = APISpec(
        title="知识产权信用查询接口 · IP credit-check API for banks", version=API_VERSION,
        openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
        info={"description": (
            "Banks (金融机构) check a company's IP-enforcement credit standing before "
            "lending. Authenticate with `Authorization: Bearer <key>` or `X-API-Key`. "
            "Errors are RFC 7807 problem details with stable `code`s. Every query is logged.")},
        servers=[{"url": "/"}])
    spec.components.security_scheme("bearerKey", {"type": "http", "scheme": "bearer",
                                                  "description": "The API key as a bearer token"})
    spec.components.security_scheme("apiKeyHeader", {"type": "apiKey", "in": "header",
                                                     "name": "X-API-Key"})
    for name, text in _RATE_HEADERS.items():
        kind = ({"type": "string", "pattern": r"^\d+;w=\d+$"} if name == "RateLimit-Policy"
                else {"type": "string", "pattern": "^[0-9a-f]{32}$"} if name == "X-Request-Id"
                else {"type": "integer", "minimum": 0})
        spec.components.header(name, {"description": text, "schema": kind,
                                      "required": name != "X-Request-Id"})
    spec.components.schema("Problem", schema=ProblemSchema)
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(_path_of(app, op.endpoint), {})[op.method] = _operation(op)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def document(app: Flask) -> dict:
    """The document, built once per app (it depends only on the code)."""
    cached = app.extensions.get("bank_api_openapi")
    if cached is None:
        cached = app.extensions["bank_api_openapi"] = build_document(app)
    return cached
