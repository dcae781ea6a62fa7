"""Analysis shared by the index and the query: article references get one spelling."""

from __future__ import annotations

import pytest

from service.search.analysis import chinese_number, query_words


@pytest.mark.parametrize(("numeral", "value"), [
    ("三", 3), ("十", 10), ("十九", 19), ("二十", 20), ("五十七", 57), ("一百零一", 101),
    ("一百一十", 110), ("两百", 200), ("一千零二十", 1020),
])
def test_chinese_numerals(numeral, value):
    assert chinese_number(numeral) == value


@pytest.mark.parametrize("typed", [
    "商标法第五十七条", "商标法第57条", "商标法五十七条", "商标法 第５７条", "《商标法》第五十七条",
])
def test_an_article_is_one_word_however_it_is_typed(typed):
    assert query_words(typed) == ["商标法", "第57条"]


def test_a_cited_basis_gives_its_articles_paragraphs_and_items():
    words = query_words("《中华人民共和国商标法》第五十七条第（三）项、第六十条第二款")
    assert words == ["中华人民共和国", "商标法", "第57条", "第3项", "第60条", "第2款"]
    # jieba alone cut 第七十二条 into 第 + 七十二条 here, and whole in a query
    assert query_words("《中华人民共和国种子法》第二十八条、第七十二条")[-1] == "第72条"


def test_chinese_numerals_spell_every_article_number_back():
    from service.search.analysis import chinese_number, chinese_numeral

    assert [chinese_numeral(n) for n in (3, 10, 15, 57, 101, 110, 1010)] == [
        "三", "十", "十五", "五十七", "一百零一", "一百一十", "一千零一十"]
    assert all(chinese_number(chinese_numeral(n)) == n for n in range(10_000))
