"""URL converters and request checks shared by the blueprints."""

from __future__ import annotations

from flask import abort, current_app, request, url_for
from werkzeug.routing import IntegerConverter

# Primary keys are INTEGER columns: 32 bits on PostgreSQL, 64 on SQLite.
MAX_ID = 2**31 - 1
# The last page a list answers: past it a list is empty anyway, and a 20-digit page
# number overflowed the database's integer OFFSET (a 500).
MAX_PAGE = 10_000
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to what an id column holds: a bigger number is a 404, not a 500."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def refuse_nul_characters() -> None:
    """A 400 for U+0000 in the path, query or form: PostgreSQL refuses it in text (a 500).

    For the public pages' blueprints (`bp.before_request`); the APIs and the console check
    their fields themselves, and the search page answers whatever is typed.
    """
    given = [request.path, *_pairs(request.args)]
    if request.mimetype in _FORM_TYPES:
        given += _pairs(request.form)
    if any("\x00" in text for text in given):
        abort(400, description="请求中含有不允许的字符（U+0000）")


def _pairs(values) -> list[str]:
    return [text for pair in values.items(multi=True) for text in pair]


def site_root() -> str:
    """The site's root URL ending in '/', for links read outside the site (feed, downloads).

    PUBLIC_BASE_URL when set; otherwise the request's own, built from its Host header, which
    a client can set to another site's name (the links would then point there).
    """
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base}{request.script_root}/" if base else request.url_root


def external_url(endpoint: str, **values) -> str:
    """`url_for(endpoint, _external=True)`, on PUBLIC_BASE_URL when it is set."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    return base + url_for(endpoint, **values)


def init_routing(app) -> None:
    app.url_map.converters["int"] = IdConverter
    app.add_template_global(external_url)
