"""The authorities' statistical table as an XLSX workbook (统计报表).

The figures come from `service.public.statistics.enforcement_statistics`, the
same table the public statistics page shows, so the two never disagree.
Amounts are written as exact decimals in 万元 with six places.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from service.public.statistics import CASE_TYPES, CSV_HEADER, StatsRow, StatsTable

TITLE = "知识产权领域行政处罚案件统计表"
MONEY_FORMAT = "#,##0.000000"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_ROW = 4
_SIX = Decimal("0.000001")


def period_label(table: StatsTable) -> str:
    months = table.filters.months()
    return months[0] if len(months) == 1 else f"{months[0]} 至 {months[-1]}"


def statistics_workbook(table: StatsTable, *, authority_name: str,
                        generated_at: datetime, generated_by: str) -> bytes:
    """Write the table (one row per month and department, then the total) as XLSX bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "统计表"
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(CSV_HEADER))
    sheet["A2"] = f"统计月份：{period_label(table)}    处罚机关：{authority_name}"
    sheet["A3"] = (f"制表：{generated_by}    制表时间：{generated_at:%Y-%m-%d %H:%M} UTC    "
                   "口径：已公示且未撤销的行政处罚决定（按处罚决定日期）")
    for column, header in enumerate(CSV_HEADER, start=1):
        cell = sheet.cell(HEADER_ROW, column, header)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row_number = HEADER_ROW
    for row in table.rows:
        row_number += 1
        _write_row(sheet, row_number, row)
    row_number += 1
    _write_row(sheet, row_number, table.totals, total=True)
    widths = [10, 12, *([9] * len(CASE_TYPES)), 10, 18, 18, 12]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, 3)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write_row(sheet, row_number: int, row: StatsRow, *, total: bool = False) -> None:
    values = (row.month, row.department, *(row.counts[k] for k in CASE_TYPES), row.total,
              row.fines.quantize(_SIX), row.confiscated.quantize(_SIX), row.criminal_transfers)
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row_number, column, value)
        cell.border = _BORDER
        if column in (len(values) - 2, len(values) - 1):
            cell.number_format = MONEY_FORMAT
        if total:
            cell.font, cell.fill = Font(bold=True), _TOTAL_FILL

