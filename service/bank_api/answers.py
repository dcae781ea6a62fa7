"""Build the bank API's answers: check codes, shape standings, summarise them for the log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError

from service.bank_api.models import BatchAnswer
from service.bank_api.prepared import LAST_CHANGE, version_and_status
from service.bank_api.querylog import LoggedQuery, begin_writes
from service.bank_api.schemas import MAX_CODE_LENGTH
from service.core.db import committed_scalar, db
from service.lists.queries import CodedStatus, EntryView, SubjectStatus, statuses_by_uscc
from service.public.labels import STATUS_LABELS, basis_label
from service.register.identifiers import CodeError, check_uscc, clean_code
from service.register.models import Subject

_YUAN_PER_WAN = Decimal(10000)
_CENT = Decimal("0.01")
_NOT_TEXT = CodeError("not_text", "a USCC must be a string")
KEEP_ANSWERS = timedelta(hours=24)  # how long a batch answer is replayed for its Idempotency-Key
_PURGE_EACH_TIME = 10  # expired answers dropped per answer kept: the table holds about a day


def yuan(wan: Decimal) -> str:
    """An amount in 万元 (as decisions state fines) in 元 with two decimals, exact."""
    return format((wan * _YUAN_PER_WAN).quantize(_CENT), "f")



@dataclass(frozen=True)
class CodeAnswer:
    """One code as asked: invalid (with why), unknown, or found with its standing."""

    code: str
    uscc: str | None
    error: CodeError | None
    found: CodedStatus | None


@dataclass(frozen=True)
class Version:
    number: int
    changed_at: datetime | None

    @classmethod
    def current(cls) -> Version:
        """The last change (audit.operations.data_version), by a prebuilt Core statement."""
        rows = LAST_CHANGE.rows()
        return cls(*rows[0]) if rows else cls(0, None)

    def fields(self, as_of: date) -> dict:
        return {"as_of": as_of, "data_version": self.number, "data_as_of": self.changed_at}


def check_item(value) -> CodeError | None:
    """Why a batch item (any JSON value) is not a valid USCC, or None if it is one."""
    if not isinstance(value, str):
        return _NOT_TEXT
    if len(value) > MAX_CODE_LENGTH:  # not worth normalising
        return CodeError("bad_length", f"a USCC has 18 characters, this one has {len(value)}")
    return check_uscc(value)


def as_sent(value) -> str:
    """A batch item as the answer and the log repeat it: a string, else its JSON text.

    A lone surrogate (JSON may escape one, UTF-8 cannot encode it) stays an escape.
    """
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace").decode()


def check_codes(codes: list, as_of: date) -> list[CodeAnswer]:
    """Check every item on its own; look up all the valid codes together."""
    checked = [(as_sent(code), check_item(code)) for code in codes]
    valid = [clean_code(code) for code, error in checked if error is None]
    found = statuses_by_uscc(valid, as_of)
    answers = []
    for code, error in checked:
        uscc = None if error else clean_code(code)
        answers.append(CodeAnswer(code, uscc, error, found.get(uscc) if uscc else None))
    return answers


def check_code_with_version(code: str, as_of: date) -> tuple[CodeAnswer, Version]:
    """One code and the data version it was answered from (the single-check hot path, on
    prepared statements: `version_and_status`)."""
    error = check_uscc(code)
    if error is not None:
        return CodeAnswer(code, None, error, None), Version.current()
    uscc = clean_code(code)
    (number, changed_at), found = version_and_status(uscc, as_of)
    return CodeAnswer(code, uscc, None, found), Version(number or 0, changed_at)


def error_code(error: CodeError) -> str:
    return f"uscc_{error.code}"


def _entry(entry: EntryView) -> dict:
    return {
        "basis": entry.basis, "basis_label": basis_label(entry.basis),
        "basis_text": entry.basis_text, "authority": entry.authority_name,
        "starts_on": entry.starts_on, "scheduled_end_on": entry.scheduled_end_on,
        "decisions": [{"number": d.number, "decided_on": d.decided_on,
                       "violation_type": d.violation_type} for d in entry.decisions],
    }


def status_fields(found: CodedStatus | None) -> dict:
    """The status part of an answer; an unknown code reads exactly like a clean record."""
    standing = found.standing if found else None
    status = standing.status if standing else "nothing_on_record"
    penalties = standing.penalties if standing else None
    return {
        "status": status,
        "status_label": STATUS_LABELS[status],
        "name": found.name if found and status != "nothing_on_record" else None,
        "blacklist": [_entry(e) for e in standing.blacklist] if standing else [],
        "red_list": [_entry(e) for e in standing.red_list] if standing else [],
        "penalties": {
            "count": penalties.count if penalties else 0,
            "latest_decided_on": penalties.latest_decided_on if penalties else None,
            "total_fine_cny": yuan(penalties.total_fine if penalties else Decimal(0)),
            "violation_types": list(penalties.violation_types) if penalties else [],
        },
    }


def status_answer(answer: CodeAnswer, version: Version, as_of: date) -> dict:
    """The answer of a single check on a valid code (StatusAnswerSchema's fields)."""
    return {"uscc": answer.uscc, **status_fields(answer.found), **version.fields(as_of)}


def summary(standing: SubjectStatus | None) -> dict:
    """What the query log keeps of an answer: counts, not the whole record."""
    if standing is None:
        return {"black": 0, "red": 0, "penalties": 0}
    return {"black": len(standing.blacklist), "red": len(standing.red_list),
            "penalties": standing.penalties.count}


def logged(answer: CodeAnswer) -> LoggedQuery:
    if answer.error is not None:
        return LoggedQuery(answer.code, error_code(answer.error))
    standing = answer.found.standing if answer.found else None
    return LoggedQuery(answer.uscc, standing.status if standing else "nothing_on_record",
                       subject_id=standing.subject_id if standing else None,
                       answer=summary(standing))


def _iso(value) -> str:
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_text(value) -> str:
    """JSON-ready values as the dump schemas render them (ISO dates), compact, in one pass of
    the C encoder: a batch of 1,000 items is not walked in Python first."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_iso)


def json_response(value, status: int = 200):
    """`value` as the app's JSON responses carry it (what returning a dict would send)."""
    return current_app.response_class(json_text(value) + "\n", status=status,
                                      mimetype=current_app.json.mimetype)


def batch_item(index: int, answer: CodeAnswer) -> dict:
    if answer.error is not None:
        return {"index": index, "code": answer.code, "valid": False,
                "error": {"code": error_code(answer.error), "detail": answer.error.message}}
    return {"index": index, "code": answer.code, "valid": True, "uscc": answer.uscc,
            **status_fields(answer.found)}


# --- Idempotency-Key: batch answers kept and replayed ------------------------------------


def request_digest(as_of: date | None, codes: list) -> str:
    """SHA-256 of what a batch asks: `as_of` as given (None: today) and the codes as sent."""
    asked = {"as_of": as_of.isoformat() if as_of else None, "codes": codes}
    return hashlib.sha256(json.dumps(asked, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()


def _kept(client_id: int, key: str, now: datetime):
    return select(BatchAnswer).where(
        BatchAnswer.client_id == client_id, BatchAnswer.idempotency_key == key,
        BatchAnswer.created_at > now - KEEP_ANSWERS)


def kept_answer(client_id: int, key: str, now: datetime) -> BatchAnswer | None:
    """The answer kept under this client's key, unless it is older than KEEP_ANSWERS."""
    return db.session.scalar(_kept(client_id, key, now))


def keep_answer(client_id: int, key: str, digest: str, status: int, body: str, *,
                now: datetime) -> tuple[BatchAnswer, bool]:
    """Keep an answer under its key; return (answer, kept).

    When a concurrent request with the same key kept its answer first (the
    unique key decides), that answer is returned instead, with kept False.
    """
    begin_writes()
    _purge_expired(now)
    answer = BatchAnswer(client_id=client_id, idempotency_key=key, request_digest=digest,
                         http_status=status, body=body, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.execute(delete(BatchAnswer).where(  # an expired key used again
                BatchAnswer.client_id == client_id, BatchAnswer.idempotency_key == key,
                BatchAnswer.created_at <= now - KEEP_ANSWERS))
            db.session.add(answer)
    except IntegrityError:  # the winner committed after this request's snapshot began
        earlier = committed_scalar(_kept(client_id, key, now))
        if earlier is None:
            raise
        return earlier, False
    return answer, True


def _purge_expired(now: datetime) -> None:
    # One statement, and the request's first write: a SELECT before it would start a
    # SQLite read snapshot that a concurrent writer makes stale ('database is locked').
    expired = (select(BatchAnswer.id).where(BatchAnswer.created_at <= now - KEEP_ANSWERS)
               .order_by(BatchAnswer.created_at).limit(_PURGE_EACH_TIME)
               .with_for_update(skip_locked=True))  # another request may be purging them
    purge = (delete(BatchAnswer).where(BatchAnswer.id.in_(expired.scalar_subquery()))
             .execution_options(synchronize_session=False))
    if not db.is_postgresql:
        db.session.execute(purge)
        return
    try:  # in a REPEATABLE READ request, a row another purge deleted cannot be locked
        with db.session.begin_nested():
            db.session.execute(purge)
    except OperationalError:
        pass  # a later answer purges what is left


def replayed_log(answer: dict) -> list[LoggedQuery]:
    """The query log rows of a replayed batch answer: what it said, item by item.

    The answer carries no subject ids: they are those of the subjects holding the
    codes at the replay.
    """
    items = answer["items"]
    codes = sorted({item["uscc"] for item in items if item["valid"]})
    ids = dict(db.session.execute(select(Subject.uscc, Subject.id).where(
        Subject.uscc.in_(codes))).all()) if codes else {}
    return [LoggedQuery(item["uscc"], item["status"], subject_id=ids.get(item["uscc"]),
                        answer={"black": len(item["blacklist"]), "red": len(item["red_list"]),
                                "penalties": item["penalties"]["count"]})
            if item["valid"] else LoggedQuery(item["code"], item["error"]["code"])
            for item in items]
