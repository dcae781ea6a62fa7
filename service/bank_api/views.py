"""The bank API's check endpoints (thin: parse, one query, dump, log)."""

from __future__ import annotations

from flask import g

from service.bank_api import bp
from service.bank_api.auth import require_client


@bp.get("/me")
@require_client("check")
def whoami():
    """The calling client: name, scopes and rate limit."""
    client = g.api_client
    return {"id": client.id, "name": client.name, "institution": client.institution,
            "scopes": sorted(client.scopes), "rate_limit": client.rate_limit}
