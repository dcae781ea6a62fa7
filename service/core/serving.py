"""What a server worker does once its app is built (wsgi.py; the bank benchmark too)."""

from __future__ import annotations

import gc
import logging

from flask import Flask

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
