"""Why the rules refuse an action, and the exception operations raise for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """One reason: a stable code and a sentence in English with the Chinese term."""

    code: str
    message: str
    field: str | None = None  # the input field at fault, when there is one


class RuleViolation(Exception):
    """An action the rules or the record's state refuse.

    `status` is 409 when the record's state forbids the action (too early, already
    ended...) and 422 when the input itself is wrong (missing note, date in the future).
    """

    def __init__(self, code: str, message: str, *, status: int = 409,
                 refusals: Sequence[Refusal] = (), field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field
        self.refusals = tuple(refusals) or (Refusal(code, message, field),)

    @classmethod
    def from_refusals(cls, refusals: Sequence[Refusal], *, status: int = 409) -> RuleViolation:
        first = refusals[0]
        return cls(first.code, "; ".join(r.message for r in refusals), status=status,
                   refusals=refusals, field=first.field)

    @classmethod
    def invalid(cls, field: str, message: str, code: str = "invalid") -> RuleViolation:
        return cls(code, f"{field}: {message}", status=422, field=field)

    def to_api_error(self):
        """The API's problem for this refusal (imported here: the rules need no Flask)."""
        from service.core.errors import ApiError

        errors = {}
        for refusal in self.refusals:
            errors.setdefault(refusal.field or refusal.code, []).append(refusal.message)
        return ApiError(self.status, self.code, self.message, errors=errors)

    def __str__(self) -> str:
        return self.message


def refuse_if(refusals: Sequence[Refusal], *, status: int = 409) -> None:
    """Raise a RuleViolation carrying every refusal, if there is any."""
    if refusals:
        raise RuleViolation.from_refusals(refusals, status=status)
