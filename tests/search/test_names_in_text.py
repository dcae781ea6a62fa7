"""Names inside the free text (违法事实) are found although jieba cuts them apart."""

from __future__ import annotations

from service.core import clock
from service.core.db import db
from service.search.analysis import query_words, words_with_offsets
from service.search.interface import get_search
from tests.factories import make_decision, make_person, make_subject
from tests.search.conftest import found

MENTIONS_ZHANG = "经查，张三在其经营场所销售侵犯“星牌”注册商标专用权的运动鞋120双。"
MENTIONS_DINGTAIFENG = "当事人受杭州鼎泰丰进出口有限公司委托，加工标有“星牌”商标的服装。"


def _jieba_words(text: str) -> set[str]:
    return {word for word, _start, _end in words_with_offsets(text)}


def _index(*decisions) -> None:
    db.session.commit()
    get_search().write([d.id for d in decisions])


def test_jieba_alone_misses_these_names():
    """The premise: without the text's bigrams the words of these queries are not indexed."""
    assert not set(query_words("张三")) <= _jieba_words(MENTIONS_ZHANG)  # 张三在
    assert not set(query_words("泰丰进出口")) <= _jieba_words(MENTIONS_DINGTAIFENG)  # 鼎泰丰


def test_a_person_named_in_the_facts_is_found(ctx):
    # (not the factories' default 法定代表人 张三: representatives are searchable too)
    decision = make_decision(make_subject("广州市星河鞋业有限公司", legal_representative="周伯通"),
                             facts=MENTIONS_ZHANG)
    other = make_decision(make_subject("广州市银河鞋业有限公司", legal_representative="周伯通"),
                          facts="经查，李四在其经营场所销售侵犯“星牌”注册商标专用权的运动鞋。")
    _index(decision, other)

    hits = found("张三", clock.today())
    assert decision.id in hits
    assert other.id not in hits
    assert decision.id not in found("星河鞋业 -张三", clock.today())


def test_part_of_a_company_name_in_the_facts_is_found(ctx):
    decision = make_decision(make_subject("宁波甬江服饰有限公司"), facts=MENTIONS_DINGTAIFENG)
    _index(decision)

    assert decision.id in found("泰丰进出口", clock.today())
    assert decision.id in found("鼎泰丰进出口有限公司", clock.today())


def test_characters_split_by_punctuation_do_not_make_a_name(ctx):
    decision = make_decision(make_subject("宁波北仑文具有限公司"),
                             facts="当事人销售的笔记本封面印有“欧，阳”字样及“星牌”商标。")
    _index(decision)

    assert decision.id not in found("欧阳", clock.today())


def test_the_party_named_so_ranks_above_a_mention_in_the_facts(ctx):
    mention = make_decision(make_subject("佛山市南海区顺景五金有限公司"),
                            facts="经查，冯小刚在其经营场所销售侵犯“星牌”注册商标专用权的锁具。")
    party = make_decision(make_person("冯小刚"),
                          facts="当事人在网络平台销售侵犯“星牌”注册商标专用权的锁具。")
    _index(mention, party)

    assert found("冯小刚", clock.today())[:2] == [party.id, mention.id]
