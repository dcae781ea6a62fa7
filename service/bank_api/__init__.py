"""The bank credit-check API (/api/v1): checks by code, batches, name lookup, monitoring, reports.

Every view module adds its routes to `bp` and is listed in `VIEW_MODULES`;
`register_bank_api(app)` imports them, configures keys and rate limits and
registers the blueprint. A view is guarded by `auth.require_client(scope)`
and writes its questions to the query log (`querylog.log_queries`).
"""

from __future__ import annotations

from importlib import import_module

from flask import Blueprint, Flask

bp = Blueprint("bank_api", __name__, url_prefix="/api/v1")

# Modules that add routes to `bp` (append yours).
VIEW_MODULES = ["service.bank_api.views", "service.bank_api.docs", "service.bank_api.watch_views",
                "service.bank_api.report_views"]


def register_bank_api(app: Flask) -> None:
    from flask_limiter.errors import RateLimitExceeded

    from service.bank_api.auth import add_standard_headers, init_auth, rate_limited, start_timer

    init_auth(app)
    for name in VIEW_MODULES:
        import_module(name)
    if not bp._got_registered_once:
        bp.register_error_handler(RateLimitExceeded, rate_limited)
        bp.before_request(start_timer)
        bp.after_request(add_standard_headers)
    app.register_blueprint(bp)
    from service.bank_api.docs import docs_bp

    app.register_blueprint(docs_bp)
