"""The authorities' statistical table: cases per month by department and case type.

Counts decisions that were published and not revoked, whether or not they
are still disclosed (the table describes enforcement, not current
disclosure); it never carries a party's name. Amounts are summed in SQL as
integers of 0.000001 万元 (one fen), so the totals are exact on SQLite too.
"""

from __future__ import annotations

import calendar
import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, case, cast, extract, func, select

from service.core.db import db
from service.public.charts import Chart, horizontal_bars, stacked_columns
from service.register.models import Authority, Decision
from service.register.queries import disclosed_on

CASE_TYPES = ("商业秘密", "商标", "专利", "著作权", "植物新品种", "假冒伪劣", "其他")
OTHER = "其他"
NO_DEPARTMENT = "未注明"

# The one place where violation types (违法行为类型) map to the reported case types.
VIOLATION_CASE_TYPES = {
    "侵犯商业秘密": "商业秘密",
    "侵犯注册商标专用权": "商标",
    "假冒专利": "专利",
    "侵犯专利权": "专利",
    "侵犯著作权": "著作权",
    "侵犯植物新品种权": "植物新品种",
    "制售假冒伪劣商品": "假冒伪劣",
    "侵犯地理标志": OTHER,
    "其他知识产权违法": OTHER,
}
# For types outside the policy list: the first keyword found decides.
_KEYWORDS = (("商业秘密", "商业秘密"), ("植物新品种", "植物新品种"), ("假冒伪劣", "假冒伪劣"),
             ("商标", "商标"), ("专利", "专利"), ("著作权", "著作权"), ("版权", "著作权"))

MICRO = 1_000_000  # units of 0.000001 万元 per 万元
MAX_MONTHS = 120


def case_type(violation_type: str) -> str:
    """The reported case type of a violation type (商标, 专利...), 其他 if none fits."""
    if violation_type in VIOLATION_CASE_TYPES:
        return VIOLATION_CASE_TYPES[violation_type]
    return next((kind for word, kind in _KEYWORDS if word in violation_type), OTHER)


@dataclass(frozen=True)
class StatsFilters:
    start: tuple[int, int]  # (year, month), inclusive
    end: tuple[int, int]
    department: str | None = None
    authority_id: int | None = None
    # The public site counts only what is disclosed on this day (an expired, repaired or
    # undisclosable record leaves every public count); None: every published, unrevoked
    # case, as the authorities report their own figures (the console's XLSX).
    disclosed_on: date | None = None

    @property
    def first_day(self) -> date:
        return date(*self.start, 1)

    @property
    def last_day(self) -> date:
        year, month = self.end
        return date(year, month, calendar.monthrange(year, month)[1])

    def months(self) -> list[str]:
        (year, month), out = self.start, []
        while (year, month) <= self.end:
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


def default_filters(today: date) -> StatsFilters:
    """The twelve months up to and including the current one."""
    year, month = (today.year - 1, today.month + 1) if today.month < 12 else (today.year, 1)
    return StatsFilters(start=(year, month), end=(today.year, today.month))


def make_filters(start: str | None, end: str | None, department: str | None,
                 authority_id: int | None, today: date) -> StatsFilters:
    """Filters from 'YYYY-MM' strings; a missing bound defaults to the last twelve months."""
    default = default_filters(today)
    first = _month(start) if start else None
    last = _month(end) if end else None
    if first and not last:
        last = max(first, default.end)
    if last and not first:
        first = (last[0] - 1, last[1] + 1) if last[1] < 12 else (last[0], 1)
    filters = StatsFilters(first or default.start, last or default.end, department, authority_id)
    if filters.start > filters.end:
        raise ValueError("起始月份晚于截止月份")
    if len(filters.months()) > MAX_MONTHS:
        raise ValueError(f"统计区间最长 {MAX_MONTHS} 个月")
    return filters


def _month(text: str) -> tuple[int, int]:
    year, month = text.split("-")
    return int(year), int(month)


@dataclass
class StatsRow:
    month: str
    department: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CASE_TYPES, 0))
    fines: Decimal = Decimal(0)
    confiscated: Decimal = Decimal(0)
    criminal_transfers: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, kind: str, count: int, fines: Decimal, confiscated: Decimal,
            transfers: int) -> None:
        self.counts[kind] += count
        self.fines += fines
        self.confiscated += confiscated
        self.criminal_transfers += transfers


@dataclass(frozen=True)
class StatsTable:
    filters: StatsFilters
    rows: list[StatsRow]  # one per (month, department) with cases, in order
    by_month: list[StatsRow]  # every month of the range, departments summed
    by_department: list[StatsRow]
    totals: StatsRow


def _micro_sum(column):
    return func.coalesce(func.sum(cast(func.round(column * MICRO), BigInteger)), 0)


def _counted(public_on: date | None = None):
    """What the table counts: disclosed on `public_on`, or every published, unrevoked case."""
    if public_on is not None:
        return disclosed_on(public_on)
    return (Decision.status == "published") & Decision.revoked_at.is_(None)


def enforcement_statistics(filters: StatsFilters) -> StatsTable:
    """Build the statistical table for the filtered range."""
    year = extract("year", Decision.decided_on)
    month = extract("month", Decision.decided_on)
    stmt = (
        select(year, month, Authority.department, Decision.violation_type,
               func.count(Decision.id), _micro_sum(Decision.fine_amount),
               _micro_sum(Decision.confiscated_amount),
               func.sum(case((Decision.is_criminal_transfer.is_(True), 1), else_=0)))
        .join(Authority, Decision.authority_id == Authority.id)
        .where(_counted(filters.disclosed_on), Decision.decided_on >= filters.first_day,
               Decision.decided_on <= filters.last_day)
        .group_by(year, month, Authority.department, Decision.violation_type)
    )
    if filters.department:
        stmt = stmt.where(Authority.department == filters.department)
    if filters.authority_id:
        stmt = stmt.where(Decision.authority_id == filters.authority_id)
    rows: dict[tuple[str, str], StatsRow] = {}
    by_month = {m: StatsRow(m, "合计") for m in filters.months()}
    by_department: dict[str, StatsRow] = {}
    totals = StatsRow("合计", "合计")
    for y, m, department, violation, count, fines, confiscated, transfers in (
        db.session.execute(stmt)
    ):
        key = (f"{int(y):04d}-{int(m):02d}", department or NO_DEPARTMENT)
        values = (case_type(violation), int(count), Decimal(int(fines)).scaleb(-6),
                  Decimal(int(confiscated)).scaleb(-6), int(transfers or 0))
        for row in (rows.setdefault(key, StatsRow(*key)), by_month[key[0]],
                    by_department.setdefault(key[1], StatsRow("合计", key[1])), totals):
            row.add(*values)
    return StatsTable(filters, [rows[k] for k in sorted(rows)], list(by_month.values()),
                      sorted(by_department.values(), key=lambda r: -r.total), totals)


def filter_options(public_on: date | None = None) -> tuple[list[str], list[Authority]]:
    """The departments and authorities that have counted decisions."""
    departments = db.session.scalars(
        select(Authority.department).distinct()
        .join(Decision, Decision.authority_id == Authority.id)
        .where(_counted(public_on), Authority.department.is_not(None))
        .order_by(Authority.department)
    ).all()
    authorities = db.session.scalars(
        select(Authority).where(Authority.id.in_(select(Decision.authority_id).where(_counted(public_on))))
        .order_by(Authority.name)
    ).all()
    return list(departments), list(authorities)


CSV_HEADER = ("月份", "部门", *CASE_TYPES, "案件合计", "罚款金额（万元）",
              "没收金额（万元）", "移送司法机关")


def money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.000001")), "f")


def table_csv(table: StatsTable) -> str:
    """The table as CSV (UTF-8 with BOM so that spreadsheet programs read Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in [*table.rows, table.totals]:
        writer.writerow((row.month, row.department, *(row.counts[k] for k in CASE_TYPES),
                         row.total, money(row.fines), money(row.confiscated),
                         row.criminal_transfers))
    return out.getvalue()


def table_charts(table: StatsTable) -> list[Chart]:
    """Cases per month by case type, cases by case type, fines by department."""
    by_kind = [(kind, table.totals.counts[kind]) for kind in CASE_TYPES]
    return [
        stacked_columns("各月案件数（按案件类型）",
                        [(row.month, row.counts) for row in table.by_month], CASE_TYPES),
        horizontal_bars("案件数（按案件类型）", by_kind, "件"),
        horizontal_bars("罚款金额（按部门）",
                        [(row.department, row.fines) for row in table.by_department], "万元",
                        colour="#b3261e"),
    ]
