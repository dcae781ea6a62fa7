"""Webhooks: batches of status changes POSTed to a client's URL, signed, retried with backoff.

Signed the Standard Webhooks way (the convention banks' systems speak):
headers `webhook-id`, `webhook-timestamp` (Unix seconds) and
`webhook-signature: v1,<base64 HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")>`,
where the key is the base64 part of the `whsec_...` secret. Receivers reject
messages older than 5 minutes (`verify_signature`). The same `webhook-id` and
body are sent on every retry, so receivers can drop duplicates.

The secret is shown once. It must stay usable to sign, so it is stored
encrypted (Fernet) under a key derived from SECRET_KEY; changing SECRET_KEY
means clients set their webhook again. It never appears in logs or answers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

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
    """An absolute https URL (http only to loopback, or when the configuration allows it)."""
    if not isinstance(url, str) or not url.strip():
        raise WebhookError("url", "required: the https URL to POST changes to")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError("url", "must be an absolute http(s) URL, e.g. https://bank.example/hook")
    if len(url) > 500:
        raise WebhookError("url", "longer than 500 characters")
    if parts.scheme == "http" and not allow_http and not _is_loopback(parts.hostname):
        raise WebhookError("url", "must use https (http is accepted for loopback only)")
    return url


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def get_webhook(client_id: int) -> Webhook | None:
    return db.session.scalar(select(Webhook).where(Webhook.client_id == client_id))


def set_webhook(client_id: int, url, *, actor: Actor, now: datetime,
                allow_http: bool = False) -> tuple[Webhook, str]:
    """Create or replace the client's webhook with a new secret (returned once).

    Changes recorded from now on are sent; earlier ones stay in the feed.
    """
    url = check_url(url, allow_http=allow_http)
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
    """Put every active webhook's new changes into messages (idempotent: moves a cursor)."""
    created = 0
    hooks = db.session.scalars(select(Webhook).where(Webhook.is_active.is_(True))
                               .order_by(Webhook.id).with_for_update())
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
        "id": message_id,
        "data": {"changes": [change_dict(c) for c in changes], "next_cursor": changes[-1].id},
    }, ensure_ascii=False, separators=(",", ":"))
    return WebhookDelivery(webhook_id=webhook.id, message_id=message_id,
                           first_change_id=changes[0].id, last_change_id=changes[-1].id,
                           change_count=len(changes), body=body, status="pending", attempts=0,
                           next_attempt_at=now, created_at=now)


def claim_due(*, now: datetime, limit: int = 100) -> list[int]:
    """Take due deliveries for this runner: push their next attempt past a lease."""
    stmt = (select(WebhookDelivery).where(WebhookDelivery.status == "pending",
                                          WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.id).limit(limit))
    if db.is_postgresql:
        stmt = stmt.with_for_update(skip_locked=True)
    due = list(db.session.scalars(stmt))
    for delivery in due:
        delivery.next_attempt_at = now + LEASE
    db.session.flush()
    return [d.id for d in due]


def post(url: str, headers: dict, body: bytes) -> tuple[int | None, str | None]:
    """POST once; return (status code, error). Never raises for network trouble."""
    # The scheme is http(s): check_url refused anything else when the URL was set.
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:300]


def prepare_delivery(delivery_id: int, *, now: datetime) -> tuple[str, dict, bytes] | None:
    """The URL, signed headers and body of a pending message's next attempt (reads only)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    webhook = delivery and db.session.get(Webhook, delivery.webhook_id)
    if delivery is None or webhook is None or delivery.status != "pending":
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
                     send=post) -> dict:
    """Queue new changes, then send every due message once (the cron job; idempotent).

    Commits after queueing, after claiming and around each attempt, so that no
    HTTP call happens inside an open transaction and a crash loses nothing.
    """
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
        delivery = _with_retries(lambda i=delivery_id, c=code, e=error: record_attempt(
            i, c, e, now=clock()), commit)
        key = {"delivered": "delivered", "failed": "failed"}.get(delivery.status, "retrying")
        outcome[key] += 1
    return outcome


RECORD_ATTEMPTS = 5


def _with_retries(write: Callable[[], WebhookDelivery],
                  commit: Callable[[], None]) -> WebhookDelivery:
    """Write and commit an attempt's outcome, again on a busy SQLite (another writer)."""
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            result = write()
            commit()
            return result
        except OperationalError:
            db.session.rollback()
            if attempt == RECORD_ATTEMPTS:
                raise
            time.sleep(0.1 * attempt)
    raise AssertionError("unreachable")


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
                for attempt in range(1, PUSH_ATTEMPTS + 1):
                    try:
                        deliver_webhooks(clock=clock.now, commit=db.session.commit)
                        break
                    except OperationalError:
                        # SQLite busy with another writer (e.g. the search applier): try
                        # again shortly; deliveries are at-least-once, receivers dedupe by id.
                        db.session.rollback()
                        if attempt == PUSH_ATTEMPTS:
                            log.exception("webhook push failed; cron will retry")
                        time.sleep(0.2 * attempt)
                    except Exception:
                        db.session.rollback()
                        log.exception("webhook push failed; cron will retry")
                        break
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
