"""Monitoring endpoints: the watch list, the changes feed, the webhook and its deliveries."""

from __future__ import annotations

from flask import current_app, g, request

from service.bank_api import bp
from service.bank_api.answers import as_sent
from service.bank_api.auth import require_client
from service.bank_api.monitor_openapi import register
from service.bank_api.monitor_schemas import (
    ChangesAnswerSchema,
    ChangesQuerySchema,
    DeliveriesAnswerSchema,
    DeliveriesQuerySchema,
    DeliverySchema,
    WatchChangeAnswerSchema,
    WatchCodesSchema,
    WatchListSchema,
    WatchPageQuerySchema,
    WebhookCreatedSchema,
    WebhookRequestSchema,
    WebhookSchema,
)
from service.bank_api.querylog import LoggedQuery, log_queries
from service.bank_api.schemas import load_args
from service.bank_api.watch_models import WebhookDelivery
from service.bank_api.watchlist import (
    add_watches,
    change_dict,
    changes_since,
    count_watches,
    list_watches,
    remove_watches,
)
from service.bank_api.webhooks import (
    WebhookError,
    delete_webhook,
    get_webhook,
    list_deliveries,
    redeliver,
    set_webhook,
)
from service.core.actors import Actor
from service.core.clock import now
from service.core.db import db, takes_write_lock
from service.core.errors import ApiError, json_object

SIGNING = ("Standard Webhooks: webhook-signature = v1,<base64 HMAC-SHA256 of "
           "'{webhook-id}.{webhook-timestamp}.{body}' keyed with the base64 part of the secret>; "
           "reject messages whose webhook-timestamp is more than 5 minutes off")

register()


def _actor() -> Actor:
    client = g.api_client
    return Actor("client", client.id, client.name)


def _watch_change(results, codes: list[str], done: str) -> dict:
    items = []
    for index, (code, item) in enumerate(zip(codes, results, strict=True)):
        # As sent: a string, else its JSON text; a lone surrogate stays an escape.
        entry = {"index": index, "code": as_sent(code), "result": item.result}
        if item.error:
            entry["error"] = item.error
        else:
            entry["uscc"] = item.uscc
        items.append(entry)
    return WatchChangeAnswerSchema().dump({
        "count": len(items), "changed": sum(1 for i in results if i.result == done),
        "invalid": sum(1 for i in results if i.result == "invalid"),
        "watching": count_watches(g.api_client.id), "items": items})


@bp.put("/watchlist")
@takes_write_lock
@require_client("monitor")
def add_to_watchlist():
    """Watch up to 1,000 codes; each is answered on its own (added, already watched, invalid)."""
    codes = load_args(WatchCodesSchema(), json_object())["codes"]
    results = add_watches(g.api_client.id, codes, actor=_actor(), now=now())
    return _watch_change(results, codes, "added")


@bp.delete("/watchlist")
@takes_write_lock
@require_client("monitor")
def remove_from_watchlist():
    """Stop watching up to 1,000 codes (removed, not watched, invalid)."""
    codes = load_args(WatchCodesSchema(), json_object())["codes"]
    results = remove_watches(g.api_client.id, codes, actor=_actor(), now=now())
    return _watch_change(results, codes, "removed")


@bp.get("/watchlist")
@require_client("monitor")
def watchlist():
    """The watched codes, a page at a time (oldest first)."""
    args = load_args(WatchPageQuerySchema(), request.args)
    watches = list_watches(g.api_client.id, after_id=args["after"], limit=args["limit"] + 1)
    page = watches[:args["limit"]]
    return WatchListSchema().dump({
        "total": count_watches(g.api_client.id),
        "items": [{"uscc": w.uscc, "watched_since": w.created_at} for w in page],
        "next_after": page[-1].id if len(watches) > len(page) else None})


@bp.get("/changes")
@require_client("monitor")
def changes():
    """Every status change of watched codes after `cursor`, oldest first."""
    args = load_args(ChangesQuerySchema(), request.args)
    found = changes_since(g.api_client.id, args["cursor"], args["limit"] + 1)
    page = found[:args["limit"]]
    # Each change tells the client about a subject: logged like any other answer.
    log_queries(g.api_client.id, "changes", [
        LoggedQuery(c.uscc, c.to_status, subject_id=c.subject_id, data_version=c.data_version,
                    answer={"sequence": c.id, "from": c.from_status, "kind": c.kind})
        for c in page], as_of=None, data_version=None, now=now())
    answer = ChangesAnswerSchema().dump({
        "items": [], "next_cursor": page[-1].id if page else args["cursor"],
        "has_more": len(found) > len(page)})
    # change_dict renders ChangeSchema's JSON already (webhooks send the same); dumping
    # 100 nested summaries again through marshmallow would be half of the answer's time.
    answer["items"] = [change_dict(c) for c in page]
    return answer


def _webhook_or_404():
    webhook = get_webhook(g.api_client.id)
    if webhook is None:
        raise ApiError(404, "no_webhook", "this client has no webhook; PUT /api/v1/webhook")
    return webhook


@bp.put("/webhook")
@takes_write_lock
@require_client("monitor")
def put_webhook():
    """Set (or replace) the webhook; a new signing secret is returned, only this once."""
    url = load_args(WebhookRequestSchema(), json_object())["url"]
    try:
        webhook, secret = set_webhook(
            g.api_client.id, url, actor=_actor(), now=now(),
            allow_http=current_app.config["BANK_WEBHOOK_ALLOW_HTTP"])
    except WebhookError as exc:
        raise ApiError(400, "invalid_webhook_url", f"invalid request: {exc.field}",
                       errors={exc.field: [exc.message]}) from exc
    return WebhookCreatedSchema().dump({**_webhook_fields(webhook), "secret": secret,
                                        "signing": SIGNING})


def _webhook_fields(webhook) -> dict:
    return {"url": webhook.url, "is_active": webhook.is_active, "created_at": webhook.created_at,
            "updated_at": webhook.updated_at, "cursor": webhook.cursor}


@bp.get("/webhook")
@require_client("monitor")
def show_webhook():
    """The webhook's URL and state (never the secret)."""
    return WebhookSchema().dump(_webhook_fields(_webhook_or_404()))


@bp.delete("/webhook")
@takes_write_lock
@require_client("monitor")
def remove_webhook():
    """Stop sending; pending messages are dropped. The feed keeps every change."""
    delete_webhook(_webhook_or_404(), actor=_actor(), now=now())
    return "", 204


def _delivery_fields(d) -> dict:
    return {"id": d.id, "message_id": d.message_id, "status": d.status, "attempts": d.attempts,
            "first_change": d.first_change_id, "last_change": d.last_change_id,
            "change_count": d.change_count, "created_at": d.created_at,
            "last_attempt_at": d.last_attempt_at, "next_attempt_at": d.next_attempt_at,
            "last_status_code": d.last_status_code, "last_error": d.last_error,
            "delivered_at": d.delivered_at}


@bp.post("/webhook/deliveries/<delivery_id>/retry")
@takes_write_lock
@require_client("monitor")
def retry_delivery(delivery_id: str):
    """Send a failed message again now (a new round of attempts with backoff)."""
    webhook = _webhook_or_404()
    # Parsed here, not by the URL rule: a bad id still gets an authenticated 404 answer.
    number = int(delivery_id) if delivery_id.isascii() and delivery_id.isdigit() else None
    delivery = (db.session.get(WebhookDelivery, number)
                if number is not None and number < 2**62 else None)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise ApiError(404, "delivery_not_found", "this webhook has no delivery by that id")
    try:
        redeliver(delivery, actor=_actor(), now=now())
    except WebhookError as exc:
        raise ApiError(409, "already_delivered", exc.message) from exc
    return DeliverySchema().dump(_delivery_fields(delivery))


@bp.get("/webhook/deliveries")
@require_client("monitor")
def deliveries():
    """The latest messages with their delivery status, attempts and last error."""
    args = load_args(DeliveriesQuerySchema(), request.args)
    found = list_deliveries(_webhook_or_404().id, status=args.get("status"), limit=args["limit"])
    return DeliveriesAnswerSchema().dump({"items": [_delivery_fields(d) for d in found]})
