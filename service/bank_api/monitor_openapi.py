"""The OpenAPI operations of monitoring and credit reports (appended to openapi.OPERATIONS)."""

from __future__ import annotations

from service.bank_api.monitor_schemas import (
    ChangesAnswerSchema,
    ChangesQuerySchema,
    DeliveriesAnswerSchema,
    DeliveriesQuerySchema,
    DeliverySchema,
    ReportAnswerSchema,
    ReportKeysQuerySchema,
    ReportKeysSchema,
    ReportRequestSchema,
    VerifyAnswerSchema,
    VerifyQuerySchema,
    VerifyRequestSchema,
    WatchChangeAnswerSchema,
    WatchCodesSchema,
    WatchListSchema,
    WatchPageQuerySchema,
    WebhookCreatedSchema,
    WebhookRequestSchema,
    WebhookSchema,
)
from service.bank_api.openapi import OPERATIONS, ApiOperation
from service.bank_api.schemas import IDEMPOTENCY_KEY_SCHEMA, MAX_BATCH

NUMBER_PARAMETER = {
    "in": "path", "name": "number", "required": True,
    "description": "The report number (报告编号)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 40,
               "pattern": r"^[^/?#%\s.]+$", "example": "CR-20261202-7KQ3M9XA"},
}
IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "Repeat a POST safely: the same key (from the same client, for the same "
                   "code and day) returns the report issued the first time, with "
                   "`Idempotent-Replayed: true`",
    "schema": IDEMPOTENCY_KEY_SCHEMA,
}
USCC_ITEM_ERRORS = "batch_too_large, invalid_request"

MONITORING = (
    ApiOperation(
        "bank_api.add_to_watchlist", "put", "monitor", f"Watch up to {MAX_BATCH} codes (监测名单)",
        WatchChangeAnswerSchema, body=WatchCodesSchema, errors=(400,), tags=("monitoring",),
        description=(
            "Adds codes to this client's watch list. Each code is answered on its own: added, "
            "already_watched or invalid (with the reason); an invalid code does not fail the "
            "batch. A code need not be on record yet. The changes feed and the webhook report "
            "changes recorded after a code was added."),
        error_codes={400: USCC_ITEM_ERRORS}),
    ApiOperation(
        "bank_api.remove_from_watchlist", "delete", "monitor",
        f"Stop watching up to {MAX_BATCH} codes", WatchChangeAnswerSchema, body=WatchCodesSchema,
        errors=(400,), tags=("monitoring",), error_codes={400: USCC_ITEM_ERRORS},
        description="Each code is answered on its own: removed, not_watched or invalid."),
    ApiOperation(
        "bank_api.watchlist", "get", "monitor", "The watched codes", WatchListSchema,
        query=WatchPageQuerySchema, errors=(400,), tags=("monitoring",),
        description="Oldest first, a page at a time: pass `next_after` as `after`."),
    ApiOperation(
        "bank_api.changes", "get", "monitor", "Status changes of watched codes (变动推送)",
        ChangesAnswerSchema, query=ChangesQuerySchema, errors=(400,), tags=("monitoring",),
        description=(
            "Every change of a watched subject's standing after `cursor`, oldest first: a "
            "status change (e.g. disclosed_penalties → blacklisted) or a change of details "
            "with the same status (a further penalty, a listing extended). Changes that "
            "happen by date alone (a listing or disclosure period ends) are recorded by the "
            "daily scan. Sequence numbers rise in commit order, so polling with "
            "`next_cursor` never skips or repeats a change. Each change returned is written "
            "to the query log.")),
    ApiOperation(
        "bank_api.put_webhook", "put", "monitor", "Set the webhook (回调地址)",
        WebhookCreatedSchema, body=WebhookRequestSchema, errors=(400,), tags=("monitoring",),
        description=(
            "Sets or replaces this client's webhook and returns a new signing secret, shown "
            "only in this answer. Changes of watched codes are POSTed as JSON in the "
            "Standard Webhooks style: headers webhook-id, webhook-timestamp and "
            "webhook-signature (v1,<base64 HMAC-SHA256 over id.timestamp.body>). Failed "
            "deliveries are retried after 1 min, 5 min, 30 min, 2 h, 5 h, 10 h and 24 h, "
            "then marked failed; the changes feed always has every change. https only."),
        error_codes={400: "invalid_webhook_url, invalid_request"}),
    ApiOperation(
        "bank_api.show_webhook", "get", "monitor", "The webhook (never its secret)",
        WebhookSchema, errors=(404,), tags=("monitoring",), error_codes={404: "no_webhook"}),
    ApiOperation(
        "bank_api.remove_webhook", "delete", "monitor", "Remove the webhook", None,
        errors=(404,), tags=("monitoring",), answer_status=204, error_codes={404: "no_webhook"},
        description="Stops deliveries; undelivered messages are dropped."),
    ApiOperation(
        "bank_api.deliveries", "get", "monitor", "Webhook deliveries and their status",
        DeliveriesAnswerSchema, query=DeliveriesQuerySchema, errors=(400, 404),
        tags=("monitoring",), error_codes={404: "no_webhook"},
        description="The latest messages, newest first: status, attempts, the last HTTP "
                    "status or error, and when the next attempt is due."),
    ApiOperation(
        "bank_api.retry_delivery", "post", "monitor", "Send a message again",
        DeliverySchema, errors=(404, 409), tags=("monitoring",),
        parameters=({"in": "path", "name": "delivery_id", "required": True,
                          "schema": {"type": "integer", "minimum": 0, "maximum": 2**62}},),
        error_codes={404: "no_webhook, delivery_not_found", 409: "already_delivered"},
        description="A failed (or waiting) message is sent again at once, with a new round "
                    "of attempts and backoff; the same webhook-id, so receivers can drop "
                    "duplicates."),
)

REPORTS = (
    ApiOperation(
        "bank_api.create_report", "post", "report", "Issue a signed credit report (信用报告)",
        ReportAnswerSchema, body=ReportRequestSchema, errors=(400, 422), tags=("reports",),
        answer_status=201, parameters=(IDEMPOTENCY_HEADER,),
        description=(
            "The status answer for one code, numbered (CR-<issue date>-<8 letters or digits>, "
            "e.g. CR-20261202-7KQ3M9XA), dated and "
            "signed with Ed25519 over its canonical JSON (keys sorted, no whitespace, UTF-8). "
            "`html_url` is a printable page; anyone can check the report at `verify_url` or "
            "with /api/v1/reports/verify. Written to the query log."),
        error_codes={400: "uscc_bad_length, uscc_bad_character, uscc_bad_check_character, "
                          "as_of_in_future, invalid_idempotency_key, invalid_request",
                     422: "idempotency_key_reused"}),
    ApiOperation(
        "bank_api.get_report", "get", "report", "A report issued to this client",
        ReportAnswerSchema, parameters=(NUMBER_PARAMETER,), errors=(404,),
        tags=("reports",), error_codes={404: "report_not_found"}),
    ApiOperation(
        "bank_api.verify_by_signature", "get", "", "Verify a report number and signature",
        VerifyAnswerSchema, query=VerifyQuerySchema, errors=(400,), tags=("reports",),
        public=True, description=(
            "Public, no key. `result`: genuine, signature_mismatch (not the signature issued "
            "with that number) or not_found; without `signature`, issued (the number exists, "
            "nothing was compared) or not_found.")),
    ApiOperation(
        "bank_api.verify_by_content", "post", "", "Verify a report number and content",
        VerifyAnswerSchema, body=VerifyRequestSchema, errors=(400,), tags=("reports",),
        public=True, description=(
            "Public, no key. Send the number and the `report` object as received (and "
            "optionally the signature). `result`: genuine, altered (the content differs in "
            "any value), signature_mismatch or not_found; with neither content nor "
            "signature, issued.")),
    ApiOperation(
        "bank_api.report_keys", "get", "", "Public keys that verify reports",
        ReportKeysSchema, query=ReportKeysQuerySchema, errors=(400,), tags=("reports",),
        public=True, description=(
            "Every Ed25519 key that has signed reports, rotated-out keys included, to "
            "verify a report offline: the signature is over the canonical JSON of `report`.")),
)


def register() -> None:
    """Document the endpoints once (view modules import this)."""
    known = {(op.endpoint, op.method) for op in OPERATIONS}
    OPERATIONS.extend(op for op in (*MONITORING, *REPORTS)
                      if (op.endpoint, op.method) not in known)

