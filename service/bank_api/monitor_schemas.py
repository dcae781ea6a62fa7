"""Load and dump schemas of monitoring (watch list, changes, webhook) and credit reports.

The OpenAPI document is generated from these classes.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from service.bank_api.schemas import (
    MAX_BATCH,
    STATUS_VALUES,
    USCC_ERRORS,
    AsOfSchema,
    codes_field,
)

WATCH_RESULTS = ("added", "already_watched", "removed", "not_watched", "invalid")
VERIFY_RESULTS = ("genuine", "issued", "altered", "signature_mismatch", "not_found")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


# --- requests --------------------------------------------------------------------------------

class WatchCodesSchema(Schema):
    class Meta:
        unknown = RAISE

    codes = codes_field("handled")


class WatchPageQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    after = fields.Integer(
        load_default=0, validate=validate.Range(min=0, max=2**31 - 1),
        metadata={"description": "Return watches after this position (the previous page's "
                                 "next_after)"})
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=MAX_BATCH))


class ChangesQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62), metadata={
        "description": "Return changes after this sequence number: 0 at first, then the "
                       "previous answer's next_cursor"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class WebhookRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    url = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata={
        "description": "The https URL that receives POSTed changes",
        "example": "https://bank.example/hooks/credit"})


class DeliveriesQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf(DELIVERY_STATUSES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ReportRequestSchema(AsOfSchema):
    class Meta:
        unknown = RAISE

    uscc = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "The unified social credit code (统一社会信用代码) the report is about",
        "example": "91110105MA1213619N"})


class VerifyQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    number = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={
        "description": "The report number, e.g. CR-20261202-7KQ3M9XA"})
    signature = fields.String(validate=validate.Length(min=1, max=200),
                              metadata={"description": "The signature printed on the report"})


class VerifyRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    report = fields.Dict(metadata={
        "description": "The report content as received (the `report` object); compared "
                       "as canonical JSON, so key order and whitespace do not matter"})
    signature = fields.String(validate=validate.Length(min=1, max=200))


class ReportKeysQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    key_id = fields.String(validate=validate.Length(min=1, max=40), metadata={
        "description": "Only this key (the report's signature.key_id)"})


# --- answers ---------------------------------------------------------------------------------

class WatchItemErrorSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf((*USCC_ERRORS, "uscc_not_text")))
    detail = fields.String(required=True)


class WatchItemSchema(Schema):
    index = fields.Integer(required=True, metadata={"description": "Position in `codes`"})
    code = fields.String(required=True, metadata={"description": "The code as sent"})
    uscc = fields.String(metadata={"description": "The code, normalised (valid codes)"})
    result = fields.String(required=True, validate=validate.OneOf(WATCH_RESULTS))
    error = fields.Nested(WatchItemErrorSchema, metadata={"description": "Why the code is invalid"})


class WatchChangeAnswerSchema(Schema):
    count = fields.Integer(required=True)
    changed = fields.Integer(required=True, metadata={
        "description": "Codes added (PUT) or removed (DELETE)"})
    invalid = fields.Integer(required=True)
    watching = fields.Integer(required=True, metadata={"description": "Codes watched now"})
    items = fields.List(fields.Nested(WatchItemSchema), required=True)


class WatchSchema(Schema):
    uscc = fields.String(required=True)
    watched_since = fields.AwareDateTime(required=True)


class WatchListSchema(Schema):
    total = fields.Integer(required=True)
    items = fields.List(fields.Nested(WatchSchema), required=True)
    next_after = fields.Integer(required=True, allow_none=True, metadata={
        "description": "Pass as `after` for the next page; null on the last page"})


def _date(**kw) -> fields.String:
    """A date already rendered ISO 8601 (the feed and webhooks share one rendering)."""
    return fields.String(required=True, **kw, metadata={"format": "date"})


class ChangeEntrySchema(Schema):
    basis = fields.String(required=True)
    authority = fields.String(required=True, allow_none=True)
    starts_on = _date()
    scheduled_end_on = _date(allow_none=True)


class ChangePenaltiesSchema(Schema):
    count = fields.Integer(required=True)
    latest_decided_on = _date(allow_none=True)
    total_fine = fields.String(required=True, metadata={
        "description": "万元 (ten thousand yuan), exact, as decisions state fines"})
    total_fine_cny = fields.String(required=True, metadata={
        "description": "The same in 元, two decimals, as status answers give it"})
    violation_types = fields.List(fields.String(), required=True)


class ChangeSummarySchema(Schema):
    blacklist = fields.List(fields.Nested(ChangeEntrySchema), required=True)
    red_list = fields.List(fields.Nested(ChangeEntrySchema), required=True)
    penalties = fields.Nested(ChangePenaltiesSchema, required=True)


class ChangeSchema(Schema):
    sequence = fields.Integer(required=True, metadata={"description": "The feed cursor"})
    uscc = fields.String(required=True)
    at = fields.String(required=True, metadata={
        "format": "date-time", "description": "When it was recorded"})
    as_of = _date()
    kind = fields.String(required=True, validate=validate.OneOf(("status", "details")),
                         metadata={"description": "status: the status changed; details: "
                                                  "entries or penalties changed, status kept"})
    from_status = fields.String(required=True, validate=validate.OneOf(STATUS_VALUES))
    to_status = fields.String(required=True, validate=validate.OneOf(STATUS_VALUES))
    reason = fields.String(required=True, metadata={
        "description": "What caused it, e.g. decision.published, listing.confirm, date_passed"})
    summary = fields.Nested(ChangeSummarySchema, required=True)
    data_version = fields.Integer(required=True, metadata={
        "description": "The data version the new standing was computed from: the same "
                       "number a check answered then gives as its `data_version`"})


class ChangesAnswerSchema(Schema):
    items = fields.List(fields.Nested(ChangeSchema), required=True)
    next_cursor = fields.Integer(required=True, metadata={
        "description": "Pass as `cursor` next time (no change is skipped or repeated)"})
    has_more = fields.Boolean(required=True)


class WebhookSchema(Schema):
    url = fields.String(required=True)
    is_active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    cursor = fields.Integer(required=True, metadata={
        "description": "The last change put into a message"})


class WebhookCreatedSchema(WebhookSchema):
    secret = fields.String(required=True, metadata={
        "description": "The signing secret (whsec_...): shown only now, store it"})
    signing = fields.String(required=True)


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    message_id = fields.String(required=True, metadata={"description": "The webhook-id header"})
    status = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATUSES))
    attempts = fields.Integer(required=True)
    first_change = fields.Integer(required=True)
    last_change = fields.Integer(required=True)
    change_count = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    last_attempt_at = fields.AwareDateTime(required=True, allow_none=True)
    next_attempt_at = fields.AwareDateTime(required=True, allow_none=True)
    last_status_code = fields.Integer(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
    delivered_at = fields.AwareDateTime(required=True, allow_none=True)


class DeliveriesAnswerSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)


class ReportDecisionSchema(Schema):
    number = fields.String(required=True, metadata={"description": "行政处罚决定书文号"})
    decided_on = _date()
    violation_type = fields.String(required=True)


class ReportEntrySchema(Schema):
    basis = fields.String(required=True)
    basis_label = fields.String(required=True)
    basis_text = fields.String(required=True)
    authority = fields.String(required=True, allow_none=True)
    starts_on = _date()
    scheduled_end_on = _date(allow_none=True)
    decisions = fields.List(fields.Nested(ReportDecisionSchema), required=True)


class ReportPenaltiesSchema(Schema):
    count = fields.Integer(required=True)
    latest_decided_on = _date(allow_none=True)
    total_fine_cny = fields.String(required=True, metadata={"description": "元, exact"})
    violation_types = fields.List(fields.String(), required=True)


class ReportContentSchema(Schema):
    """The signed content: its canonical JSON (sorted keys, no spaces, UTF-8) is signed.

    The same fields as the status answer of /subjects/{code}, rendered as JSON text.
    """

    report_number = fields.String(required=True)
    issued_at = fields.String(required=True, metadata={"format": "date-time"})
    issued_to = fields.String(required=True, metadata={"description": "The institution"})
    issuer = fields.String(required=True)
    uscc = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUS_VALUES))
    status_label = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    blacklist = fields.List(fields.Nested(ReportEntrySchema), required=True)
    red_list = fields.List(fields.Nested(ReportEntrySchema), required=True)
    penalties = fields.Nested(ReportPenaltiesSchema, required=True)
    as_of = _date()
    data_version = fields.Integer(required=True)
    data_as_of = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    signature_algorithm = fields.String(required=True)
    key_id = fields.String(required=True)


class SignatureSchema(Schema):
    algorithm = fields.String(required=True, metadata={"example": "Ed25519"})
    key_id = fields.String(required=True, metadata={
        "description": "The key in /api/v1/reports/keys that verifies it"})
    value = fields.String(required=True, metadata={
        "description": "base64 Ed25519 signature over the canonical JSON of `report`"})


class ReportAnswerSchema(Schema):
    number = fields.String(required=True)
    html_url = fields.String(required=True, metadata={"description": "The printable page"})
    verify_url = fields.String(required=True)
    report = fields.Nested(ReportContentSchema, required=True)
    signature = fields.Nested(SignatureSchema, required=True)


class VerifyAnswerSchema(Schema):
    number = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(VERIFY_RESULTS))
    genuine = fields.Boolean(required=True)
    detail = fields.String(required=True)
    issued_at = fields.AwareDateTime(required=True, allow_none=True)
    uscc = fields.String(required=True, allow_none=True)
    as_of = fields.Date(required=True, allow_none=True)


class ReportKeySchema(Schema):
    key_id = fields.String(required=True)
    algorithm = fields.String(required=True)
    public_key = fields.String(required=True, metadata={
        "description": "base64 of the raw 32-byte Ed25519 public key"})
    created_at = fields.AwareDateTime(required=True)


class ReportKeysSchema(Schema):
    keys = fields.List(fields.Nested(ReportKeySchema), required=True)
