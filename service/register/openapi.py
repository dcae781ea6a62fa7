"""The OpenAPI 3 document of the officials' submission API, generated from its schemas (apispec).

The request body is `schemas.DecisionSchema` (with the responsible persons as
a list of `responsible.ResponsiblePersonSchema` objects: the column forms of
bulk files are left out), the answers `api.DecisionStatusSchema`. The register's
own field classes are described by `_PROPERTIES`; tests/register/test_openapi.py
holds the document to the schemas and to real answers.
"""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields

from service.core.errors import PROBLEM_JSON
from service.core.errors import ProblemSchema as BaseProblemSchema
from service.register.identifiers import ID_TYPES
from service.register.responsible import (
    MAX_PERSONS,
    SEPARATOR,
    PersonColumn,
    ResponsiblePersons,
    ResponsiblePersonSchema,
)
from service.register.schemas import (
    PENALTY_CATEGORIES,
    VIOLATION_TYPES,
    Categories,
    Choice,
    Code,
    Day,
    DecisionSchema,
    Flag,
    Money,
    PartyKindField,
    Text,
)

API_VERSION = "1.0.0"
# The client's own authority is filled in: these may be left out (or must name it).
FILLED_IN = ("authority_name", "authority_uscc")
COLUMN_FORMS = ("responsible_persons_id_types", "responsible_persons_id_numbers")

_PERSON_REF = {"$ref": "#/components/schemas/ResponsiblePerson"}
_PROPERTIES: dict[type, dict] = {
    ResponsiblePersons: {
        "type": "array", "maxItems": MAX_PERSONS, "items": _PERSON_REF,
        "description": "直接责任人员 (organisations and individual businesses only): each with "
                       "name, ID type and number, checked like the legal representative's."},
    PersonColumn: {"type": "string"},
    Categories: {"oneOf": [{"type": "array", "minItems": 1,
                            "items": {"type": "string", "enum": list(PENALTY_CATEGORIES)}},
                           {"type": "string", "description": "separated by 、 or ；"}],
                 "description": "处罚类别"},
    Flag: {"oneOf": [{"type": "boolean"}, {"type": "string", "enum": ["是", "否"]}]},
    Money: {"oneOf": [{"type": "string", "pattern": r"^\d+(\.\d{1,6})?$"}, {"type": "number"}],
            "description": "万元, at most 6 decimals (exact to the fen)"},
    Day: {"type": "string", "format": "date",
          "description": "YYYY-MM-DD (2025/3/14, 2025年3月14日 and 20250314 are read too)"},
    PartyKindField: {"type": "string", "enum": ["法人及非法人组织", "个体工商户", "自然人"]},
    Choice: {"type": "string", "enum": list(VIOLATION_TYPES)},
    Text: {"type": "string"},
    Code: {"type": "string"},
}


class SubmissionAnswerSchema(Schema):
    """What a submission answers: its result, then the decision's status."""

    result = fields.String(required=True, metadata={"enum": ["created", "unchanged",
                                                             "corrected"]})


class ProblemSchema(BaseProblemSchema):
    """RFC 7807 problem details (service.core.errors.ApiError)."""

    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), metadata={
        "description": "Reasons by field, keyed as sent; a responsible person's field as "
                       "`responsible_persons[1].id_number`"})


def _register_fields(self, field, **kwargs) -> dict:
    for cls in type(field).__mro__:
        if cls in _PROPERTIES:
            return dict(_PROPERTIES[cls])
    return {}


def _problem(text: str) -> dict:
    return {"description": text,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def _answer(text: str, schema: str) -> dict:
    return {"description": text,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def build_document() -> dict:
    """The OpenAPI 3.0 document of /api/v1/register."""
    from service.register.api import DecisionStatusSchema

    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="处罚决定报送接口 · Penalty decision submission API", version=API_VERSION,
        openapi_version="3.0.3", plugins=[plugin], servers=[{"url": "/"}],
        info={"description": (
            "Officials' case systems submit 行政处罚决定 for the authority their key is bound "
            "to (scope `submit`): `Authorization: Bearer <key>`. Idempotent on authority + "
            "decision number: the same content answers `unchanged`, different content is a "
            "correction. Errors are RFC 7807 problem details.")})
    plugin.converter.add_attribute_function(_register_fields)
    spec.components.security_scheme("bearerKey", {"type": "http", "scheme": "bearer"})
    spec.components.schema("ResponsiblePerson", schema=ResponsiblePersonSchema)
    spec.components.schema("DecisionSubmission", schema=DecisionSchema(exclude=COLUMN_FORMS))
    spec.components.schema("DecisionStatus", schema=DecisionStatusSchema)
    spec.components.schema("SubmissionAnswer", schema=SubmissionAnswerSchema)
    spec.components.schema("Problem", schema=ProblemSchema)
    doc = spec.to_dict()
    _describe_components(doc["components"]["schemas"])
    doc["paths"] = _paths()
    doc["security"] = [{"bearerKey": []}]
    return doc


def _describe_components(schemas: dict) -> None:
    body = schemas["DecisionSubmission"]
    body["required"] = [name for name in body["required"] if name not in FILLED_IN]
    for name in FILLED_IN:
        body["properties"][name]["description"] = "your authority's (filled in when left out)"
    body["properties"]["correction_reason"] = {
        "type": "string", "description": "why a repeated number with other content is a "
                                         "correction (更正原因); a default names the client"}
    person = schemas["ResponsiblePerson"]
    person["properties"]["id_type"]["description"] = (
        f"证件类型: {'、'.join(ID_TYPES)} or 其他-<name>")
    person["properties"]["id_number"]["description"] = (
        "证件号码: never stored or answered in full (only masked, and a keyed digest that "
        "matches the same person again)")
    answer = schemas["SubmissionAnswer"]
    schemas["SubmissionAnswer"] = {"allOf": [{"$ref": "#/components/schemas/DecisionStatus"},
                                             answer]}
    body["description"] = (f"One decision with the 双公示 fields (English keys). Bulk files "
                           f"write the responsible persons as columns separated by {SEPARATOR}; "
                           "here they are a list of objects. A key that names no field (English "
                           "key or the standard Chinese header) is refused with 422, naming it.")


def _paths() -> dict:
    errors = {"401": _problem("Missing or unknown API key (code `unauthorized`)"),
              "403": _problem("No `submit` scope, no bound authority, or another authority "
                              "named (codes `insufficient_scope`, `no_authority`, "
                              "`wrong_authority`)")}
    body = {"required": True, "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/DecisionSubmission"}}}}
    status = {"200": _answer("The decision's status and history", "DecisionStatus"),
              "404": _problem("No such decision of your authority (code `not_found`)"),
              **errors}
    return {
        "/api/v1/register/decisions": {
            "post": {
                "operationId": "submit_decision", "summary": "Submit a decision (报送处罚决定)",
                "requestBody": body,
                "responses": {
                    "201": _answer("Created and published (`Location` names its status)",
                                   "SubmissionAnswer"),
                    "200": _answer("`unchanged` or `corrected`", "SubmissionAnswer"),
                    "400": _problem("Not a JSON object (code `invalid_body`)"),
                    "409": _problem("Conflict: status or a concurrent submission"),
                    "413": _problem("The request body is over 1 MB"),
                    "422": _problem("Invalid fields (code `validation_failed`): `errors` "
                                    "names each field and its reason"),
                    **errors}},
            "get": {
                "operationId": "find_decision", "summary": "Find a decision by its number",
                "parameters": [{"in": "query", "name": "number", "required": True,
                                "schema": {"type": "string"},
                                "description": "行政处罚决定书文号"}],
                "responses": {**status, "400": _problem("No number (code `number_required`)")}},
        },
        "/api/v1/register/decisions/{decision_id}": {
            "get": {
                "operationId": "decision_status", "summary": "A decision's status and history",
                "parameters": [{"in": "path", "name": "decision_id", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": status},
        },
    }


def document(app: Flask) -> dict:
    """The document, built once per app (it depends only on the code)."""
    cached = app.extensions.get("register_openapi")
    if cached is None:
        cached = app.extensions["register_openapi"] = build_document()
    return cached
