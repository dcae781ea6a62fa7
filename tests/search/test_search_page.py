"""The /search page through the test client: results, facets, sorting, paging, bad input."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from service.core import clock
from service.core.db import db
from service.register.models import Decision
from service.search.interface import SearchRequest, get_search
from tests.factories import (
    make_authority,
    make_decision,
    make_person,
    make_ric,
    make_subject,
    mark_revoked,
)
from tests.public.helpers import unmasked_id_numbers


@pytest.fixture(scope="module")
def world(search_app):
    with search_app.app_context():
        today = clock.today()
        market = make_authority("宁波市海曙区市场监督管理局", region_code="330203")
        ip_office = make_authority("浙江省知识产权局", region_code="330000", department="知识产权")
        shoes = [make_decision(make_subject(f"宁波翻页测试{i:02d}鞋业有限公司"), market,
                               decided_on=today - timedelta(days=i + 1),
                               facts=f"当事人销售侵犯“耐克”注册商标专用权的运动鞋{i + 10}双。")
                 for i in range(25)]
        patent = make_decision(make_subject("宁波翻页测试专利科技有限公司"), ip_office,
                               violation_type="假冒专利", categories=("罚款",),
                               decided_on=today - timedelta(days=400),
                               disclosure_ends_on=today + timedelta(days=10),
                               facts="当事人在保温杯包装上标注已终止的专利号。")
        script = make_decision(make_subject("<script>alert(1)</script>测试商行"), market,
                               decided_on=today - timedelta(days=3),
                               facts="当事人销售<b>假冒</b>商品。")
        number = make_ric("19900307", "330203")
        person = make_decision(make_person("孙八", number), market,
                               decided_on=today - timedelta(days=2),
                               facts=f"当事人孙八（身份证号码{number}）销售侵权运动鞋。")
        revoked_later = make_decision(make_subject("宁波即将撤销测试有限公司"), market,
                                      decided_on=today - timedelta(days=2))
        db.session.commit()
        get_search().reindex()
        ids = {"shoes": [d.id for d in shoes], "patent": patent.id, "script": script.id,
               "person": person.id, "revoked_later": revoked_later.id, "market": market.id,
               "number": number}
        db.session.remove()
    return ids


@pytest.fixture
def web(search_app, world):
    return search_app.test_client()


def _result_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="record-title" href="/decisions/(\d+)"', html)]


def test_results_are_highlighted_and_paged(web, world):
    page1 = web.get("/search?q=翻页测试 运动鞋")
    html = page1.get_data(as_text=True)
    assert page1.status_code == 200
    assert 'data-total="25"' in html
    assert "<mark>翻页测试</mark>" in html
    assert "<mark>运动鞋</mark>" in html
    first = _result_ids(html)
    assert len(first) == 20
    second = _result_ids(web.get("/search?q=翻页测试 运动鞋&page=2").get_data(as_text=True))
    assert len(second) == 5
    assert set(first) | set(second) == set(world["shoes"])


def test_facets_count_and_filter(web, world):
    html = web.get("/search?q=翻页测试").get_data(as_text=True)
    violation = html.split('data-facet="violation"')[1].split("</section>")[0]
    assert re.search(r"侵犯注册商标专用权</a>\s*<span class=\"count\">25<", violation)
    assert re.search(r"假冒专利</a>\s*<span class=\"count\">1<", violation)
    filtered = web.get("/search?q=翻页测试&violation=假冒专利").get_data(as_text=True)
    assert _result_ids(filtered) == [world["patent"]]
    assert "违法行为类型：假冒专利 ×" in filtered
    by_year = web.get(f"/search?q=翻页测试&year={clock.today().year - 1}").get_data(as_text=True)
    assert world["patent"] in _result_ids(by_year) or clock.today().month == 1


def test_sort_by_date_puts_the_newest_first(web, world):
    html = web.get("/search?q=翻页测试&sort=date").get_data(as_text=True)
    ids = _result_ids(html)
    assert ids[:3] == world["shoes"][:3]
    assert world["patent"] not in ids  # decided 400 days ago: on a later page


def test_html_in_records_is_escaped_and_ids_masked(web, world):
    html = web.get("/search?q=测试商行").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    person = web.get("/search?q=孙八").get_data(as_text=True)
    assert world["person"] in _result_ids(person)
    assert world["number"] not in person
    assert unmasked_id_numbers(person) == []


@pytest.mark.parametrize("query", [
    '"翻页测试', "翻页测试\"", "AND", "OR OR", "NOT", "- -", "翻页测试 AND OR NOT", "(((", "*",
    "?", "翻页测试~2", "field:value", "\\", "%", "'; DROP TABLE decisions; --", "翻页" * 400,
    "\x00", "<script>", "🙂", "　", "ＡＮＤ 翻页测试",
])
def test_malformed_queries_get_an_answer(web, world, query):
    response = web.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "data-total=" in html
    assert "Traceback" not in html


def test_long_query_is_cut_with_a_note(web, world):
    html = web.get("/search", query_string={"q": "翻页测试" + "鞋" * 300}).get_data(as_text=True)
    assert "查询内容过长" in html


def test_bad_filter_values_are_ignored_with_a_note(web, world):
    response = web.get("/search?q=翻页测试&year=abc&province=99&authority=-3&page=x&sort=zzz")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已忽略无效的筛选条件" in html
    assert 'data-total="26"' in html


def test_page_beyond_the_last_is_empty_not_an_error(web, world):
    response = web.get("/search?q=翻页测试&page=999")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "第 50 页超出范围：共 2 页" in html  # page is capped at the 50 pages of MAX_RESULTS
    assert "没有找到符合条件的公示信息" not in html  # there are results, on pages 1 and 2
    assert "page=2" in html


def test_revoked_decision_leaves_the_page_before_the_index_catches_up(search_app, world):
    search_app.config["SEARCH_APPLY_AFTER_COMMIT"] = False
    try:
        with search_app.app_context():
            mark_revoked(db.session.get(Decision, world["revoked_later"]))
            db.session.commit()
            still_indexed = get_search().search(SearchRequest(q="即将撤销", today=clock.today()))
            assert world["revoked_later"] in still_indexed.ids
            db.session.remove()
        html = search_app.test_client().get("/search?q=即将撤销").get_data(as_text=True)
        assert world["revoked_later"] not in _result_ids(html)
    finally:
        search_app.config["SEARCH_APPLY_AFTER_COMMIT"] = True


def test_home_page_search_box_targets_the_search_page(web, world):
    html = web.get("/").get_data(as_text=True)
    assert 'action="/search"' in html
    assert web.get("/search").status_code == 200
