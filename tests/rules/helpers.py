"""Plain records for rule tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from service.rules.facts import EntryRecord, PenaltyRecord


def rec(id_: int, decided_on: date, *, categories=("罚款",), fine: str | None = "5",
        violation_type: str = "侵犯注册商标专用权", **kw) -> PenaltyRecord:
    return PenaltyRecord(
        id=id_, decided_on=decided_on, categories=frozenset(categories),
        violation_type=violation_type, fine_amount=Decimal(fine) if fine is not None else None,
        number=kw.pop("number", f"京朝市监处罚〔{decided_on.year}〕{id_}号"), **kw)


def black(id_: int, starts_on: date | None, ends_on: date | None, *, decision_ids=(),
          status: str = "active", basis: str = "large_fine", **kw) -> EntryRecord:
    return EntryRecord(id_, "black", status, basis, starts_on=starts_on, scheduled_end_on=ends_on,
                       decision_ids=frozenset(decision_ids), **kw)


def red(id_: int, starts_on: date, **kw) -> EntryRecord:
    return EntryRecord(id_, "red", kw.pop("status", "active"), "nomination", starts_on=starts_on,
                       **kw)
