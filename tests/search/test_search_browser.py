"""Search in Chromium: type a query, filter by a facet, page through, open a decision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.core import clock
from service.core.db import db
from service.search.interface import get_search
from tests.browser import follow
from tests.factories import make_authority, make_decision, make_subject
from tests.public.helpers import unmasked_id_numbers

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(live_server):
    with live_server.app.app_context():
        today = clock.today()
        market = make_authority("厦门市思明区市场监督管理局", region_code="350203")
        copyright_office = make_authority("福建省版权局", region_code="350000", department="版权")
        shoes = [make_decision(make_subject(f"厦门浏览器测试{i:02d}贸易有限公司"), market,
                               decided_on=today - timedelta(days=i + 1),
                               facts="当事人销售侵犯“安踏”注册商标专用权的运动鞋。")
                 for i in range(23)]
        books = [make_decision(make_subject(f"厦门浏览器测试{i}印刷有限公司"), copyright_office,
                               violation_type="侵犯著作权", categories=("罚款",),
                               decided_on=today - timedelta(days=i + 2),
                               facts="当事人未经许可复制发行图书《三体》。")
                 for i in range(2)]
        db.session.commit()
        get_search().reindex()
        return {"shoes": [d.id for d in shoes], "books": [d.id for d in books],
                "first_name": shoes[0].party_name}


def test_search_filter_paginate_and_open(page, live_server, seeded):
    page.goto(live_server.url + "/")
    page.fill("#q", "浏览器测试")
    follow(page, "form.search-form button[type=submit]")
    assert "/search?q=" in page.url
    assert page.locator("[data-total]").get_attribute("data-total") == "25"
    assert page.locator(".search-results .record").count() == 20
    assert page.locator(".search-results mark").first.inner_text() == "浏览器测试"

    follow(page, "nav.pagination a[rel=next]")
    assert page.locator(".search-results .record").count() == 5
    assert "第 2 / 2 页" in page.locator(".page-status").inner_text()

    follow(page, "[data-facet=violation] a:has-text('侵犯著作权')")
    assert page.locator("[data-total]").get_attribute("data-total") == "2"
    assert "violation=" in page.url
    assert "page=" not in page.url  # a new filter starts at the first page
    follow(page, ".selected-filters a:has-text('侵犯著作权')")  # remove the filter again
    assert page.locator("[data-total]").get_attribute("data-total") == "25"

    follow(page, "a:has-text('决定日期')")
    first = page.locator(".search-results .record-title").first
    assert first.inner_text() == seeded["first_name"]
    follow(page, first)
    assert page.url.endswith(f"/decisions/{seeded['shoes'][0]}")
    assert page.locator("h1").inner_text() == seeded["first_name"]
    assert unmasked_id_numbers(page.content()) == []


def test_search_works_without_javascript_on_a_phone(browser, live_server, seeded):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False,
                                  viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(live_server.url + "/search?q=" + "\"浏览器 OR AND")
        assert page.locator("[data-total]").count() == 1
        page.goto(live_server.url + "/search?q=三体")
        assert page.locator(".search-results .record").count() == 2
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
    finally:
        context.close()
