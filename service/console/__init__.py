"""The officials' console (执法部门工作台): accounts, roles and the decision workflow.

`init_app` sets the session cookie policy, turns on CSRF protection for every
form outside the JSON APIs (/api/*, which authenticate with keys, not cookies)
and registers the `console` blueprint at /console.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, Flask, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import BadRequest

bp = Blueprint("console", __name__, url_prefix="/console")
csrf = CSRFProtect()

SESSION_LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    action: str | None = None  # shown to users who `can` do this action


# The console's navigation; feature modules add their pages with `add_nav`.
NAV: list[NavItem] = [
    NavItem("console.home", "工作台"),
    NavItem("console.decisions", "处罚决定", "decision.list"),
    NavItem("console.new_decision", "录入决定", "decision.create"),
    NavItem("console.users", "用户管理", "user.list"),
]


def add_nav(endpoint: str, label: str, action: str | None = None) -> None:
    if all(item.endpoint != endpoint for item in NAV):
        NAV.append(NavItem(endpoint, label, action))


def init_app(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="ipc_session",
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        # Checked in `_protect_forms` so that the JSON APIs are exempt by path.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    csrf.init_app(app)
    app.before_request(_protect_forms)
    app.register_error_handler(CSRFError, _csrf_failed)

    from service.console import (  # noqa: F401 (they attach their routes to bp)
        auth,
        upload,
        views_account,
        views_audit,
        views_clients,
        views_decisions,
        views_lists,
        views_reports,
        views_users,
    )

    app.register_blueprint(bp)
    app.context_processor(auth.template_context)


@bp.after_request
def _security_headers(response):
    """Console pages hold non-public data: never cached, never framed, no outside assets."""
    from service.public.views import CSP

    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(403)
def _forbidden(error):
    """Say why, in the console's frame (the reason comes from permissions.why_not)."""
    return render_template("console/forbidden.html", error=error), 403


def body_limit(max_bytes: int):
    """Let this view read a request body of up to `max_bytes` (MAX_CONTENT_LENGTH elsewhere)."""
    def mark(view):
        view.max_body = max_bytes
        return view
    return mark


def _protect_forms() -> None:
    """Every state-changing request outside /api/ must carry the session's CSRF token."""
    # The CSRF check reads the form, so a view's own body limit applies from here on.
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "max_body", None):
        request.max_content_length = view.max_body
    # Flask-WTF caches the token on `g`; an app context can outlive a request (tests,
    # CLI), so start each request from the session's own token.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    if request.path.startswith("/api/") or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    csrf.protect(apply_exemptions=True)


def _csrf_failed(error: CSRFError):
    if request.blueprint != "console":  # a public form (report verification): the site's page
        return render_template("error.html", error=BadRequest(), detail=(
            "表单已过期或来源无法验证（CSRF 校验失败），未执行。"
            "请返回上一页，刷新后重新提交。")), 400
    return render_template("console/csrf_error.html", error=error), 400
