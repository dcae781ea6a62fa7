"""JSON API for officials' case systems to submit decisions (token-authenticated).

    POST /api/v1/register/decisions          submit one decision (the 双公示 fields, and
                                             "responsible_persons": [{name, id_type, id_number}])
    GET  /api/v1/register/decisions/<id>     its status and history
    GET  /api/v1/register/decisions?number=  the same, found by decision number
    GET  /api/v1/register/openapi.json       the OpenAPI document (service.register.openapi)

A client is an ApiClient with the scope "submit", bound to one authority: it
submits for that authority only. Submitted decisions are published at once,
as bulk imports are (the case system has already approved them; hand-typed
decisions go through the console's review). Idempotent on the natural key
authority + decision number: the same content again answers 200 "unchanged";
different content is a correction (a new revision). Errors are RFC 7807
problem+json with per-field errors keyed as the client wrote them.
"""

from __future__ import annotations

import difflib
from datetime import datetime

from flask import Blueprint, current_app, jsonify, request, url_for
from marshmallow import Schema, fields
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.accounts.keys import authenticate_key
from service.accounts.models import ApiClient
from service.core import clock
from service.core.actors import Actor
from service.core.db import db, transactional
from service.core.errors import ApiError, json_object
from service.core.routing import external_url
from service.register.models import Authority, Decision, DecisionRevision
from service.register.operations import (
    RegisterError,
    correct_decision,
    create_decision,
    decision_values,
)
from service.register.queries import disclosed_on
from service.register.schemas import FIELD_NAMES, english_keys, field_for_header, load_decision
from service.rules.policy import current_policy

bp = Blueprint("register_api", __name__, url_prefix="/api/v1/register")

SCOPE = "submit"
_STATUS_CODES = {"invalid_status": 409, "duplicate_number": 409}


class RevisionSchema(Schema):
    seq = fields.Integer()
    action = fields.String()
    actor = fields.String()
    at = fields.DateTime()
    reason = fields.String()


class NamedPersonSchema(Schema):
    """A responsible person (直接责任人员) as stored: the ID number only masked."""

    name = fields.String()
    id_type = fields.String()
    id_number_masked = fields.String()


class DecisionStatusSchema(Schema):
    """What a submitting system sees of its decision."""

    id = fields.Integer()
    number = fields.String()
    authority = fields.String()
    party_name = fields.String()
    status = fields.String()
    severity = fields.String()
    decided_on = fields.Date()
    disclosure_ends_on = fields.Date()
    is_disclosed = fields.Boolean()
    public_url = fields.String()
    published_at = fields.DateTime()
    corrected_at = fields.DateTime()
    revoked_at = fields.DateTime()
    revocation_kind = fields.String()
    revocation_reason = fields.String()
    responsible_persons = fields.List(fields.Nested(NamedPersonSchema))
    revisions = fields.List(fields.Nested(RevisionSchema))


_status_schema = DecisionStatusSchema()


def _client(now: datetime) -> ApiClient:
    """The submitting client named by `Authorization: Bearer <key>`, with the submit scope."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    client = authenticate_key(key) if scheme.lower() == "bearer" and key.strip() else None
    if client is None:
        raise ApiError(401, "unauthorized", "an API key is required: "
                       "Authorization: Bearer <key>",
                       headers={"WWW-Authenticate": 'Bearer realm="register"'})
    if SCOPE not in (client.scopes or []):
        raise ApiError(403, "insufficient_scope", f"this API key lacks the {SCOPE!r} scope")
    if client.authority_id is None:
        raise ApiError(403, "no_authority", "this API key is not bound to an authority "
                       "(处罚机关); ask an administrator to bind it")
    client.last_used_at = now
    return client


def _own_authority(body: dict, authority: Authority) -> dict:
    """Fill in the client's authority; refuse a record naming another one."""
    named, given = english_keys(body)
    for field, own in (("authority_uscc", authority.uscc), ("authority_name", authority.name)):
        value = named.get(field)
        if value not in (None, "") and str(value).strip().upper() != (own or "").upper():
            raise ApiError(403, "wrong_authority",
                           f"this API key submits for {authority.name} only "
                           "(只能报送本机关的处罚决定)",
                           errors={given[field]: [f"must be {own} or left out"]})
    return {**body, "authority_name": authority.name, "authority_uscc": authority.uscc}


def _refuse_unknown_keys(body: dict) -> None:
    """A key that names no field is refused: a typo (`fine_amout`) would otherwise store
    the decision without the value the official meant to send."""
    unknown = [key for key in body if field_for_header(key) is None]
    if unknown:
        raise ApiError(422, "validation_failed", "the decision has unknown fields "
                       "(未知字段)", errors={key: [_unknown_field(key)] for key in unknown})


def _unknown_field(key: str) -> str:
    close = difflib.get_close_matches(str(key), FIELD_NAMES, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else (
        "; the fields are listed in the API document (/api/v1/register/openapi.json)")
    return f"unknown field (未知字段){hint}"


def _status(decision: Decision, today) -> dict:
    disclosed = db.session.scalar(select(Decision.id).where(
        Decision.id == decision.id, disclosed_on(today))) is not None
    revisions = db.session.scalars(select(DecisionRevision).where(
        DecisionRevision.decision_id == decision.id).order_by(DecisionRevision.seq)).all()
    return _status_schema.dump({
        **{name: getattr(decision, name) for name in (
            "id", "number", "party_name", "status", "severity", "decided_on",
            "disclosure_ends_on", "published_at", "corrected_at", "revoked_at",
            "revocation_kind", "revocation_reason")},
        "authority": decision.authority.name, "is_disclosed": disclosed,
        "responsible_persons": decision.responsible_persons or [],
        "public_url": external_url("public.decision_page", decision_id=decision.id)
        if disclosed else None,
        "revisions": revisions,
    })


def _register_error(exc: RegisterError) -> ApiError:
    return ApiError(_STATUS_CODES.get(exc.code, 422), exc.code, exc.message,
                    errors={exc.field: [exc.message]} if exc.field else None)


@bp.post("/decisions")
@transactional
def submit_decision():
    """Submit a decision: 201 created, 200 unchanged or corrected."""
    now = clock.now()
    today = clock.local_date(now)
    client = _client(now)
    body = json_object()
    if not body:
        raise ApiError(400, "invalid_body", "send one decision as a JSON object "
                       "(Content-Type: application/json)")
    reason = body.pop("correction_reason", None)
    _refuse_unknown_keys(body)
    data, errors = load_decision(_own_authority(body, client.authority), today=today)
    if errors:
        raise ApiError(422, "validation_failed", "the decision has invalid fields "
                       "(字段校验未通过)", errors=errors)
    actor = Actor.client(client)
    existing = db.session.scalar(select(Decision).where(
        Decision.authority_id == client.authority_id, Decision.number == data["number"]))
    try:
        if existing is None:
            decision = create_decision(data, actor=actor, now=now, status="published",
                                       today=today)
            db.session.flush()
            return _answer(decision, "created", today, 201)
        digest = decision_values(data, current_policy(), _secret())["content_digest"]
        if digest == existing.content_digest:
            return _answer(existing, "unchanged", today, 200)
        correct_decision(existing, data, actor=actor, now=now, today=today,
                         reason=reason or f"correction submitted by {client.name}")
    except RegisterError as exc:
        raise _register_error(exc) from exc
    except IntegrityError as exc:  # the same number submitted concurrently
        raise ApiError(409, "conflict", "this decision number was just submitted by another "
                       "request; send it again") from exc
    return _answer(existing, "corrected", today, 200)


def _secret() -> str:
    return current_app.config["ID_DIGEST_KEY"]


def _answer(decision: Decision, result: str, today, code: int):
    body = {"result": result, **_status(decision, today)}
    location = url_for(".decision_status", decision_id=decision.id)
    return body, code, {"Location": location}


@bp.get("/decisions/<int:decision_id>")
@transactional
def decision_status(decision_id: int):
    """A submitted decision's status, for the client of its authority only."""
    now = clock.now()
    client = _client(now)
    # ids are 32-bit integers: a larger one (PostgreSQL refuses it) names no decision
    decision = db.session.get(Decision, decision_id) if decision_id < 2**31 else None
    if decision is None or decision.authority_id != client.authority_id:
        raise ApiError(404, "not_found", f"no decision {decision_id} of your authority")
    return _status(decision, clock.local_date(now))


@bp.get("/decisions")
@transactional
def find_decision():
    """Find the client's decision by its number: ?number=津北辰市监处罚〔2026〕18号."""
    now = clock.now()
    client = _client(now)
    number = (request.args.get("number") or "").strip()
    if not number:
        raise ApiError(400, "number_required", "give ?number=<行政处罚决定书文号>",
                       errors={"number": ["is required (必填)"]})
    if "\x00" in number:  # PostgreSQL text cannot hold NUL: no decision has such a number
        raise ApiError(404, "not_found", "no decision with this number of your authority")
    decision = db.session.scalar(select(Decision).where(
        Decision.authority_id == client.authority_id, Decision.number == number))
    if decision is None:
        raise ApiError(404, "not_found", f"no decision {number} of your authority")
    return _status(decision, clock.local_date(now))


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3 document of this API (no key needed)."""
    from service.register.openapi import document

    return jsonify(document(current_app))
