"""Spelling correction of Latin words: what it tries is bounded, what users rely on is kept."""

from __future__ import annotations

from service.core import clock
from service.core.db import db
from service.search.interface import SearchRequest, get_search
from service.search.postings import alphabetic_terms
from tests.factories import make_decision, make_subject
from tests.search.conftest import found


def _index(*decisions) -> None:
    db.session.commit()
    get_search().write([d.id for d in decisions])


def _facts(mark: str) -> str:
    return f"当事人销售标有“{mark}”商标的手表。"


def test_a_misspelt_word_finds_its_spelling_across_segments(ctx):
    first = make_decision(make_subject("深圳市拼写纠错一号钟表有限公司"), facts=_facts("Tissot"))
    _index(first)  # each write commits a segment of its own
    second = make_decision(make_subject("深圳市拼写纠错二号钟表有限公司"), facts=_facts("Tissot"))
    _index(second)

    assert {first.id, second.id} <= set(found("Tisost", clock.today()))
    assert {first.id, second.id} <= set(found("Tisot", clock.today()))


def test_a_word_near_many_spellings_tries_the_closest_few(ctx):
    near = ["marvo", "marvu", "marvy", "marxa", "marza", "mbrva", "mcrva", "mdrva", "merva",
            "mfrva", "mgrva", "mhrva"]
    decisions = [make_decision(make_subject(f"厦门市近似拼写{i}号有限公司"), facts=_facts(mark))
                 for i, mark in enumerate(near)]
    twice = make_decision(make_subject("厦门市近似拼写常见有限公司"), facts=_facts("marvy"))
    _index(*decisions, twice)

    results = get_search().search(SearchRequest(q="marva", today=clock.today(), per_page=100))
    assert 0 < len(results.fuzzy) <= 8
    assert "marvy" in results.fuzzy  # the most frequent of the closest
    assert twice.id in results.ids


def test_codes_are_not_spellings_of_a_word(ctx):
    decision = make_decision(make_subject("厦门市编号跳过测试有限公司"),
                             facts="当事人销售标有“qzab”“qzac”字样的商品，许可证号QZ12345、QZA9876、QZB55。")
    _index(decision)
    [reader] = [reader for reader, *_rest in get_search().snapshot().leaves
                if ("body", b"qzab") in reader._terms]

    assert alphabetic_terms(reader, "body", "q").tolist() == ["qzab", "qzac"]
