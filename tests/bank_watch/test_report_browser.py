"""The printed report and the verify page in Chromium, against a real server."""

from __future__ import annotations

import json

import pytest

from service.bank_api.reports import issue_report, report_document
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from tests.browser import follow
from tests.factories import make_decision, make_subject

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def issued(live_server):
    from service.accounts.keys import create_api_client

    with live_server.app.app_context():
        client, _ = create_api_client("测试银行", ["report"], actor=Actor.cli(), now=clock.now())
        subject = make_subject(name="北京市星汇箱包有限公司")
        make_decision(subject, decided_on=clock.today())
        report, _ = issue_report(client.id, "中国工商银行", subject.uscc, as_of=clock.today(),
                                 actor=Actor.cli(), now=clock.now())
        db.session.commit()
        return report_document(report) | {"number": report.number}


def test_the_printed_report_links_to_a_verification_that_says_genuine(page, live_server, issued):
    page.goto(f"{live_server.url}/reports/{issued['number']}")
    assert page.locator("h1").inner_text() == "知识产权领域信用报告"
    assert page.locator("[data-number]").inner_text() == issued["number"]
    assert page.locator("[data-signature]").inner_text() == issued["signature"]["value"]
    assert page.locator("[data-status]").get_attribute("data-status") == "disclosed_penalties"

    follow(page, "text=立即核验本报告")
    assert page.locator("[data-result]").get_attribute("data-result") == "genuine"
    assert "报告真实有效" in page.locator(".verify-result").inner_text()


def test_pasting_an_altered_report_is_caught(page, live_server, issued):
    page.goto(f"{live_server.url}/reports/verify")
    altered = dict(issued["report"], status="red_list")
    page.fill("#number", issued["number"])
    page.fill("#content", json.dumps(altered, ensure_ascii=False, indent=2))
    follow(page, "button[type=submit]")
    assert page.locator("[data-result]").get_attribute("data-result") == "altered"

    page.fill("#content", json.dumps(issued["report"], ensure_ascii=False))
    follow(page, "button[type=submit]")
    assert page.locator("[data-result]").get_attribute("data-result") == "genuine"


def test_print_layout_hides_navigation(page, live_server, issued):
    page.goto(f"{live_server.url}/reports/{issued['number']}")
    page.emulate_media(media="print")
    assert not page.locator(".site-nav").is_visible()
    assert not page.locator("text=立即核验本报告").is_visible()
    assert page.locator("[data-signature]").is_visible()
