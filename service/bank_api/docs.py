"""The API's published description: /api/v1/openapi.json and the page /api/docs."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from service.bank_api import bp
from service.bank_api.openapi import document

docs_bp = Blueprint("bank_api_docs", __name__)


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3 document (no key needed)."""
    return jsonify(document(current_app))


def _schema_rows(doc: dict, ref: str | None) -> list[dict]:
    """Flatten a component schema into rows (name, type, required, description) for the page."""
    if not ref:
        return []
    name = ref.rsplit("/", 1)[-1]
    schema = doc["components"]["schemas"].get(name, {})
    required = set(schema.get("required", ()))
    rows = []
    for field_name, prop in schema.get("properties", {}).items():
        kind = prop.get("type") or prop.get("$ref", "").rsplit("/", 1)[-1]
        if kind == "array":
            items = prop.get("items", {})
            kind = f"array of {items.get('type') or items.get('$ref', '').rsplit('/', 1)[-1]}"
        if prop.get("format"):
            kind += f" ({prop['format']})"
        if prop.get("nullable"):
            kind += ", nullable"
        rows.append({"name": field_name, "type": kind, "required": field_name in required,
                     "description": prop.get("description", ""), "enum": prop.get("enum")})
    return rows


@docs_bp.get("/api/docs")
def api_docs():
    """A page describing every operation, rendered on the server from the document."""
    doc = document(current_app)
    operations = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            body = (op.get("requestBody", {}).get("content", {})
                    .get("application/json", {}).get("schema", {}).get("$ref"))
            answer = next((c.get("schema", {}).get("$ref")
                           for c in op["responses"].get("200", {}).get("content", {}).values()),
                          None)
            operations.append({"path": path, "method": method.upper(), "op": op,
                               "body": _schema_rows(doc, body),
                               "answer": _schema_rows(doc, answer),
                               "answer_name": (answer or "").rsplit("/", 1)[-1]})
    return render_template("bank_api/docs.html", doc=doc, operations=operations,
                           schemas=doc["components"]["schemas"],
                           rows=lambda name: _schema_rows(doc, f"#/components/schemas/{name}"))
