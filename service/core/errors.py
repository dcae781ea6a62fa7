"""Errors: RFC 7807 problem details for the APIs, plain pages for the site."""

from __future__ import annotations

import json

from flask import Flask, jsonify, render_template, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ProblemSchema(Schema):
    """RFC 7807 problem details (application/problem+json), as ApiError renders them."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "Stable machine code"})
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ApiError(Exception):
    """An API error with a stable machine code, rendered as problem+json.

    `errors` maps a field name (or "row 12 / field") to a list of reasons.
    """

    def __init__(self, status: int, code: str, detail: str, *, errors: dict | None = None,
                 headers: dict | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def to_dict(self) -> dict:
        body = {
            "type": f"/api/v1/problems/{self.code}",
            "title": self.code.replace("_", " "),
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = self.errors
        return body


_JSON_KINDS = {list: "an array", str: "a string", bool: "true or false", type(None): "null"}


def json_object() -> dict:
    """The request body as a JSON object ({} when there is none), or a 400 problem saying why not.

    Stricter than `request.get_json(silent=True)`, which answers a malformed body as if
    nothing were sent and lets a deeply nested one escape as a RecursionError (a 500).
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    if not request.is_json:
        raise ApiError(400, "invalid_body", "the body must be JSON, sent with "
                       "Content-Type: application/json (请求体须为 JSON)")
    try:
        body = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "invalid_json", "the body is not accepted: JSON nested too deeply "
                       "(请求体嵌套层级过深)") from None
    except ValueError as exc:
        raise ApiError(400, "invalid_json", f"the body is not valid JSON: {exc} "
                       "(请求体不是有效的 JSON)") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", f"the body must be a JSON object, not "
                       f"{_JSON_KINDS.get(type(body), 'a number')} (请求体须为 JSON 对象)")
    return body


def problem_response(error: ApiError):
    response = jsonify(error.to_dict())
    response.status_code = error.status
    response.mimetype = PROBLEM_JSON
    response.headers.update(error.headers)
    return response


def _wants_problem_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ApiError, problem_response)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if _wants_problem_json():
            code = (exc.name or "error").lower().replace(" ", "_")
            kept = {k: v for k, v in exc.get_response().headers.items() if k in _KEPT_HEADERS}
            return problem_response(
                ApiError(exc.code or 500, code, exc.description or exc.name, headers=kept)
            )
        # Werkzeug's own descriptions are English: show ours only, else the page's Chinese text.
        detail = exc.description if exc.description != type(exc).description else None
        return render_template("error.html", error=exc, detail=detail), exc.code

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        if _wants_problem_json():
            return problem_response(ApiError(500, "internal_error", "internal server error"))
        return render_template("error.html", error=None), 500
