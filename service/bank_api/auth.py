"""Who is calling the bank API: API keys, scopes and per-client rate limits.

`require_client(scope)` guards a view: it reads `Authorization: Bearer <key>`
(or `X-API-Key`), checks the key with `accounts.keys.authenticate_key`, counts
the request against the client's rate limit (Flask-Limiter, one budget per
client over the whole API) and then checks the scope. The view finds the
caller in `g.api_client` (a `ClientIdentity`).

Keys are checked against the database at most every
`BANK_API_AUTH_CACHE_SECONDS` (default 5) per worker process: a successful
lookup is cached in-process by the SHA-256 of the presented key. A rotated or
revoked key therefore stops working within that many seconds in every worker.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import ClassVar

from flask import Flask, current_app, g, render_template, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from service.accounts.keys import authenticate_key
from service.accounts.models import ApiClient
from service.bank_api.querylog import REQUEST_ID
from service.core.clock import now
from service.core.config import ConfigError
from service.core.db import db, transactional
from service.core.errors import ApiError, problem_response

log = logging.getLogger(__name__)

DEFAULT_RATE_LIMIT = "600/minute"
DEFAULT_PUBLIC_RATE_LIMIT = "60/minute"  # per client address, the public report pages together
# Per client address, the site's query pages together (/search, the lists, statistics): a
# reader clicks a page every few seconds; one search can take tens of milliseconds of CPU.
DEFAULT_PUBLIC_SEARCH_RATE_LIMIT = "60/minute"  # a person clicking through lists and results
# Per client address, whole-register downloads and the feed together (a reader polls the feed
# every few minutes; one CSV of every disclosed decision streams the whole table).
DEFAULT_PUBLIC_DOWNLOAD_RATE_LIMIT = "10/minute"
# Per client address, the site's other pages together (home, a decision's or a subject's
# page, the open-data page): cheap each, but a script walking every decision id is not a
# reader (the whole register is one download away).
DEFAULT_PUBLIC_PAGE_RATE_LIMIT = "300/minute"
PUBLIC_LIMIT_SETTINGS = {"PUBLIC_RATE_LIMIT": DEFAULT_PUBLIC_RATE_LIMIT,
                         "PUBLIC_SEARCH_RATE_LIMIT": DEFAULT_PUBLIC_SEARCH_RATE_LIMIT,
                         "PUBLIC_DOWNLOAD_RATE_LIMIT": DEFAULT_PUBLIC_DOWNLOAD_RATE_LIMIT,
                         "PUBLIC_PAGE_RATE_LIMIT": DEFAULT_PUBLIC_PAGE_RATE_LIMIT}
LAST_USED_PRECISION = timedelta(seconds=60)  # last_used_at is written at most once a minute


@dataclass(frozen=True)
class ClientIdentity:
    """The authenticated caller, detached from the database session."""

    id: int
    name: str
    institution: str | None
    scopes: frozenset[str]
    rate_limit: str | None

    @classmethod
    def of(cls, client: ApiClient) -> ClientIdentity:
        return cls(client.id, client.name, client.institution, frozenset(client.scopes or ()),
                   client.rate_limit)


class LocalMemoryStorage(MemoryStorage):
    """limits' memory storage without its expiry thread (`localmemory://`).

    The stock storage starts a new `threading.Timer` on nearly every hit to
    purge expired counters, which costs more than the rest of a check under
    load. Expired counters are already dropped when read; with one counter per
    client there is nothing else to purge.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["localmemory"]

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 (overrides a private name)
        return None


def _setting(name: str):
    return lambda: current_app.config[name]


# Bank clients are counted by count_request; the decorated public endpoints by address.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True, strategy="fixed-window")
# The public report checks (API and pages) need no key: one budget per client address.
# Behind a reverse proxy, set TRUSTED_PROXIES so that the address is the caller's.
public_limit = limiter.shared_limit(_setting("PUBLIC_RATE_LIMIT"), scope="public_reports",
                                    key_func=get_remote_address)
# The public site's expensive pages, one budget per address for each kind (service/public).
search_limit = limiter.shared_limit(_setting("PUBLIC_SEARCH_RATE_LIMIT"), scope="public_search",
                                    key_func=get_remote_address)
download_limit = limiter.shared_limit(_setting("PUBLIC_DOWNLOAD_RATE_LIMIT"),
                                      scope="public_downloads", key_func=get_remote_address)
page_limit = limiter.shared_limit(_setting("PUBLIC_PAGE_RATE_LIMIT"), scope="public_pages",
                                  key_func=get_remote_address)


def init_auth(app: Flask) -> None:
    """Configure and check the rate limits; Redis when REDIS_URL is set, memory otherwise."""
    app.config.setdefault("BANK_API_RATE_LIMIT",
                          os.environ.get("BANK_API_RATE_LIMIT", DEFAULT_RATE_LIMIT))
    for name, default in PUBLIC_LIMIT_SETTINGS.items():
        app.config.setdefault(name, os.environ.get(name, default))
    app.config.setdefault("BANK_API_AUTH_CACHE_SECONDS",
                          os.environ.get("BANK_API_AUTH_CACHE_SECONDS", "5"))
    try:
        ttl = float(app.config["BANK_API_AUTH_CACHE_SECONDS"])
    except ValueError:
        ttl = -1
    if not 0 <= ttl <= 60:
        raise ConfigError("BANK_API_AUTH_CACHE_SECONDS must be a number of seconds from 0 to 60 "
                          "(how long a revoked key may still work)")
    app.config.setdefault("RATELIMIT_STORAGE_URI",
                          app.config.get("REDIS_URL") or "localmemory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # If Redis stops answering, the public endpoints are limited per process meanwhile
    # (bank clients too: count_request), rather than failing.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss")):
        # A Redis that hangs must not hang the requests: give up on it within half a second.
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS",
                              {"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
    for name in ("BANK_API_RATE_LIMIT", *PUBLIC_LIMIT_SETTINGS):
        try:
            parse_limit(app.config[name])
        except ValueError as exc:
            raise ConfigError(f"{name}={app.config[name]!r}: "
                              'write it like "600/minute" or "20/second"') from exc
    app.extensions["bank_api_auth"] = KeyCache()
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, too_many_requests)


class KeyCache:
    """Authenticated keys per process for a few seconds; last_used_at writes per minute."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[float, ClientIdentity]] = {}
        self._touched: dict[int, float] = {}

    def get(self, digest: str, ttl: float) -> ClientIdentity | None:
        found = self._keys.get(digest)
        if found is None or time.monotonic() - found[0] >= ttl:
            return None
        return found[1]

    def put(self, digest: str, identity: ClientIdentity) -> None:
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[digest] = (time.monotonic(), identity)

    def should_touch(self, client_id: int) -> bool:
        last = self._touched.get(client_id)
        moment = time.monotonic()
        if last is not None and moment - last < LAST_USED_PRECISION.total_seconds():
            return False
        self._touched[client_id] = moment
        return True


def presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return request.headers.get("X-API-Key", "").strip() or None


def _unauthenticated(detail: str) -> ApiError:
    return ApiError(401, "unauthenticated", detail,
                    headers={"WWW-Authenticate": 'Bearer realm="bank_api"'})


def authenticate() -> ClientIdentity:
    """The caller of this request, or a 401 problem."""
    key = presented_key()
    if key is None:
        raise _unauthenticated("send your API key as 'Authorization: Bearer <key>' "
                               "or in the X-API-Key header")
    cache: KeyCache = current_app.extensions["bank_api_auth"]
    ttl = float(current_app.config["BANK_API_AUTH_CACHE_SECONDS"])
    digest = hashlib.sha256(key.encode()).hexdigest()
    identity = cache.get(digest, ttl) if ttl > 0 else None
    if identity is None:
        client = authenticate_key(key)
        if client is None:
            raise _unauthenticated("the API key is unknown, rotated or revoked")
        identity = ClientIdentity.of(client)
        if ttl > 0:
            cache.put(digest, identity)
    if cache.should_touch(identity.id):
        _touch(identity.id)
    return identity


def _touch(client_id: int) -> None:
    """Record `last_used_at`, best effort: bookkeeping must never fail a bank's check.

    On SQLite a concurrent writer can make this write fail (database is locked); the
    savepoint keeps the request's transaction usable and a later request records it.
    """
    try:
        with db.session.begin_nested():
            db.session.execute(update(ApiClient).where(ApiClient.id == client_id)
                               .values(last_used_at=now()))
    except OperationalError as exc:
        log.info("last_used_at of API client %s not recorded now: %s", client_id, exc.orig)


def one_snapshot() -> None:
    """Make every read of this request see the database as of one moment (PostgreSQL).

    PostgreSQL's default READ COMMITTED takes a new snapshot per statement, so an
    answer built from several queries could mix states (a decision published between
    two of them). REPEATABLE READ keeps the first statement's snapshot to the end of
    the transaction; SQLite's read transaction does that already. Inside a session
    bound to an outer transaction (tests) the outer one decides.
    """
    session = db.session()
    if (db.is_postgresql and not session.in_transaction()
            and isinstance(session.get_bind(), Engine)):
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def require_client(scope: str | None, *, snapshot: bool = False):
    """Guard a view: a valid key, within its rate limit, holding `scope` (None: any key).

    The limit is counted before the scope is checked, so even a 403 carries
    the rate-limit headers and uses up the budget. The view runs inside one
    transaction, committed when it returns and rolled back when it raises;
    with `snapshot`, all its reads see one moment (`one_snapshot`).
    """

    def decorator(view):
        @functools.wraps(view)
        def scoped(*args, **kwargs):
            if scope is not None and scope not in g.api_client.scopes:
                raise ApiError(403, "insufficient_scope",
                               f"this API key lacks the '{scope}' scope; ask the service "
                               "operator to grant it", headers={
                                   "WWW-Authenticate":
                                       f'Bearer realm="bank_api", error="insufficient_scope", '
                                       f'scope="{scope}"'})
            return view(*args, **kwargs)

        @functools.wraps(view)
        @transactional  # one commit per request: last_used_at, the query log, the answer
        def guarded(*args, **kwargs):
            if snapshot:
                one_snapshot()
            g.api_client = authenticate()
            count_request(g.api_client)
            return scoped(*args, **kwargs)

        guarded.required_scope = scope
        return guarded

    return decorator


@dataclass(frozen=True)
class Budget:
    """A client's rate limit in this window, after counting this request."""

    limit: RateLimitItem
    remaining: int
    reset_at: float  # Unix time


@functools.lru_cache(maxsize=256)
def _limit_item(text: str) -> RateLimitItem:
    return parse_limit(text)


def count_request(identity: ClientIdentity) -> None:
    """Count this request against the client's budget; past it, a 429 problem.

    One budget per client over the whole API, in Flask-Limiter's configured storage
    (Redis with REDIS_URL, memory otherwise), called directly: Flask-Limiter's
    per-request route machinery costs more than the rest of a single check.
    `add_standard_headers` reports the budget on every answer.
    """
    item = _limit_item(identity.rate_limit or current_app.config["BANK_API_RATE_LIMIT"])
    # A fixed window, as limits' FixedWindowRateLimiter.hit keeps it, but with the count
    # this request made: concurrent requests each see their own remaining budget.
    key = item.key_for("bank_api", f"client:{identity.id}")
    try:
        count, reset_at = _count_in(limiter.storage, key, item)
    except Exception as exc:  # Redis unreachable: count in this process, as Flask-Limiter does
        _storage_failed(exc)
        count, reset_at = _count_in(_FALLBACK, key, item)
    g.bank_budget = Budget(item, max(0, item.amount - count), reset_at)
    if count > item.amount:
        raise ApiError(429, "rate_limited", f"rate limit of {item} exceeded for this API "
                       "client; wait until the time in Retry-After")


def _count_in(storage, key: str, item: RateLimitItem) -> tuple[int, float]:
    count = storage.incr(key, item.get_expiry())
    return count, storage.get_expiry(key)


_FALLBACK = LocalMemoryStorage("localmemory://")
_failure_logged = [0.0]


def _storage_failed(exc: Exception) -> None:
    """Log (at most once a minute) that the shared store failed and limits are per process."""
    if time.monotonic() - _failure_logged[0] > 60:
        _failure_logged[0] = time.monotonic()
        log.warning("rate-limit storage unreachable (%s): counting in this process until it "
                    "answers again", exc)


def rate_limited(exc: RateLimitExceeded):
    caller = "this API client" if "api_client" in g else "this address (public endpoints)"
    return problem_response(ApiError(
        429, "rate_limited",
        f"rate limit of {exc.limit.limit} exceeded for {caller}; "
        "wait until the time in Retry-After"))


_PERIODS = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天", "month": "月",
            "year": "年"}


_PLAIN_DOWNLOADS = (".csv", ".atom")


def too_many_requests(exc: RateLimitExceeded):
    """Over a public budget: problem+json for the APIs and JSON downloads, plain text for the
    CSV downloads and the feed (a download tool or feed reader must not save or parse a web
    page as the file), else a Chinese page.

    Flask-Limiter adds Retry-After (and the X-RateLimit-* headers) after this.
    """
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return rate_limited(exc)
    item = exc.limit.limit
    current = limiter.current_limit
    wait = max(1, int(current.reset_at - time.time()) if current is not None
               else item.get_expiry())
    period = _PERIODS.get(item.GRANULARITY.name, item.GRANULARITY.name)
    per = f"每{period}" if item.multiples == 1 else f"每 {item.multiples} {period}"
    limit_text = f"{per}最多 {item.amount} 次"
    if request.path.endswith(_PLAIN_DOWNLOADS):
        response = current_app.make_response((
            f"访问过于频繁（429 Too Many Requests）：{limit_text}，请在 {wait} 秒后再试。\n",
            429, {"Content-Type": "text/plain; charset=utf-8"}))
    else:
        response = current_app.make_response((render_template(
            "error.html", error=exc, retry_after=wait, limit_text=limit_text), 429))
    response.headers["Cache-Control"] = "no-store"
    return response


def start_timer() -> None:
    g.bank_started = time.perf_counter()


def add_standard_headers(response):
    """IETF RateLimit-* headers (draft-ietf-httpapi-ratelimit-headers) beside X-RateLimit-*,
    and Server-Timing (the time spent in the app, for the bank's own monitoring); X-Request-Id
    where the request was logged: the id its query-log rows carry (查询日志编号)."""
    if (logged := request.environ.get(REQUEST_ID)) is not None:
        response.headers["X-Request-Id"] = logged
    if "bank_started" in g:
        spent = (time.perf_counter() - g.bank_started) * 1000
        response.headers["Server-Timing"] = f"app;dur={spent:.1f}"
    budget, ours = g.get("bank_budget"), True
    if budget is None and (current := limiter.current_limit) is not None:
        # A public endpoint, limited by Flask-Limiter, which adds the X-RateLimit-* headers.
        budget, ours = Budget(current.limit, current.remaining, current.reset_at), False
    if budget is not None:
        amount, reset_in = budget.limit.amount, max(0, int(budget.reset_at - time.time()))
        headers = response.headers
        headers["RateLimit-Limit"] = str(amount)
        headers["RateLimit-Remaining"] = str(budget.remaining)
        headers["RateLimit-Reset"] = str(reset_in)
        headers["RateLimit-Policy"] = f"{amount};w={budget.limit.get_expiry()}"
        if ours:
            headers["X-RateLimit-Limit"] = str(amount)
            headers["X-RateLimit-Remaining"] = str(budget.remaining)
            headers["X-RateLimit-Reset"] = str(int(budget.reset_at))
            headers["Retry-After"] = str(reset_in)
    return response

