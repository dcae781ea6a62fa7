"""Webhooks: batches of status changes POSTed to a client's URL, signed, retried with backoff.

Signed the Standard Webhooks way (the convention banks' systems speak):
headers `webhook-id`, `webhook-timestamp` (Unix seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")>`,
where the key is the base64 part of the `whsec_...` secret. Receivers reject
messages older than 5 minutes (`verify_signature`). The same `webhook-id` and
body are sent on every retry, so receivers can drop duplicates.

Messages go only to public addresses (no SSRF into our network): the URL's host is
resolved and checked when it is set and again before every attempt, the connection
goes to the address checked, and redirects are not followed. Loopback is allowed
only with BANK_WEBHOOK_ALLOW_HTTP (development and tests, local receivers).
A revoked client's webhook is deactivated and nothing more is sent to it.

The secret is shown once. It must stay usable to sign, so it is stored
encrypted (Fernet) under a key derived from SECRET_KEY; changing SECRET_KEY
means clients set their webhook again. It never appears in logs or answers.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import os
import secrets
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from service.accounts.models import ApiClient
from service.audit.operations import log_event
from service.bank_api.monitoring import RECORDED as PUSH
from service.bank_api.watch_models import Webhook, WebhookDelivery
from service.bank_api.watchlist import change_dict, changes_since, last_sequence
from service.core.actors import Actor
from service.core.config import ConfigError
from service.core.db import db

log = logging.getLogger(__name__)

# Wait before attempt 2, 3, ...: 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h; then failed.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=5), timedelta(hours=10), timedelta(hours=24))
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT_SECONDS = 10
LEASE = timedelta(minutes=2)  # a claimed delivery is not retried by another runner before
CHANGES_PER_MESSAGE = 100
TOLERANCE_SECONDS = 300


class WebhookError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


# --- signing -------------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one message."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def verify_signature(secret: str, headers, body: bytes, *, now: float,
                     tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: check the timestamp is recent and one signature matches."""
    try:
        message_id = headers["webhook-id"]
        timestamp = int(headers["webhook-timestamp"])
        given = headers["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in given)


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"bank-webhook-secret:" + current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    return _fernet().decrypt(sealed.encode()).decode()


# --- configuration -------------------------------------------------------------------


def check_url(url, *, allow_http: bool) -> str:
    """An absolute https URL to a public address (http and loopback only if `allow_http`)."""
    if not isinstance(url, str) or not url.strip():
        raise WebhookError("url", "required: the https URL to POST changes to")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("url", "must be an absolute http(s) URL, e.g. https://bank.example/hook")
    if len(url) > 500:
        raise WebhookError("url", "longer than 500 characters")
    if parts.scheme == "http" and not allow_http:
        raise WebhookError("url", "must use https")
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise WebhookError("url", "has an invalid port number") from None
    # A name that does not resolve (yet) reaches nothing; post() checks again anyway.
    with contextlib.suppress(OSError):
        public_addresses(parts.hostname, port, allow_loopback=allow_http)
    return url


DEFAULT_PORTS = {"http": 80, "https": 443}

# In this order: 169.254.169.254 is private too, but link-local says more.
REFUSED_ADDRESSES = (
    ("is_unspecified", "an unspecified address (未指定地址)"),
    ("is_loopback", "a loopback address (本机回环地址)"),
    ("is_link_local", "a link-local address (链路本地地址)"),
    ("is_multicast", "a multicast address (组播地址)"),
    ("is_private", "a private address (内网地址)"),
    ("is_reserved", "a reserved address (保留地址)"),
)


def address_refusal(address: str, *, allow_loopback: bool) -> str | None:
    """Why no webhook may be sent to `address` (an IP literal), or None for a public one."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped:  # ::ffff:10.0.0.1 is 10.0.0.1
        ip = ip.ipv4_mapped
    if ip.is_loopback and allow_loopback:
        return None
    for test, label in REFUSED_ADDRESSES:
        if getattr(ip, test):
            return label
    # Shared (100.64.0.0/10) and other special ranges are neither private nor public.
    return None if ip.is_global else "not a publicly routable address (非公网地址)"


def public_addresses(host: str, port: int, *, allow_loopback: bool) -> list[str]:
    """The addresses `host` resolves to, refusing all if one is not public.

    Raises WebhookError for a refused address, OSError (socket.gaierror) when the
    name does not resolve.
    """
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(info[4][0] for info in found))
    for address in addresses:
        if label := address_refusal(address, allow_loopback=allow_loopback):
            where = f"{address} is" if address == host else f"{host} resolves to {address},"
            raise WebhookError("url", f"{where} {label}: webhooks are sent to public "
                                      "addresses only")
    return addresses


def _allow_http() -> bool:
    return bool(current_app.config.get("BANK_WEBHOOK_ALLOW_HTTP", False))


def get_webhook(client_id: int) -> Webhook | None:
    return db.session.scalar(select(Webhook).where(Webhook.client_id == client_id))


def set_webhook(client_id: int, url, *, actor: Actor, now: datetime,
                allow_http: bool | None = None) -> tuple[Webhook, str]:
    """Create or replace the client's webhook with a new secret (returned once).

    Changes recorded from now on are sent; earlier ones stay in the feed.
    `allow_http` None: as the BANK_WEBHOOK_ALLOW_HTTP setting says.
    """
    url = check_url(url, allow_http=_allow_http() if allow_http is None else allow_http)
    secret = new_secret()
    webhook = get_webhook(client_id)
    before = {"url": webhook.url} if webhook else None
    if webhook is None:
        webhook = Webhook(client_id=client_id, created_at=now, cursor=last_sequence())
        db.session.add(webhook)
    webhook.url, webhook.secret_encrypted = url, seal(secret)
    webhook.is_active, webhook.updated_at = True, now
    db.session.flush()
    log_event(actor, "webhook.set", now=now, object_type="webhook", object_id=webhook.id,
              before=before, after={"url": url})  # never the secret
    return webhook, secret


def delete_webhook(webhook: Webhook, *, actor: Actor, now: datetime) -> None:
    log_event(actor, "webhook.delete", now=now, object_type="webhook", object_id=webhook.id,
              before={"url": webhook.url})
    db.session.delete(webhook)
    db.session.flush()


def list_deliveries(webhook_id: int, *, status: str | None = None,
                    limit: int = 50) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    return list(db.session.scalars(stmt.order_by(WebhookDelivery.id.desc()).limit(limit)))


def redeliver(delivery: WebhookDelivery, *, actor: Actor, now: datetime) -> WebhookDelivery:
    """Send a failed (or waiting) message again now, with a fresh round of attempts."""
    if delivery.status == "delivered":
        raise WebhookError("delivery", "this message was delivered already")
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, now
    log_event(actor, "webhook.redeliver", now=now, object_type="webhook_delivery",
              object_id=delivery.id, before=before, after={"status": "pending"})
    db.session.flush()
    db.session.info[PUSH] = True
    return delivery


# --- deliveries ----------------------------------------------------------------------


def queue_deliveries(*, now: datetime) -> int:
    """Put every active webhook's new changes into messages (idempotent: moves a cursor).

    Only webhooks of active clients: a revoked client is sent nothing more.
    """
    created = 0
    hooks = db.session.scalars(
        select(Webhook).join(ApiClient, ApiClient.id == Webhook.client_id)
        .where(Webhook.is_active.is_(True), ApiClient.is_active.is_(True))
        .order_by(Webhook.id).with_for_update(of=Webhook))
    for webhook in list(hooks):
        while changes := changes_since(webhook.client_id, webhook.cursor, CHANGES_PER_MESSAGE):
            db.session.add(_message(webhook, changes, now))
            webhook.cursor = changes[-1].id
            created += 1
    db.session.flush()
    return created


def _message(webhook: Webhook, changes, now: datetime) -> WebhookDelivery:
    message_id = f"msg_{uuid.uuid4().hex}"
    body = json.dumps({
        "type": "status.changed",
        "timestamp": now.astimezone(UTC).isoformat(),
        "id": message_id,
        "data": {"changes": [change_dict(c) for c in changes], "next_cursor": changes[-1].id},
    }, ensure_ascii=False, separators=(",", ":"))
    return WebhookDelivery(webhook_id=webhook.id, message_id=message_id,
                           first_change_id=changes[0].id, last_change_id=changes[-1].id,
                           change_count=len(changes), body=body, status="pending", attempts=0,
                           next_attempt_at=now, created_at=now)


def claim_due(*, now: datetime, limit: int = 100) -> list[int]:
    """Take due deliveries for this runner: push their next attempt past a lease.

    Messages of a deactivated webhook or a revoked client stay pending, unsent.
    """
    stmt = (select(WebhookDelivery)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .join(ApiClient, ApiClient.id == Webhook.client_id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now,
                   Webhook.is_active.is_(True), ApiClient.is_active.is_(True))
            .order_by(WebhookDelivery.id).limit(limit))
    if db.is_postgresql:
        stmt = stmt.with_for_update(skip_locked=True, of=WebhookDelivery)
    due = list(db.session.scalars(stmt))
    for delivery in due:
        delivery.next_attempt_at = now + LEASE
    db.session.flush()
    return [d.id for d in due]


def post(url: str, headers: dict, body: bytes, *,
         allow_loopback: bool = False) -> tuple[int | None, str | None]:
    """POST once to a public address; return (status code, error). Never raises for network trouble.

    The host is resolved and checked again here (DNS may have changed since the URL
    was set); a refused address is an error, and nothing is sent. A 3xx is a failure.
    """
    parts = urlsplit(url)
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        addresses = public_addresses(parts.hostname or "", port, allow_loopback=allow_loopback)
    except WebhookError as exc:
        return None, f"not sent: {exc.message}"[:300]
    except (OSError, ValueError, KeyError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    # The scheme is http(s): check_url refused anything else when the URL was set.
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with _opener(addresses).open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, None
    except urllib.error.HTTPError as exc:
        exc.close()
        if 300 <= exc.code < 400:
            return exc.code, f"HTTP {exc.code}: redirects are not followed"
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:300]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed: its target was never checked, and it is no delivery."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _pinned(connection_class, addresses: list[str]):
    """`connection_class` connecting to the addresses checked, never to a fresh DNS answer."""

    class Pinned(connection_class):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            # http.client's seam for opening the socket; HTTPS wraps that socket and
            # still verifies the certificate against the URL's host name.
            self._create_connection = functools.partial(_connect, addresses)

    return Pinned


def _connect(addresses: list[str], target, timeout, source_address=None) -> socket.socket:
    error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, target[1]), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, addresses: list[str]) -> None:
        super().__init__()
        self.addresses = addresses

    def http_open(self, req):
        return self.do_open(_pinned(http.client.HTTPConnection, self.addresses), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, addresses: list[str]) -> None:
        super().__init__()
        self.addresses = addresses

    def https_open(self, req):
        return self.do_open(_pinned(http.client.HTTPSConnection, self.addresses), req,
                            context=self._context)


def _opener(addresses: list[str]) -> urllib.request.OpenerDirector:
    # No proxy from the environment: the connection must go to the address just checked.
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects(),
                                       _PinnedHTTPHandler(addresses),
                                       _PinnedHTTPSHandler(addresses))


def prepare_delivery(delivery_id: int, *, now: datetime) -> tuple[str, dict, bytes] | None:
    """The URL, signed headers and body of a pending message's next attempt (reads only).

    None if there is nothing to send, or no longer: the client was revoked since the claim.
    """
    delivery = db.session.get(WebhookDelivery, delivery_id)
    webhook = delivery and db.session.get(Webhook, delivery.webhook_id)
    client = webhook and db.session.get(ApiClient, webhook.client_id)
    if not (delivery and webhook and client and delivery.status == "pending"
            and webhook.is_active and client.is_active):
        return None
    body = delivery.body.encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ip-credit-service-webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(unseal(webhook.secret_encrypted), delivery.message_id,
                                       timestamp, body),
    }
    return webhook.url, headers, body


def record_attempt(delivery_id: int, code: int | None, error: str | None, *,
                   now: datetime) -> WebhookDelivery:
    """Store one attempt's outcome and schedule the next one (backoff) or give up."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code = now, code
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at = "delivered", now
        delivery.next_attempt_at, delivery.last_error = None, None
    else:
        delivery.last_error = error or f"HTTP {code}"
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]
        log.info("webhook delivery %s attempt %s failed: %s", delivery.id, delivery.attempts,
                 delivery.last_error)
    db.session.flush()
    return delivery


def deliver_webhooks(*, clock: Callable[[], datetime], commit: Callable[[], None],
                     send=None) -> dict:
    """Queue new changes, then send every due message once (the cron job; idempotent).

    Commits after queueing, after claiming and around each attempt, so that no
    HTTP call happens inside an open transaction and a crash loses nothing.
    `send` defaults to `post`, to loopback too if BANK_WEBHOOK_ALLOW_HTTP is on.
    """
    send = send or functools.partial(post, allow_loopback=_allow_http())
    queued = queue_deliveries(now=clock())
    commit()
    ids = claim_due(now=clock())
    commit()
    outcome = {"queued": queued, "delivered": 0, "retrying": 0, "failed": 0}
    for delivery_id in ids:
        request = prepare_delivery(delivery_id, now=clock())
        commit()  # end the read: SQLite cannot turn it into a write once another commits
        if request is None:
            continue
        code, error = send(*request)
        delivery = _with_retries(lambda i=delivery_id, c=code, e=error: _recorded(
            lambda: record_attempt(i, c, e, now=clock()), commit),
            attempts=RECORD_ATTEMPTS, pause=0.1)
        key = {"delivered": "delivered", "failed": "failed"}.get(delivery.status, "retrying")
        outcome[key] += 1
    return outcome


RECORD_ATTEMPTS = 5
T = TypeVar("T")


def _with_retries(action: Callable[[], T], *, attempts: int, pause: float) -> T:
    """Run `action` (which commits), again on a busy SQLite (another writer) after a pause."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except OperationalError:
            db.session.rollback()
            if attempt == attempts:
                raise
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")


def _recorded(write: Callable[[], T], commit: Callable[[], None]) -> T:
    result = write()
    commit()
    return result


# --- after-commit push ----------------------------------------------------------------


PUSH_ATTEMPTS = 3


class Pusher:
    """Deliver in a background thread right after a commit that recorded changes.

    One run at a time per process; a trigger during a run asks for one more run.
    Cron (`bank deliver-webhooks`) remains the safety net for retries and crashes.
    """

    def __init__(self, app) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._again = False
        self._running = False

    def __call__(self) -> None:
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
        threading.Thread(target=self._run, name="webhook-push", daemon=True).start()

    def _run(self) -> None:
        from service.core import clock

        again = True
        while again:
            with self.app.app_context():
                try:
                    # Deliveries are at-least-once: receivers drop a repeat by its id.
                    _with_retries(lambda: deliver_webhooks(clock=clock.now,
                                                           commit=db.session.commit),
                                  attempts=PUSH_ATTEMPTS, pause=0.2)
                except Exception:
                    db.session.rollback()
                    log.exception("webhook push failed; cron will retry")
            with self._lock:
                again, self._again = self._again, False
                self._running = again


def _flag(app, name: str, default: bool) -> bool:
    value = app.config.get(name, os.environ.get(name))
    if value is None:
        return default
    if isinstance(value, str):
        if value.lower() not in ("1", "true", "yes", "0", "false", "no"):
            raise ConfigError(f"{name}={value!r}: use true or false")
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def init_webhooks(app) -> None:
    """Push after commit unless BANK_WEBHOOK_PUSH is false (default: off under TESTING)."""
    app.config["BANK_WEBHOOK_PUSH"] = _flag(app, "BANK_WEBHOOK_PUSH",
                                            not app.config.get("TESTING", False))
    app.config["BANK_WEBHOOK_ALLOW_HTTP"] = _flag(app, "BANK_WEBHOOK_ALLOW_HTTP", False)
    if app.config["BANK_WEBHOOK_PUSH"]:
        app.extensions["bank_webhook_trigger"] = Pusher(app)
