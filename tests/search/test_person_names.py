"""法定代表人 and 直接责任人员 are searchable as far as the public decision page shows them."""

from __future__ import annotations

import re

from service.core import clock
from service.core.db import db
from service.register.identifiers import mask_id_number
from service.search.interface import get_search
from tests.factories import make_decision, make_person, make_ric, make_subject
from tests.search.conftest import found

FACTS = "当事人销售侵犯“星牌”注册商标专用权的运动鞋120双。"


def _index(*decisions) -> None:
    db.session.commit()
    get_search().write([d.id for d in decisions])


def _snippet_of(html: str, decision_id: int) -> str:
    item = html.split(f'href="/decisions/{decision_id}"', 1)[1].split("</li>", 1)[0]
    return re.search(r'<p class="snippet">(.*?)</p>', item, re.S).group(1)


def test_a_company_is_found_by_its_legal_representative(ctx):
    decision = make_decision(make_subject("杭州桃花岛贸易有限公司", legal_representative="欧阳锋"),
                             facts=FACTS)
    _index(decision)

    assert found("欧阳锋", clock.today()) == [decision.id]
    html = ctx.test_client().get("/search?q=欧阳锋").get_data(as_text=True)
    assert _snippet_of(html, decision.id) == (
        '<span class="snippet-label">法定代表人：</span><mark>欧阳锋</mark>')


def test_a_company_is_found_by_its_responsible_persons(ctx):
    number = make_ric("19800101", "110105")
    decision = make_decision(
        make_subject("杭州大理段氏商贸有限公司"), facts=FACTS,
        responsible_persons=[{"name": "段正淳", "id_type": "身份证",
                              "id_number_masked": mask_id_number(number)}])
    _index(decision)

    assert found("段正淳", clock.today()) == [decision.id]
    assert found(number, clock.today()) == []
    html = ctx.test_client().get("/search?q=段正淳").get_data(as_text=True)
    assert "直接责任人员：" in _snippet_of(html, decision.id)


def test_what_the_page_hides_of_a_natural_person_is_not_searchable(ctx):
    """A natural person's decision shows no 法定代表人, whatever the record holds."""
    decision = make_decision(make_person("黄药师", legal_representative="洪七公"), facts=FACTS)
    _index(decision)

    assert found("黄药师", clock.today()) == [decision.id]
    assert found("洪七公", clock.today()) == []
    html = ctx.test_client().get("/search?q=黄药师 OR 洪七公").get_data(as_text=True)
    assert "洪七公" not in html.split(f'href="/decisions/{decision.id}"', 1)[1].split("</li>")[0]


def test_the_party_ranks_above_a_company_it_represents(ctx):
    represented = make_decision(make_subject("杭州归云庄贸易有限公司",
                                             legal_representative="陆乘风"), facts=FACTS)
    mentioned = make_decision(make_subject("杭州太湖渔业有限公司", legal_representative="陆冠英"),
                              facts="经查，陆乘风在其经营场所销售侵犯“星牌”注册商标专用权的渔具。")
    party = make_decision(make_person("陆乘风"), facts=FACTS)
    _index(represented, mentioned, party)

    assert found("陆乘风", clock.today()) == [party.id, represented.id, mentioned.id]
