"""What a server worker does once its app is built (wsgi.py; the bank benchmark too)."""

from __future__ import annotations

import gc
import logging
from urllib.parse import parse_qsl, urlencode

from flask import Flask
from gunicorn import glogging

from service.public.redaction import redact_id_numbers

log = logging.getLogger(__name__)


def ready_to_serve(app: Flask) -> Flask:
    """Warm what the first requests would otherwise wait for, then freeze the heap."""
    from service.bank_api.lookup import warm_region_prefixes

    if not app.config.get("PUBLIC_BASE_URL"):
        # Fine on 127.0.0.1; behind a proxy, a forged Host header would pick the links.
        log.warning("PUBLIC_BASE_URL is not set: the links in the feed, the open data and the "
                    "credit reports follow each request's Host header; set it to the site's "
                    "public address, e.g. PUBLIC_BASE_URL=https://credit.example.gov.cn")

    # The name lookup's region prefixes are read in the background now, not on the
    # worker's first lookup (one scan of the names).
    warm_region_prefixes(app.extensions["db_engine"])
    if app.config["SEARCH_BACKEND"] == "whoosh":
        from service.search.analysis import warm_segmenter

        # jieba reads its dictionary on first use (about a second): not on the worker's
        # first Chinese search, and before the freeze, which keeps it out of full passes.
        warm_segmenter()
    # What start-up built lives as long as the worker: keep it out of the collector's
    # full passes, which otherwise walk it again and again (they stretched the slowest
    # batches of 1,000 codes by about half).
    gc.freeze()
    return app


class AccessLogger(glogging.Logger):
    """gunicorn's logger, with ID card numbers masked in what the access log writes.

    The public search box sends what a visitor typed as the query string (GET, so
    that a search can be linked), and a visitor may type a person's 身份证号码: the
    request line, the query string and the referer are logged with any ID number
    in them masked, as every public view masks it. gunicorn.conf.py selects it.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "q", "f", "{referer}i"):
            if atoms.get(name):
                atoms[name] = redact_url(atoms[name])
        return atoms


def redact_url(text: str) -> str:
    """A request line, URL or query string with any ID card number in its query values
    masked; unchanged (byte for byte) when there is none."""
    head, mark, rest = text.partition("?") if "?" in text else ("", "", text)
    query, space, tail = rest.partition(" ")  # a request line ends in " HTTP/1.1"
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = [(k, redact_id_numbers(v)) for k, v in pairs]
    if masked == pairs:
        return text
    return f"{head}{mark}{urlencode(masked, safe='*')}{space}{tail}"
