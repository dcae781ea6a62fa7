"""Bulk upload through the console: the importer's per-row report and the rejected rows."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bench.synth import HEADERS, iter_rows
from service.audit.models import AuditEvent
from service.console.upload import purge_uploads
from service.core import clock
from service.core.db import db
from service.register.importer import import_file
from service.register.models import Decision
from tests.console.helpers import csrf_token, logged_in, make_user


def records(authority, n: int = 6, seed: int = 5) -> list[dict]:
    """Realistic rows (bench/synth) issued by `authority`."""
    out = []
    for row in iter_rows(n, seed):
        out.append(row | {"处罚机关": authority.name, "处罚机关统一社会信用代码": authority.uscc,
                          "数据来源单位": authority.name,
                          "数据来源单位统一社会信用代码": authority.uscc})
    return out


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(HEADERS))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def upload(client, body: bytes, name: str = "decisions.csv", **form):
    token = csrf_token(client, "/console/decisions/upload")
    return client.post("/console/decisions/upload", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(body), name), **form})


@pytest.fixture
def uploader(client, reviewer, authority):
    db.session.commit()
    return logged_in(client, reviewer)


def decisions_of(authority) -> int:
    return db.session.scalar(select(func.count(Decision.id)).where(
        Decision.authority_id == authority.id))


def test_upload_imports_and_reports_each_rejected_row(uploader, authority, reviewer):
    rows = records(authority)
    rows[1]["统一社会信用代码"] = rows[1]["统一社会信用代码"][:-1] + "0"  # wrong check character
    rows[3]["处罚决定日期"] = "2025-02-30"
    response = upload(uploader, as_csv(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert 'data-count="rows">6<' in html
    assert 'data-count="created">4<' in html
    assert 'data-count="rejected">2<' in html
    assert 'data-row="3"' in html  # the spreadsheet's row numbers: the header is row 1
    assert 'data-row="5"' in html
    assert decisions_of(authority) == 4
    assert db.session.scalar(select(func.count(Decision.id)).where(
        Decision.status == "published")) == 4
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register.import"))
    assert event.actor == f"user:{reviewer.id}"
    assert event.details["rejected"] == 2

    link = html.split('id="rejects-link" href="')[1].split('"')[0]
    download = uploader.get(link)
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    rejected = list(csv.DictReader(io.StringIO(download.data.decode("utf-8-sig"))))
    assert [r["行政处罚决定书文号"] for r in rejected] == [rows[1]["行政处罚决定书文号"],
                                                           rows[3]["行政处罚决定书文号"]]
    assert "统一社会信用代码" in rejected[0]["错误原因"]
    assert "处罚决定日期" in rejected[1]["错误原因"]
    # The uploaded file (full ID numbers) is not kept; only the rejected rows, for a week.
    # They are kept encrypted: the file on disk does not show them.
    folder = Path(uploader.application.config["INSTANCE_DIR"]) / "uploads" / link.split("/")[-2]
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "rejects.csv.enc"]
    kept = (folder / "rejects.csv.enc").read_bytes()
    assert rows[1]["行政处罚决定书文号"].encode() not in kept
    assert rows[1]["统一社会信用代码"].encode() not in kept
    assert purge_uploads(clock.now() + timedelta(days=6)) == 0
    assert purge_uploads(clock.now() + timedelta(days=8)) >= 1
    assert uploader.get(link).status_code == 404


def test_the_page_reports_each_row_in_chinese_under_the_files_own_header(uploader, authority):
    alias = "行政相对人代码_1(统一社会信用代码)"  # the 双公示 template's name for the USCC
    rows = [{(alias if h == "统一社会信用代码" else h): v for h, v in row.items()}
            for row in records(authority, 4)]
    good = rows[1][alias]
    rows[1][alias] = good[:-1] + ("1" if good[-1] != "1" else "2")  # wrong check character
    rows[2]["处罚决定日期"] = "2025-02-30"
    rows[3]["行政处罚决定书文号"] = rows[0]["行政处罚决定书文号"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    html = upload(uploader, out.getvalue().encode("utf-8")).get_data(as_text=True)
    report = html.split('id="row-errors"')[1].split("</table>")[0]
    cells = {row: report.split(f'data-row="{row}"')[1].split("</tr>")[0] for row in (3, 4, 5)}
    assert f'data-label="字段">{alias}<' in cells[3]
    assert f"统一社会信用代码校验码错误：末位是“{rows[1][alias][-1]}”，应为“{good[-1]}”" in cells[3]
    assert 'data-label="字段">处罚决定日期<' in cells[4]
    assert "日期“2025-02-30”不存在" in cells[4]
    assert "与本文件第 2 行的处罚机关和决定书文号相同" in cells[5]
    for english in ("invalid", "is not a real date", "duplicate of row", "expected"):
        assert english not in report
    # The rejects file keeps the importer's text, the same as the command line writes.
    link = html.split('id="rejects-link" href="')[1].split('"')[0]
    rejected = list(csv.DictReader(io.StringIO(uploader.get(link).data.decode("utf-8-sig"))))
    assert "is not a real date" in rejected[1]["错误原因"]


def test_uploading_the_same_file_again_changes_nothing(uploader, authority):
    body = as_csv(records(authority, 3))
    upload(uploader, body)
    again = upload(uploader, body).get_data(as_text=True)
    assert 'data-count="unchanged">3<' in again
    assert 'data-count="created">0<' in again
    assert decisions_of(authority) == 3


def test_xlsx_upload(uploader, authority):
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    for row in records(authority, 2, seed=9):
        sheet.append([row[h] for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    html = upload(uploader, out.getvalue(), "2025年3月.xlsx").get_data(as_text=True)
    assert 'data-count="created">2<' in html
    assert "rejects-link" not in html


def test_another_authoritys_rows_refuse_the_whole_file(uploader, authority, other_authority):
    rows = records(authority, 4)
    rows[2] |= {"处罚机关": other_authority.name,
                "处罚机关统一社会信用代码": other_authority.uscc}
    response = upload(uploader, as_csv(rows))
    assert response.status_code == 403
    assert "第 4 行的处罚机关不是本机关" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Decision.id))) == 0


def test_bad_files_are_named(uploader, authority):
    wrong = upload(uploader, b"a,b\n1,2\n", "decisions.pdf")
    assert wrong.status_code == 400
    assert "只支持 .csv 或 .xlsx" in wrong.get_data(as_text=True)
    missing = upload(uploader, "行政相对人名称\n甲公司\n".encode(), "x.csv")
    assert missing.status_code == 400
    assert "缺少必填列" in missing.get_data(as_text=True)
    nothing = upload(uploader, b"", "")
    assert "请选择要上传的" in nothing.get_data(as_text=True)
    huge = upload(uploader, b"x" * (10 * 1024 * 1024 + 1), "huge.csv")
    assert huge.status_code == 413
    assert "文件超过 10 MB" in huge.get_data(as_text=True)


def test_a_file_over_the_sites_1_mb_body_limit_is_still_read(uploader, authority):
    rows = records(authority, 10)
    for row in rows[2:6]:
        row["违法事实"] = "销售假冒商品。" * 15_000  # 315 kB, far over the field's bound
    body = as_csv(rows)
    assert 1024 * 1024 < len(body) < 10 * 1024 * 1024
    response = upload(uploader, body)
    assert response.status_code == 200
    assert decisions_of(authority) == 6
    assert "第 4 行" in response.get_data(as_text=True)


def test_rejects_belong_to_the_uploader(client, uploader, authority):
    rows = records(authority, 2)
    rows[0]["处罚决定日期"] = "not a date"
    html = upload(uploader, as_csv(rows)).get_data(as_text=True)
    link = html.split('id="rejects-link" href="')[1].split('"')[0]
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    other = make_user(authority, "reviewer")
    db.session.commit()
    logged_in(client, other)
    assert client.get(link).status_code == 403
    assert client.get("/console/decisions/upload/nosuchtoken/rejects.csv").status_code == 404


@pytest.mark.parametrize("role", ["clerk"])
def test_clerks_cannot_upload(client, authority, role):
    logged_in(client, make_user(authority, role))
    assert client.get("/console/decisions/upload").status_code == 403


def test_uploaded_responsible_persons_are_stored_and_their_errors_shown_in_chinese(
        uploader, authority):
    from service.register.identifiers import complete_ric
    from service.register.models import DecisionPerson

    li, wang = complete_ric("44030319900101123"), complete_ric("11010119851203002")
    rows = [r for r in records(authority, 12) if r["行政相对人类别"] == "法人及非法人组织"][:2]
    rows[0] |= {"直接责任人员": "李四；王五", "直接责任人员证件类型": "身份证",
                "直接责任人员证件号码": f"{li}；{wang}"}
    rows[1] |= {"直接责任人员": "李四", "直接责任人员证件类型": "身份证",
                "直接责任人员证件号码": li[:-1] + "0"}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*HEADERS, "直接责任人员", "直接责任人员证件类型",
                                             "直接责任人员证件号码"])
    writer.writeheader()
    writer.writerows(rows)
    html = upload(uploader, out.getvalue().encode("utf-8")).get_data(as_text=True)
    assert 'data-count="created">1<' in html
    assert "第 1 人（李四）：身份证号码校验码错误：末位是“0”，应为“7”" in html
    assert db.session.scalar(select(func.count()).select_from(DecisionPerson).where(
        DecisionPerson.role == "responsible_person")) == 2


@pytest.mark.parametrize("chosen", [True, False])
def test_an_admin_upload_shows_its_report(client, admin, authority, chosen):
    logged_in(client, admin)
    name = admin.display_name
    db.session.commit()
    db.session.expunge_all()  # the request loads its user afresh, as in production
    form = {"authority_id": str(authority.id)} if chosen else {}
    response = upload(client, as_csv(records(authority, 2)), **form)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    html = response.get_data(as_text=True)
    assert 'data-count="created">2<' in html
    assert name in html  # the page's header names who is signed in


def test_unreadable_files_are_refused_in_chinese_under_their_own_name(uploader, authority):
    empty = upload(uploader, b"", "三月.csv")
    assert empty.status_code == 400
    text = empty.get_data(as_text=True)
    assert "三月.csv：文件无法导入：文件是空的" in text
    assert "upload.csv" not in text
    assert "is empty" not in text
    broken = upload(uploader, b"not a zip", "三月.xlsx").get_data(as_text=True)
    assert "不是可读取的 XLSX 工作簿" in broken
    assert "not a readable" not in broken
    rows = records(authority, 4)
    rows[2]["违法事实"] = "长" * 200_000  # over the csv module's field limit
    huge = upload(uploader, as_csv(rows), "三月.csv")
    assert huge.status_code == 400
    text = huge.get_data(as_text=True)
    assert "第 4 行有单元格超过" in text
    assert "field limit" not in text
    assert decisions_of(authority) == 0


def test_the_audit_log_names_the_file_the_official_uploaded(uploader, authority):
    upload(uploader, as_csv(records(authority, 2)), "北辰区2026年11月处罚.csv")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register.import"))
    assert event.details["file"] == "北辰区2026年11月处罚.csv"


def test_a_reviewers_import_is_in_their_authoritys_audit_log(uploader, authority):
    upload(uploader, as_csv(records(authority, 2)), "十一月.csv")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "register.import"))
    assert (event.object_type, event.authority_id) == ("import", authority.id)
    page = uploader.get("/console/audit?object_type=import").get_data(as_text=True)
    assert "十一月.csv" in page


def test_a_file_that_breaks_off_is_refused_before_any_row_is_written(client, admin,
                                                                     authority, monkeypatch):
    defaults = import_file.__kwdefaults__  # batches of 2: rows 2-3 are committed first
    monkeypatch.setattr(import_file, "__kwdefaults__", {**defaults, "batch_size": 2})
    logged_in(client, admin)
    rows = records(authority, 6)
    rows[4]["违法事实"] = "长" * 200_000  # row 6 cannot be read
    response = upload(client, as_csv(rows), "三月.csv", authority_id=str(authority.id))
    assert response.status_code == 400
    assert "第 6 行有单元格超过" in response.get_data(as_text=True)
    assert decisions_of(authority) == 0


def test_an_id_number_in_a_number_cell_is_explained(uploader, authority):
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    row = records(authority, 1, seed=9)[0] | {
        "行政相对人类别": "自然人", "统一社会信用代码": "", "法定代表人": "",
        "证件类型": "身份证", "证件号码": 440303199001011234}  # Excel: a number, 15 digits kept
    sheet.append([row[h] for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    html = upload(uploader, out.getvalue(), "自然人.xlsx").get_data(as_text=True)
    assert 'data-count="rejected">1<' in html
    assert "请将该列设为“文本”格式" in html
    assert "须为文字" not in html


def test_a_title_row_above_the_headers_is_named(uploader, authority):
    body = "行政处罚信息公示表（2026年11月）\n".encode() + as_csv(records(authority, 2))
    response = upload(uploader, body, "十一月.csv")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "第 1 行（“行政处罚信息公示表（2026年11月）”）不是表头" in text
    assert decisions_of(authority) == 0
