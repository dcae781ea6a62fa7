"""In Chromium: paste a decision document and save the pre-filled form; confirm a
blacklist proposal; download the month's statistics as XLSX."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.lists.operations import recompute_subject
from tests.browser import follow
from tests.console.helpers import PASSWORD, make_user
from tests.factories import make_authority, make_decision, make_subject

pytestmark = pytest.mark.browser
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def world(live_server):
    with live_server.app.app_context():
        authority = make_authority("天津市北辰区市场监督管理局")
        clerk = make_user(authority, "clerk", username="zhao.lu", display_name="赵录")
        reviewer = make_user(authority, "reviewer", username="qian.shen", display_name="钱审")
        subject = make_subject("天津市浏览器测试商贸有限公司")
        make_decision(subject, authority, decided_on=clock.today().replace(day=1), fine="150")
        recompute_subject(subject.id, actor=Actor.system(), now=clock.now(),
                          today=clock.today())
        db.session.commit()
        return SimpleNamespace(clerk=clerk.username, reviewer=reviewer.username,
                               subject=subject.name)


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/console/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    follow(page, "button:has-text('登录')")
    assert page.url == base + "/console/"


def test_paste_prefill_check_and_save(page, live_server, world):
    _login(page, live_server.url, world.clerk)
    page.goto(live_server.url + "/console/decisions/new")
    page.click("#paste-document summary")
    page.fill("#f-document", (FIXTURES / "trademark_samr.txt").read_text(encoding="utf-8"))
    follow(page, "button:has-text('识别并预填')")
    assert page.input_value("#f-number") == "津北辰市监处罚〔2025〕184号"
    assert page.input_value("#f-uscc") == "91120113MA05K7Q8XJ"
    assert page.input_value("#f-decided_on") == "2025-03-04"
    assert page.input_value("#f-fine_amount") == "5"
    assert page.is_checked("input[name=penalty_categories][value=罚款]")
    assert "已从决定书中识别" in page.content()
    page.fill("#f-confiscated_amount", "1.8")  # the official completes what the text lacks
    follow(page, "button:has-text('保存草稿')")
    assert "已保存草稿：津北辰市监处罚〔2025〕184号" in page.content()


def test_reviewer_confirms_a_proposal_and_exports_statistics(page, live_server, world):
    _login(page, live_server.url, world.reviewer)
    follow(page, "nav >> text=名单管理")
    row = page.locator("tr[data-proposal]", has_text=world.subject)
    row.locator("input[name=notified_on]").fill(clock.today().isoformat())
    follow(page, row.locator("button:has-text('确认列入')"))
    assert f"已确认将 {world.subject} 列入严重侵权失信名单" in page.content()
    assert page.locator("#entries", has_text=world.subject).count() == 1
    follow(page, "nav >> text=统计报表")
    with page.expect_download() as info:
        page.click("#xlsx")
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    assert "天津市北辰区市场监督管理局" in sheet["A2"].value
