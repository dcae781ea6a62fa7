"""Build the bank API's answers: check codes, shape standings, summarise them for the log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from service.bank_api.prepared import LAST_CHANGE, status_by_uscc
from service.bank_api.querylog import LoggedQuery
from service.lists.queries import CodedStatus, EntryView, SubjectStatus, statuses_by_uscc
from service.public.labels import STATUS_LABELS, basis_label
from service.register.identifiers import CodeError, check_uscc, clean_code

_YUAN_PER_WAN = Decimal(10000)
_CENT = Decimal("0.01")


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


def check_codes(codes: list[str], as_of: date) -> list[CodeAnswer]:
    """Check every code on its own; look up all the valid ones together."""
    checked = [(code, check_uscc(code)) for code in codes]
    valid = [clean_code(code) for code, error in checked if error is None]
    found = statuses_by_uscc(valid, as_of)
    answers = []
    for code, error in checked:
        uscc = None if error else clean_code(code)
        answers.append(CodeAnswer(code, uscc, error, found.get(uscc) if uscc else None))
    return answers


def check_code(code: str, as_of: date) -> CodeAnswer:
    """One code: the single-check hot path, on prepared statements."""
    error = check_uscc(code)
    if error is not None:
        return CodeAnswer(code, None, error, None)
    uscc = clean_code(code)
    return CodeAnswer(code, uscc, None, status_by_uscc(uscc, as_of))


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
            "total_fine_cny": format(((penalties.total_fine if penalties else Decimal(0))
                                      * _YUAN_PER_WAN).quantize(_CENT), "f"),
            "violation_types": list(penalties.violation_types) if penalties else [],
        },
    }


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


def plain(value):
    """JSON-ready values as the dump schemas render them: ISO dates, nested dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def batch_item(index: int, answer: CodeAnswer) -> dict:
    if answer.error is not None:
        return {"index": index, "code": answer.code, "valid": False,
                "error": {"code": error_code(answer.error), "detail": answer.error.message}}
    return {"index": index, "code": answer.code, "valid": True, "uscc": answer.uscc,
            **status_fields(answer.found)}
