"""Result snippets come from the field the query matched: facts, legal basis, penalty content."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from service.core import clock
from service.core.db import db
from service.search.interface import get_search
from tests.factories import make_authority, make_decision, make_subject


@pytest.fixture(scope="module")
def ids(search_app):
    with search_app.app_context():
        today = clock.today()
        office = make_authority("苏州市片段测试市场监督管理局", region_code="320500")
        layout = make_decision(
            make_subject("苏州片段测试微电子有限公司"), office, violation_type="其他",
            decided_on=today - timedelta(days=5),
            facts="当事人未经许可复制他人受保护的设计并用于商业目的。",
            legal_basis="《集成电路布图设计保护条例》第三十条第一款",
            penalty_content="责令停止侵权，没收复制品，罚款3万元")
        recall = make_decision(
            make_subject("苏州片段测试电器有限公司"), office, decided_on=today - timedelta(days=6),
            facts="当事人销售标注他人注册商标的电热水壶。",
            penalty_content="没收侵权商品，并处召回已售出的热水壶")
        db.session.commit()
        get_search().reindex()
        found = {"layout": layout.id, "recall": recall.id}
        db.session.remove()
    return found


def _snippet_of(html: str, decision_id: int) -> str:
    item = html.split(f'href="/decisions/{decision_id}"', 1)[1].split("</li>", 1)[0]
    return re.search(r'<p class="snippet">(.*?)</p>', item, re.S).group(1)


def test_a_match_in_the_legal_basis_shows_the_basis(search_app, ids):
    html = search_app.test_client().get("/search?q=集成电路布图设计").get_data(as_text=True)
    snippet = _snippet_of(html, ids["layout"])
    assert snippet.startswith('<span class="snippet-label">处罚依据：</span>')
    assert "<mark>" in snippet
    assert "保护条例" in snippet


def test_a_match_in_the_penalty_shows_the_penalty(search_app, ids):
    html = search_app.test_client().get("/search?q=召回").get_data(as_text=True)
    snippet = _snippet_of(html, ids["recall"])
    assert snippet.startswith('<span class="snippet-label">处罚内容：</span>')
    assert "<mark>召回</mark>" in snippet


def test_a_match_in_the_facts_or_the_name_shows_the_facts_unlabelled(search_app, ids):
    web = search_app.test_client()
    facts = _snippet_of(web.get("/search?q=电热水壶").get_data(as_text=True), ids["recall"])
    assert "snippet-label" not in facts
    assert "<mark>" in facts
    by_name = _snippet_of(web.get("/search?q=片段测试微电子").get_data(as_text=True),
                          ids["layout"])
    assert "snippet-label" not in by_name
    assert by_name.startswith("当事人未经许可")


def test_an_article_is_highlighted_however_the_text_spells_it(search_app, ids):
    html = search_app.test_client().get("/search?q=布图设计保护条例第30条").get_data(as_text=True)
    snippet = _snippet_of(html, ids["layout"])
    assert snippet.startswith('<span class="snippet-label">处罚依据：</span>')
    assert "<mark>第三十条</mark>" in snippet
