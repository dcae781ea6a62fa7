"""Signed credit reports (信用报告): canonical JSON, Ed25519 signatures, report numbers, checks.

A report is the canonical JSON of its content (keys sorted, no whitespace,
UTF-8) signed with Ed25519. Signing keys are configuration, never code:
`REPORT_SIGNING_KEYS` (JSON object `{key_id: base64 32-byte seed}`) and
`REPORT_SIGNING_KEY_ID` (the key that signs new reports); when unset, a key
is generated into `instance/report_signing_keys.json` on first run. Each
key's public half is stored with the reports (`ReportKey`) and published at
/api/v1/reports/keys, so reports signed by a rotated-out key still verify,
here and offline.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from service.audit.operations import data_version, log_event
from service.bank_api.answers import status_fields
from service.bank_api.report_models import CreditReport, ReportKey
from service.bank_api.schemas import StatusFieldsSchema
from service.core.actors import Actor
from service.core.clock import local_date
from service.core.config import ConfigError
from service.core.db import committed_scalar, db
from service.lists.queries import CodedStatus, statuses_by_uscc
from service.public.redaction import redact_id_numbers

ALGORITHM = "Ed25519"
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
ISSUER = "知识产权领域信用信息服务"


# --- canonical JSON and signatures ---------------------------------------------------


def canonical_json(value) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the exact bytes that are signed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def public_key_text(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def sign_bytes(key: Ed25519PrivateKey, data: bytes) -> str:
    return base64.b64encode(key.sign(data)).decode()


def signature_valid(public_key: str, data: bytes, signature: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(signature, validate=True), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


# --- keys from configuration ----------------------------------------------------------


def _parse_keys(raw: dict, source: str) -> dict[str, Ed25519PrivateKey]:
    keys = {}
    for key_id, seed in raw.items():
        try:
            data = base64.b64decode(seed, validate=True)
            keys[key_id] = Ed25519PrivateKey.from_private_bytes(data)
        except (ValueError, TypeError, binascii.Error) as exc:
            raise ConfigError(f"{source}: key {key_id!r} must be the base64 of a 32-byte "
                              "Ed25519 seed") from exc
        if not 1 <= len(key_id) <= 40:
            raise ConfigError(f"{source}: key id {key_id!r} must have 1 to 40 characters")
    return keys


def _generated_keys(instance_dir: str) -> tuple[dict, str]:
    path = Path(instance_dir) / "report_signing_keys.json"
    if not path.exists():
        key_id = f"k{datetime.now(UTC):%Y%m%d}"
        seed = base64.b64encode(secrets.token_bytes(32)).decode()
        path.write_text(json.dumps({"current": key_id, "keys": {key_id: seed}}))
        path.chmod(0o600)
    stored = json.loads(path.read_text())
    return stored["keys"], stored["current"]


def init_reports(app) -> None:
    """Load and check the signing keys at start (errors say what to fix)."""
    raw = app.config.get("REPORT_SIGNING_KEYS") or os.environ.get("REPORT_SIGNING_KEYS")
    current = app.config.get("REPORT_SIGNING_KEY_ID") or os.environ.get("REPORT_SIGNING_KEY_ID")
    source = "REPORT_SIGNING_KEYS"
    if not raw:
        raw, generated = _generated_keys(app.config["INSTANCE_DIR"])
        current = current or generated
        source = "instance/report_signing_keys.json"
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ConfigError('REPORT_SIGNING_KEYS must be a JSON object like '
                              '{"2026a": "<base64 seed>"}') from exc
    keys = _parse_keys(raw, source)
    if current not in keys:
        raise ConfigError(f"REPORT_SIGNING_KEY_ID={current!r} is not one of the keys in "
                          f"{source} ({', '.join(sorted(keys)) or 'none'})")
    app.extensions["report_keys"] = (current, keys)


def signing_key() -> tuple[str, Ed25519PrivateKey]:
    current, keys = current_app.extensions["report_keys"]
    return current, keys[current]


def _ensure_key_row(key_id: str, key: Ed25519PrivateKey, now: datetime) -> None:
    row = db.session.get(ReportKey, key_id)
    if row is None:
        try:
            with db.session.begin_nested():  # another worker may record it at the same time
                db.session.add(ReportKey(key_id=key_id, algorithm=ALGORITHM,
                                         public_key=public_key_text(key), created_at=now))
        except IntegrityError:
            row = db.session.get(ReportKey, key_id)
    if row is not None and row.public_key != public_key_text(key):
        raise ConfigError(f"report signing key {key_id!r} differs from the key of that id "
                          "used before: give a new key a new id")


def published_keys(key_id: str | None = None) -> list[ReportKey]:
    stmt = select(ReportKey).order_by(ReportKey.created_at)
    if key_id is not None:
        stmt = stmt.where(ReportKey.key_id == key_id)
    return list(db.session.scalars(stmt))


# --- issuing --------------------------------------------------------------------------


def new_number(now: datetime) -> str:
    """CR-<issue day>-<8 random Crockford base32 characters> (40 bits: not guessable)."""
    tail = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"CR-{local_date(now):%Y%m%d}-{tail}"


def report_content(*, number: str, uscc: str, found: CodedStatus | None, as_of: date,
                   version: int, data_as_of: datetime | None, issued_at: datetime,
                   institution: str, key_id: str) -> dict:
    """What the report says: the status answer of /subjects/{uscc}, numbered and dated.

    Only what the public may see: no personal data of representatives or persons.
    """
    status = StatusFieldsSchema().dump(status_fields(found))
    for entry in status["blacklist"] + status["red_list"]:
        entry["basis_text"] = redact_id_numbers(entry["basis_text"])  # typed-in ID numbers
    return {
        "report_number": number,
        "issued_at": issued_at.isoformat(),
        "issued_to": institution,
        "issuer": ISSUER,
        "uscc": uscc,
        **status,
        "as_of": as_of.isoformat(),
        "data_version": version,
        "data_as_of": data_as_of.isoformat() if data_as_of else None,
        "signature_algorithm": ALGORITHM,
        "key_id": key_id,
    }


class IdempotencyConflict(ValueError):
    """The Idempotency-Key was used before for a different request."""


def find_report(number: str) -> CreditReport | None:
    if not isinstance(number, str):
        return None
    return db.session.scalar(select(CreditReport).where(
        CreditReport.number == number.strip().upper()))


def _replay(client_id: int, idempotency_key: str | None, uscc: str,
            as_of: date) -> CreditReport | None:
    """The report issued before under this Idempotency-Key, if any."""
    if not idempotency_key:
        return None
    earlier = committed_scalar(select(CreditReport).where(  # also a racing request's report
        CreditReport.client_id == client_id, CreditReport.idempotency_key == idempotency_key))
    if earlier is not None and (earlier.uscc != uscc or earlier.as_of != as_of):
        raise IdempotencyConflict(
            f"Idempotency-Key {idempotency_key!r} was used for a report on {earlier.uscc} "
            f"as of {earlier.as_of}; use a new key for a new request")
    return earlier


def issue_report(client_id: int, institution: str, uscc: str, *, as_of: date, actor: Actor,
                 now: datetime, idempotency_key: str | None = None) -> tuple[CreditReport, bool]:
    """Issue a signed report on a valid USCC; return (report, created).

    The same Idempotency-Key from the same client returns the report issued
    before, also when two requests with it race (the unique key decides).
    """
    earlier = _replay(client_id, idempotency_key, uscc, as_of)
    if earlier is not None:
        return earlier, False
    found = statuses_by_uscc([uscc], as_of).get(uscc)
    version, data_as_of = data_version()
    key_id, key = signing_key()
    _ensure_key_row(key_id, key, now)
    number = new_number(now)
    content = report_content(number=number, uscc=uscc, found=found, as_of=as_of,
                             version=version, data_as_of=data_as_of, issued_at=now,
                             institution=institution, key_id=key_id)
    payload = canonical_json(content)
    report = CreditReport(number=number, client_id=client_id, uscc=uscc, as_of=as_of,
                          subject_id=found.standing.subject_id if found else None,
                          data_version=version, payload=payload.decode("utf-8"),
                          signature=sign_bytes(key, payload), key_id=key_id,
                          idempotency_key=idempotency_key, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:  # a concurrent request with the same key won
        earlier = _replay(client_id, idempotency_key, uscc, as_of)
        if earlier is None:
            raise
        return earlier, False
    log_event(actor, "report.issue", now=now, object_type="credit_report", object_id=report.id,
              details={"number": number, "uscc": uscc, "as_of": as_of, "status": content["status"],
                       "data_version": version, "key_id": key_id})
    return report, True


def report_document(report: CreditReport) -> dict:
    """The answer a client receives: the content, and the signature over its canonical bytes."""
    return {"report": json.loads(report.payload),
            "signature": {"algorithm": ALGORITHM, "key_id": report.key_id,
                          "value": report.signature}}


# --- verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """genuine / issued (the number exists; nothing given to compare) / altered (content
    differs) / signature_mismatch / not_found."""

    result: str
    report: CreditReport | None = None
    detail: str = ""

    @property
    def is_genuine(self) -> bool:
        return self.result == "genuine"


_DOCUMENT = {"report", "signature"}
_ENVELOPE = {"number", "html_url", "verify_url"}  # the rest of POST/GET /api/v1/reports' answer


def verify_report(number, *, content=None, signature=None) -> Verification:
    """Is this report number ours, and is the given content (or signature) unaltered?

    `content` is the report object (or its JSON text); it is compared as canonical
    JSON, so key order and whitespace do not matter, any changed value does.
    """
    if isinstance(content, dict) and _DOCUMENT <= set(content) <= _DOCUMENT | _ENVELOPE:
        # The whole document as received (the API's answer may keep its links): the content
        # and the signature issued with it.
        document = content
        content = document["report"]
        if signature is None and isinstance(document["signature"], dict):
            signature = document["signature"].get("value")
    report = find_report(number)
    if report is None:
        return Verification("not_found", None, "no report has this number (报告编号不存在)")
    key = db.session.get(ReportKey, report.key_id)
    stored = report.payload.encode("utf-8")
    if key is None or not signature_valid(key.public_key, stored, report.signature):
        return Verification("signature_mismatch", report,
                            "the stored report does not match its signature")
    if content is not None:
        try:
            given = canonical_json(json.loads(content) if isinstance(content, str) else content)
        except (ValueError, TypeError):
            return Verification("altered", report, "the content is not valid JSON")
        if given != stored:
            return Verification("altered", report,
                                "the content differs from the report issued under this number "
                                "(内容与原报告不一致)")
    if signature is not None and str(signature).strip() != report.signature:
        return Verification("signature_mismatch", report,
                            "the signature is not the one issued with this report (签名不符)")
    if content is None and signature is None:
        return Verification("issued", report, "this number was issued; give the content or "
                            "the signature to check the report is unaltered (报告编号有效)")
    return Verification("genuine", report, "the report is genuine and unaltered (报告真实有效)")
