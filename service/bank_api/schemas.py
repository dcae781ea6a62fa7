"""Load (request) and dump (answer) schemas of the bank API, separate and explicit.

The OpenAPI document is generated from these classes, so a field added here
is documented there.
"""

from __future__ import annotations

import re
from datetime import date
from typing import ClassVar

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates

from service.core.clock import today
from service.core.errors import ApiError

MAX_BATCH = 1000
MAX_CODE_LENGTH = 100  # characters of a code as sent; longer ones are not looked at
STATUS_VALUES = ("blacklisted", "red_list", "disclosed_penalties", "nothing_on_record")
USCC_ERRORS = ("uscc_bad_length", "uscc_bad_character", "uscc_bad_check_character")
BATCH_ITEM_ERRORS = (*USCC_ERRORS, "uscc_not_text")


# --- requests --------------------------------------------------------------------------------

class IsoDate(fields.Date):
    """A date written exactly YYYY-MM-DD: Python 3.11's fromisoformat, which fields.Date uses,
    also takes 20260630 and 2026-W27-2, which a bank's system should not come to rely on."""

    default_error_messages: ClassVar[dict] = {
        "invalid": "Not a valid date: write it as YYYY-MM-DD."}

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class AsOfSchema(Schema):
    """`as_of`: answer as the records stood at the end of that day (default: today)."""

    class Meta:
        unknown = EXCLUDE

    as_of = IsoDate(metadata={
        "description": "Answer as the records stood on this day (YYYY-MM-DD, Asia/Shanghai); "
                       "default today. Not in the future.",
        "example": "2026-06-30"})

    @validates("as_of")
    def _not_future(self, value: date | None, **_kw) -> None:
        if value is not None and value > today():
            raise ValidationError(f"{value.isoformat()} is in the future: an answer can only "
                                  "speak for today or a past day")


_batch_size = validate.Length(min=1, max=MAX_BATCH, error=(
    f"give between 1 and {MAX_BATCH} codes per batch (at most {MAX_BATCH})"))


def codes_field(verb: str) -> fields.List:
    """A batch of up to MAX_BATCH codes, each `verb` on its own (watch lists).

    Batch checks take any JSON value per item instead (`BatchRequestSchema`).
    """
    return fields.List(
        fields.String(validate=validate.Length(max=MAX_CODE_LENGTH)), required=True,
        validate=_batch_size,
        metadata={"description": f"Up to {MAX_BATCH} unified social credit codes "
                                 f"(统一社会信用代码); each is {verb} on its own.",
                  "example": ["91110105MA1213619N"]})


class BatchRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    codes = fields.List(
        fields.Raw(allow_none=True, metadata={  # null too: answered, not refused
            "description": "A code as a string; anything else is answered as invalid "
                           "(uscc_not_text)"}),
        required=True, validate=_batch_size,
        metadata={"description": f"Up to {MAX_BATCH} unified social credit codes "
                                 "(统一社会信用代码); each is answered on its own. An item "
                                 "that is not a string, or longer than "
                                 f"{MAX_CODE_LENGTH} characters, is answered as invalid.",
                  "example": ["91110105MA1213619N"]})


class LookupQuerySchema(AsOfSchema):
    name = fields.String(required=True, validate=[
        validate.Length(min=2, max=200),
        validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="must not contain control characters")],
        metadata={
        "description": "The company name as the bank has it (企业名称); full-width/half-width, "
                       "brackets, spaces and the legal-form suffix do not matter.",
        "example": "北京市星汇箱包有限公司"})
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=20),
                           metadata={"description": "Most candidates to return."})


# Stable codes for the refusals a client will want to tell apart.
_SPECIFIC_CODES = {"is in the future": "as_of_in_future", "codes per batch": "batch_too_large"}


IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 100,
                          "pattern": r"^[\x21-\x7e]+$"}
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")  # printable ASCII, no spaces


def idempotency_key(headers) -> str | None:
    """The request's Idempotency-Key (reports and batch checks), or None; 400 if malformed."""
    key = headers.get("Idempotency-Key")
    if key is not None and not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key: 1 to 100 printable "
                       "ASCII characters without spaces")
    return key


def load_args(schema: Schema, data) -> dict:
    """Validate a request or raise a 400 problem naming each field and its reason."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors = _flatten(exc.messages)
        said = " ".join(m for ms in errors.values() for m in ms)
        code = next((c for phrase, c in _SPECIFIC_CODES.items() if phrase in said),
                    "invalid_request")
        fields_named = ", ".join(sorted(errors))
        raise ApiError(400, code, f"invalid request: {fields_named}", errors=errors) from exc


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else (
                f"{prefix}.{key}" if prefix else str(key))
            flat.update(_flatten(value, name))
    else:
        flat[prefix or "body"] = [str(m) for m in messages]
    return flat


# --- answers ---------------------------------------------------------------------------------

class DecisionRefSchema(Schema):
    number = fields.String(required=True, metadata={"description": "行政处罚决定书文号"})
    decided_on = fields.Date(required=True)
    violation_type = fields.String(required=True, metadata={"description": "违法行为类型"})


class ListEntrySchema(Schema):
    basis = fields.String(required=True, metadata={
        "description": "Why the subject is listed: repeat_infringement, large_fine, "
                       "licence_revoked, closure, criminal_transfer, nonperformance, manual, "
                       "associated_person, nomination"})
    basis_label = fields.String(required=True, metadata={"description": "The basis in Chinese"})
    basis_text = fields.String(required=True, metadata={"description": "列入依据 in words"})
    authority = fields.String(required=True, allow_none=True,
                              metadata={"description": "The listing authority (认定机关)"})
    starts_on = fields.Date(required=True)
    scheduled_end_on = fields.Date(required=True, allow_none=True, metadata={
        "description": "Last listed day, inclusive; null: until removed (red list)"})
    decisions = fields.List(fields.Nested(DecisionRefSchema), required=True)


class PenaltySummarySchema(Schema):
    count = fields.Integer(required=True, metadata={"description": "Disclosed penalties"})
    latest_decided_on = fields.Date(required=True, allow_none=True)
    total_fine_cny = fields.String(required=True, metadata={
        "description": "Sum of the fines (罚款) in yuan, exact, as a decimal string",
        "example": "55000.00"})
    violation_types = fields.List(fields.String(), required=True)


class StatusFieldsSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUS_VALUES), metadata={
        "description": "The blacklist outranks the red list, which outranks disclosed penalties"})
    status_label = fields.String(required=True)
    name = fields.String(required=True, allow_none=True, metadata={
        "description": "The name on record; null when there is nothing on record"})
    blacklist = fields.List(fields.Nested(ListEntrySchema), required=True)
    red_list = fields.List(fields.Nested(ListEntrySchema), required=True)
    penalties = fields.Nested(PenaltySummarySchema, required=True)


class VersionFieldsSchema(Schema):
    as_of = fields.Date(required=True, metadata={"description": "The day the answer speaks for"})
    data_version = fields.Integer(required=True, metadata={
        "description": "The change sequence number the answer was computed from"})
    data_as_of = fields.AwareDateTime(required=True, allow_none=True, metadata={
        "description": "When the data last changed (null: never)"})


class StatusAnswerSchema(StatusFieldsSchema, VersionFieldsSchema):
    uscc = fields.String(required=True)


class ItemErrorSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(BATCH_ITEM_ERRORS))
    detail = fields.String(required=True)


class BatchItemSchema(Schema):
    """A valid code carries the status fields; an invalid one `error` instead."""

    index = fields.Integer(required=True, metadata={"description": "Position in `codes`"})
    code = fields.String(required=True, metadata={
        "description": "The code as sent (an item that is not a string: its JSON text)"})
    valid = fields.Boolean(required=True)
    uscc = fields.String(metadata={"description": "The code, normalised (valid codes)"})
    status = fields.String(validate=validate.OneOf(STATUS_VALUES))
    status_label = fields.String()
    name = fields.String(allow_none=True)
    blacklist = fields.List(fields.Nested(ListEntrySchema))
    red_list = fields.List(fields.Nested(ListEntrySchema))
    penalties = fields.Nested(PenaltySummarySchema)
    error = fields.Nested(ItemErrorSchema, metadata={"description": "Why the code is invalid"})


class BatchAnswerSchema(VersionFieldsSchema):
    count = fields.Integer(required=True)
    invalid = fields.Integer(required=True)
    items = fields.List(fields.Nested(BatchItemSchema), required=True)


class CandidateSchema(Schema):
    uscc = fields.String(required=True, allow_none=True)
    name = fields.String(required=True)
    score = fields.Float(required=True, metadata={"description": "1.0 exact, lower less alike"})
    match = fields.String(required=True, validate=validate.OneOf(
        ("exact", "suffix_variant", "similar")))
    reason = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUS_VALUES[:3]))


class LookupAnswerSchema(VersionFieldsSchema):
    name = fields.String(required=True, metadata={"description": "The name as sent"})
    normalised = fields.String(required=True, metadata={"description": "The name as compared"})
    exact = fields.Boolean(required=True, metadata={
        "description": "Whether the first candidate matches exactly after normalisation"})
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)


class WhoamiSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    institution = fields.String(required=True, allow_none=True)
    scopes = fields.List(fields.String(), required=True)
    rate_limit = fields.String(required=True, metadata={"description": "e.g. 600/minute"})
