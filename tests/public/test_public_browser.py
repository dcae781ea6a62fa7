"""The public site in Chromium: a real server, a real browser, a few journeys."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from service.core import clock
from service.core.db import db
from service.register.models import Subject
from service.search.interface import get_search
from tests.browser import follow
from tests.public.helpers import seed_world, unmasked_id_numbers

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(live_server):
    with live_server.app.app_context():
        world = seed_world(clock.today())
        db.session.commit()
        get_search().reindex()
        return SimpleNamespace(
            decision_id=world.disclosed.id, decision_number=world.disclosed.number,
            listed_name=world.listed.name, listed_id=world.listed.id,
            person_decision_id=world.person_decision.id, id_number=world.person_id_number,
            expired_number=world.expired.number,
        )


def _assert_masked(page, seeded) -> None:
    html = page.content()
    assert seeded.id_number not in html, page.url
    assert unmasked_id_numbers(html) == [], page.url


def test_home_to_decision_to_company(page, live_server, seeded):
    page.goto(live_server.url + "/")
    assert page.locator("input[name=q]").is_visible()
    _assert_masked(page, seeded)

    follow(page, f'a[href="/decisions/{seeded.decision_id}"]')
    assert page.locator("h1").inner_text() == seeded.listed_name
    assert "公示至" in page.locator(".notice-info").inner_text()
    assert seeded.decision_number in page.content()
    _assert_masked(page, seeded)

    follow(page, "text=查看该主体的信用状况")
    assert page.url.endswith(f"/subjects/{seeded.listed_id}")
    assert page.locator("[data-status]").get_attribute("data-status") == "blacklisted"
    _assert_masked(page, seeded)

    page.goto(f"{live_server.url}/decisions/{seeded.person_decision_id}")
    _assert_masked(page, seeded)


def test_the_code_form_keeps_an_id_number_out_of_the_address_bar(page, live_server, seeded):
    page.goto(live_server.url + "/")
    page.fill("#code", seeded.id_number)
    follow(page, "#code", key="Enter")
    assert seeded.id_number not in page.url  # the form posts: history holds no number
    assert page.locator('[data-notice="person-id"]').is_visible()
    _assert_masked(page, seeded)

    with live_server.app.app_context():
        uscc = db.session.get(Subject, seeded.listed_id).uscc
    page.fill("#code", uscc)
    follow(page, "form.code-form button")
    assert page.url.endswith(f"/subjects/{seeded.listed_id}")  # redirected to the company
    assert page.locator("h1").inner_text() == seeded.listed_name


def test_search_results_for_a_person_show_the_masked_number_only(page, live_server, seeded):
    page.goto(live_server.url + "/")
    page.fill("input[name=q]", "王五")
    follow(page, "input[name=q]", key="Enter")
    assert "/search?q=" in page.url
    person = page.locator(f'.search-results a[href="/decisions/{seeded.person_decision_id}"]')
    assert person.count() == 1
    _assert_masked(page, seeded)

    page.goto(live_server.url + "/search?q=盗版图书")  # the facts quote the full number
    assert page.locator(".search-results .record").count() >= 1
    _assert_masked(page, seeded)


def test_filter_blacklist_without_javascript(browser, live_server, seeded):
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/blacklist")
        page.fill("#f-q", "星辰")
        page.select_option("#f-basis", "repeat_infringement")
        follow(page, "button:has-text('筛选')")
        assert "q=" in page.url
        assert page.locator("table.list-table tbody tr").count() == 1
        assert page.locator("table.list-table").inner_text().count(seeded.listed_name) == 1

        page.fill("#f-q", "不存在的公司")
        follow(page, "button:has-text('筛选')")
        assert page.locator("table.list-table").count() == 0
        assert "没有符合条件" in page.content()
        _assert_masked(page, seeded)
    finally:
        context.close()


def test_download_decisions_csv(page, live_server, seeded):
    page.goto(live_server.url + "/open-data")
    with page.expect_download() as info:
        page.click('a[href="/open-data/decisions.csv"]')
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")

    rows = list(csv.DictReader(io.StringIO(text)))
    assert download.suggested_filename.startswith("decisions-")
    assert seeded.decision_number in {r["行政处罚决定书文号"] for r in rows}
    assert seeded.expired_number not in text
    assert unmasked_id_numbers(text) == []


def test_mobile_width_has_no_sideways_scroll(page, live_server, seeded):
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/", f"/decisions/{seeded.decision_id}", "/blacklist", "/statistics",
                 "/search?q=王五"):
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, path
        _assert_masked(page, seeded)
    page.goto(live_server.url + "/")
    assert page.locator("input[name=q]").bounding_box()["width"] > 200
    assert page.locator("nav.site-nav a[href='/blacklist']").is_visible()
