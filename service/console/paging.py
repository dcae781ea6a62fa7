"""The ?page= of a console list."""

from __future__ import annotations

from flask import request

# The public pages refuse more (service.public.params); past it a list is empty anyway,
# and a 20-digit page number overflowed the database's integer OFFSET (a 500).
MAX_PAGE = 10_000


def page_arg() -> int:
    """The requested page, 1 to MAX_PAGE (not a number: 1)."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
