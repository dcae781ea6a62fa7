"""The application factory."""

from __future__ import annotations

import logging

from flask import Flask

from service.core.config import ROOT, load_config
from service.core.db import db
from service.core.errors import register_error_handlers
from service.core.routing import init_routing


def create_app(config: dict | None = None) -> Flask:
    """Create the app: configuration, extensions, blueprints, CLI. Runs no query."""
    app = Flask(
        "service",
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "service" / "static"),
    )
    app.config.update(load_config(config))
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    init_routing(app)  # before any blueprint adds a rule
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_setup_steps(app)
    register_error_handlers(app)
    if app.config["TRUSTED_PROXIES"]:  # client addresses (rate limits, audit) from the proxy
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _init_extensions(app: Flask) -> None:
    from service.bank_api.monitoring import init_monitoring
    from service.bank_api.reports import init_reports
    from service.bank_api.webhooks import init_webhooks
    from service.console import init_app as init_console
    from service.rules.policy import init_policy

    db.init_app(app)
    init_policy(app)
    init_console(app)  # session cookie policy and CSRF for every form outside /api/
    init_monitoring(app)
    init_webhooks(app)
    init_reports(app)
    from service.search.applier import init_app as init_search_applier

    init_search_applier(app)  # index follows commits: a thread, or the end of a CLI command


def _register_blueprints(app: Flask) -> None:
    from service.bank_api import register_bank_api
    from service.bank_api.report_pages import bp as report_pages
    from service.public.search_views import bp as search_site
    from service.public.views import bp as public_site
    from service.register.api import bp as register_api

    app.register_blueprint(register_api)
    register_bank_api(app)
    app.register_blueprint(public_site)
    app.register_blueprint(search_site)
    app.register_blueprint(report_pages)


def _register_cli(app: Flask) -> None:
    from service.accounts.cli import accounts_cli
    from service.bank_api.watch_cli import bank_watch_cli
    from service.core.cli import db_cli, demo_cli, setup_command
    from service.lists.cli import lists_cli
    from service.register.cli import register_cli
    from service.rules.cli import rules_cli

    for command in (db_cli, demo_cli, setup_command, accounts_cli, register_cli, rules_cli):
        app.cli.add_command(command)
    app.cli.add_command(lists_cli)
    app.cli.add_command(bank_watch_cli)
    from service.search.cli import search_cli

    app.cli.add_command(search_cli)


def _register_setup_steps(app: Flask) -> None:
    """`setup` runs these in order: the demo register first, the search index last."""
    from service.register.demo import setup_step as demo_step
    from service.search.applier import setup_search_index

    steps = app.extensions.setdefault("setup_steps", [])
    steps.insert(0, demo_step)
    steps.append(setup_search_index)
