"""The ?page= of a console list."""

from __future__ import annotations

from flask import request

from service.core.routing import MAX_PAGE


def page_arg() -> int:
    """The requested page, 1 to MAX_PAGE (not a number: 1); the public pages refuse more."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
