"""The statistical table workbook, read back with openpyxl."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

from openpyxl import load_workbook

from service.console.xlsx import HEADER_ROW, statistics_workbook
from service.public.statistics import CSV_HEADER, enforcement_statistics, make_filters
from tests.factories import make_authority, make_decision


def _rows(data: bytes):
    sheet = load_workbook(io.BytesIO(data)).active
    return sheet, [list(r) for r in sheet.iter_rows(min_row=HEADER_ROW, values_only=True)]


def test_month_and_authority_table_reads_back(session):
    tianjin = make_authority("天津市北辰区市场监督管理局", department="市场监管")
    other = make_authority("天津市知识产权局", department="知识产权")
    make_decision(authority=tianjin, decided_on=date(2025, 3, 4), fine="5",
                  confiscated_amount=Decimal("0.126"))
    make_decision(authority=tianjin, decided_on=date(2025, 3, 20), fine="0.3",
                  violation_type="制售假冒伪劣商品", is_criminal_transfer=True)
    make_decision(authority=tianjin, decided_on=date(2025, 4, 1), fine="9")  # next month
    make_decision(authority=other, decided_on=date(2025, 3, 5), fine="7")  # other authority
    make_decision(authority=tianjin, decided_on=date(2025, 3, 6), fine="60", published=False)
    filters = make_filters("2025-03", "2025-03", None, tianjin.id, date(2026, 1, 1))
    data = statistics_workbook(enforcement_statistics(filters), authority_name=tianjin.name,
                               generated_at=datetime(2026, 1, 2, 8, 30, tzinfo=UTC),
                               generated_by="审核员甲")
    sheet, rows = _rows(data)
    assert sheet.title == "统计表"
    assert "2025-03" in sheet["A2"].value
    assert tianjin.name in sheet["A2"].value
    assert "审核员甲" in sheet["A3"].value
    header, month, total = rows
    assert tuple(header) == CSV_HEADER
    by_header = dict(zip(header, month, strict=True))
    assert by_header["月份"] == "2025-03"
    assert by_header["部门"] == "市场监管"
    assert by_header["商标"] == 1
    assert by_header["假冒伪劣"] == 1
    assert by_header["专利"] == 0
    assert by_header["案件合计"] == 2
    assert Decimal(str(by_header["罚款金额（万元）"])) == Decimal("5.3")
    assert Decimal(str(by_header["没收金额（万元）"])) == Decimal("0.126")
    assert by_header["移送司法机关"] == 1
    assert total[:2] == ["合计", "合计"]
    assert total[header.index("案件合计")] == 2
    assert sheet.cell(HEADER_ROW + 1, header.index("罚款金额（万元）") + 1).number_format \
        == "#,##0.000000"


def test_empty_month_has_header_and_zero_total(session):
    authority = make_authority()
    filters = make_filters("2024-02", "2024-02", None, authority.id, date(2026, 1, 1))
    data = statistics_workbook(enforcement_statistics(filters), authority_name=authority.name,
                               generated_at=datetime(2026, 1, 2, tzinfo=UTC), generated_by="x")
    _, rows = _rows(data)
    header, total = rows
    assert total[0] == "合计"
    assert total[header.index("案件合计")] == 0
