"""The statistics page and CSV: totals recomputed here from the seeded decisions."""

import csv
import io
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from service.core import clock
from service.public.statistics import case_type
from tests.factories import make_authority, make_decision, make_person

# The case type each seeded violation type must be reported under (written out independently).
EXPECTED_TYPE = {
    "侵犯注册商标专用权": "商标", "假冒专利": "专利", "侵犯专利权": "专利", "侵犯著作权": "著作权",
    "侵犯商业秘密": "商业秘密", "侵犯植物新品种权": "植物新品种", "制售假冒伪劣商品": "假冒伪劣",
    "侵犯地理标志": "其他",
}
SPECS = [  # (day, department index, violation, fine, confiscated, transfer)
    (date(2019, 1, 3), 0, "侵犯注册商标专用权", "5.5", "0.000001", False),
    (date(2019, 1, 31), 0, "侵犯注册商标专用权", "123456789.123456", None, True),
    (date(2019, 1, 15), 1, "假冒专利", "0.1", "0.2", False),
    (date(2019, 2, 1), 1, "侵犯专利权", "0.2", None, False),
    (date(2019, 2, 10), 2, "侵犯著作权", None, "3.333333", True),
    (date(2019, 2, 28), 0, "侵犯商业秘密", "100", None, False),
    (date(2019, 3, 1), 3, "侵犯植物新品种权", "2", "1", False),
    (date(2019, 3, 9), 0, "制售假冒伪劣商品", "0.7", "0.3", True),
    (date(2019, 3, 31), 2, "侵犯地理标志", "1.000001", None, False),
    (date(2019, 4, 1), 0, "侵犯注册商标专用权", "9", None, False),  # outside the range
    (date(2018, 12, 31), 0, "侵犯注册商标专用权", "9", None, False),  # outside the range
]


@pytest.fixture
def seeded(session):
    departments = ["市场监管", "知识产权", "版权", "农业农村"]
    authorities = [make_authority(department=dep) for dep in departments]
    # Still disclosed today (a 公示截止期 written on the record), so the public counts them.
    shown = {"disclosure_ends_on": clock.today() + timedelta(days=30)}
    decisions = []
    for day, dep, violation, fine, confiscated, transfer in SPECS:
        decisions.append(make_decision(
            authority=authorities[dep], decided_on=day, violation_type=violation, fine=fine,
            confiscated_amount=Decimal(confiscated) if confiscated else None,
            is_criminal_transfer=transfer, **shown))
    decisions.append(make_decision(make_person("赵六"), authorities[1],
                                   decided_on=date(2019, 3, 3), fine="0.05", **shown))
    # not counted on the public site: expired, and repaired (the console's report counts them)
    make_decision(authority=authorities[0], decided_on=date(2019, 2, 2), fine="7")
    make_decision(authority=authorities[0], decided_on=date(2019, 2, 2),
                  repaired_on=date(2019, 6, 1), fine="1", **shown)
    # counted nowhere: revoked, and a draft
    revoked = make_decision(authority=authorities[0], decided_on=date(2019, 1, 10), fine="50",
                            revoked_at=datetime(2019, 2, 1, tzinfo=UTC))
    revoked.status = "revoked"
    make_decision(authority=authorities[0], decided_on=date(2019, 1, 11), fine="60",
                  published=False)
    return authorities, decisions


def _expected(decisions, *, department=None):
    rows = defaultdict(lambda: {"counts": Counter(), "fines": Decimal(0),
                                "confiscated": Decimal(0), "transfers": 0})
    for d in decisions:
        if not date(2019, 1, 1) <= d.decided_on <= date(2019, 3, 31):
            continue
        if department and d.authority.department != department:
            continue
        row = rows[(d.decided_on.strftime("%Y-%m"), d.authority.department)]
        row["counts"][EXPECTED_TYPE[d.violation_type]] += 1
        row["fines"] += d.fine_amount or 0
        row["confiscated"] += d.confiscated_amount or 0
        row["transfers"] += d.is_criminal_transfer
    return rows


def _csv(client, **query):
    response = client.get("/statistics.csv", query_string={"from": "2019-01", "to": "2019-03",
                                                          **query})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_csv_matches_independent_totals(client, seeded):
    _, decisions = seeded
    expected = _expected(decisions)

    rows = _csv(client)

    body, total = rows[:-1], rows[-1]
    assert {(r["月份"], r["部门"]) for r in body} == set(expected)
    for r in body:
        want = expected[(r["月份"], r["部门"])]
        for kind in ("商业秘密", "商标", "专利", "著作权", "植物新品种", "假冒伪劣", "其他"):
            assert int(r[kind]) == want["counts"][kind], (r, kind)
        assert int(r["案件合计"]) == sum(want["counts"].values())
        assert Decimal(r["罚款金额（万元）"]) == want["fines"]
        assert Decimal(r["没收金额（万元）"]) == want["confiscated"]
        assert int(r["移送司法机关"]) == want["transfers"]
    assert total["月份"] == "合计"
    assert int(total["案件合计"]) == sum(sum(w["counts"].values()) for w in expected.values()) == 10
    assert Decimal(total["罚款金额（万元）"]) == Decimal("123456898.673457")
    assert Decimal(total["没收金额（万元）"]) == Decimal("4.833334")
    assert int(total["移送司法机关"]) == 3


def test_department_filter(client, seeded):
    _, decisions = seeded
    expected = _expected(decisions, department="知识产权")

    rows = _csv(client, department="知识产权")

    assert {r["部门"] for r in rows[:-1]} == {"知识产权"}
    assert int(rows[-1]["案件合计"]) == sum(sum(w["counts"].values()) for w in expected.values())


def test_authority_filter(client, seeded):
    authorities, _ = seeded

    rows = _csv(client, authority=authorities[3].id)

    assert [(r["月份"], r["植物新品种"]) for r in rows[:-1]] == [("2019-03", "1")]


def test_page_shows_totals_charts_and_what_is_counted(client, seeded):
    response = client.get("/statistics", query_string={"from": "2019-01", "to": "2019-03"})
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'data-total="cases">10<' in html
    assert 'data-total="fines">123456898.673457<' in html
    assert 'data-total="transfers">3<' in html
    assert "统计口径" in html
    assert html.count("<svg viewBox") == 3
    assert "<script" not in html
    # one stacked column segment per (month, case type) with cases
    assert html.count("<title>2019-01 商标：2 件</title>") == 1
    assert 'href="/statistics.csv?from=2019-01&amp;to=2019-03"' in html
    assert "赵六" not in html


def test_bad_month_is_a_400(client, seeded):
    response = client.get("/statistics", query_string={"from": "2019-13"})

    assert response.status_code == 400
    assert "起始月份" in response.get_data(as_text=True)
    assert client.get("/statistics?from=2019-05&to=2019-01").status_code == 400
    assert client.get("/statistics?from=2000-01&to=2019-01").status_code == 400


def test_default_range_is_the_last_twelve_months(client, session):
    html = client.get("/statistics").get_data(as_text=True)

    months = re.findall(r'name="(?:from|to)" type="month" value="(\d{4}-\d{2})"', html)
    assert len(months) == 2
    (y1, m1), (y2, m2) = (map(int, m.split("-")) for m in months)
    assert (y2 * 12 + m2) - (y1 * 12 + m1) == 11


@pytest.mark.parametrize(("violation", "kind"), [
    *EXPECTED_TYPE.items(), ("其他知识产权违法", "其他"), ("销售侵犯商标权商品", "商标"),
    ("侵犯计算机软件著作权", "著作权"), ("盗版（侵犯版权）", "著作权"),
])
def test_case_type_mapping(violation, kind):
    assert case_type(violation) == kind


def test_a_record_leaves_the_public_count_on_the_day_its_disclosure_ends(client, session):
    today = clock.today()
    authority = make_authority(department="市场监管")
    decision = make_decision(authority=authority, decided_on=today - timedelta(days=40),
                             fine="2", disclosure_ends_on=today)
    month = decision.decided_on.strftime("%Y-%m")
    query = {"from": month, "to": month}

    assert int(_csv(client, **query)[-1]["案件合计"]) == 1
    decision.disclosure_ends_on = today - timedelta(days=1)
    session.flush()
    assert int(_csv(client, **query)[-1]["案件合计"]) == 0
