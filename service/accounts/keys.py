"""API keys: shown once, stored as prefix + SHA-256 (keys are 256-bit random, so a fast
hash is safe and keeps every request cheap), rotated and revoked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from limits import parse as parse_limit
from sqlalchemy import select

from service.accounts.models import ApiClient
from service.audit.operations import log_event
from service.bank_api.watch_models import Webhook
from service.core.actors import Actor
from service.core.db import db

KEY_PREFIX = "ipc"
SCOPES = ("check", "monitor", "report", "submit")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_key() -> tuple[str, str, str]:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return prefix, secret, f"{KEY_PREFIX}_{prefix}_{secret}"


RATE_LIMIT_HINT = "a count per second, minute, hour or day, e.g. 600/minute (格式如 600/minute)"


def valid_rate_limit(text: str) -> bool:
    """One positive limit the bank API can count by (as the `limits` library parses it)."""
    if any(mark in text for mark in ";,|"):  # several limits: the API counts only the first
        return False
    try:
        return parse_limit(text).amount > 0
    except ValueError:
        return False


def create_api_client(name: str, scopes: list[str], *, actor: Actor, now: datetime,
                      institution: str | None = None, authority_id: int | None = None,
                      rate_limit: str | None = None) -> tuple[ApiClient, str]:
    """Create a client and return it with its key (the only time the key is visible)."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes {sorted(unknown)}; choose from {list(SCOPES)}")
    if rate_limit is not None and not valid_rate_limit(rate_limit):
        raise ValueError(f"rate limit {rate_limit!r}: {RATE_LIMIT_HINT}")
    prefix, secret, key = _new_key()
    client = ApiClient(name=name, institution=institution, key_prefix=prefix,
                       key_hash=_hash(secret), scopes=sorted(set(scopes)),
                       authority_id=authority_id, rate_limit=rate_limit, created_at=now)
    db.session.add(client)
    db.session.flush()
    log_event(actor, "api_client.create", now=now, object_type="api_client", object_id=client.id,
              authority_id=authority_id, after={"name": name, "scopes": client.scopes})
    return client, key


def rotate_api_key(client: ApiClient, *, actor: Actor, now: datetime,
                   reason: str | None = None) -> str:
    """Replace the key; the old one stops working at once."""
    prefix, secret, key = _new_key()
    client.key_prefix, client.key_hash, client.rotated_at = prefix, _hash(secret), now
    log_event(actor, "api_client.rotate", now=now, object_type="api_client", object_id=client.id,
              authority_id=client.authority_id, details={"reason": reason} if reason else None)
    db.session.flush()
    return key


def revoke_api_client(client: ApiClient, *, actor: Actor, now: datetime,
                      reason: str | None = None) -> None:
    """Stop the client's key at once, and its webhook: nothing more is sent to it."""
    client.is_active, client.revoked_at = False, now
    details = {"reason": reason} if reason else {}
    webhook = db.session.scalar(select(Webhook).where(Webhook.client_id == client.id,
                                                      Webhook.is_active.is_(True)))
    if webhook is not None:
        webhook.is_active, webhook.updated_at = False, now
        details["webhook_deactivated"] = webhook.id
    log_event(actor, "api_client.revoke", now=now, object_type="api_client", object_id=client.id,
              authority_id=client.authority_id, details=details or None)
    db.session.flush()


def authenticate_key(key: str) -> ApiClient | None:
    """The active client a presented key belongs to, or None."""
    parts = key.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.key_prefix == parts[1]))
    if client is None or not client.is_active:
        return None
    return client if hmac.compare_digest(client.key_hash, _hash(parts[2])) else None
