"""Search quality on a labelled query set: recall@10 must be at least 0.95."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.core import clock
from service.core.db import db
from service.register.models import Decision
from service.search.interface import get_search
from tests.search.conftest import found
from tests.search.corpus import TARGETS, build_corpus


def cites(*parts: str) -> str:
    """A label for every decision whose legal basis (处罚依据) holds all of `parts`."""
    return "cites:" + "|".join(parts)


# (query, keys of the decisions it must find, kind)
LABELLED = [
    # full company names
    ("深圳市鑫源电子科技有限公司", {"xinyuan"}, "full name"),
    ("广州市白云区恒达皮具商行", {"hengda"}, "full name"),
    ("义乌市华盛日用品有限公司", {"huasheng"}, "full name"),
    ("天津市北辰区嘉信汽车配件有限公司", {"jiaxin"}, "full name"),
    ("济南历下区金鼎电线电缆有限公司", {"jinding"}, "full name"),
    ("晋江市骏驰鞋业有限公司", {"junchi"}, "full name"),
    # partial names (any 2+ consecutive characters)
    ("鑫源电子", {"xinyuan"}, "partial name"),
    ("恒达皮具", {"hengda"}, "partial name"),
    ("华盛日用", {"huasheng"}, "partial name"),
    ("龙井茶业", {"longjing"}, "partial name"),
    ("骏驰鞋", {"junchi"}, "partial name"),
    ("朗峰钟表", {"langfeng"}, "partial name"),
    ("锦星服饰", {"jinxing"}, "partial name"),
    ("博新电子", {"boxin"}, "partial name"),
    ("海天种业", {"haitian"}, "partial name"),
    ("君豪眼镜", {"junhao"}, "partial name"),
    ("信德商贸", {"xinde"}, "partial name"),
    # two characters of a name: the 字号, or across the words jieba would cut
    ("鑫源", {"xinyuan"}, "2-char name"),
    ("骏驰", {"junchi"}, "2-char name"),
    ("朗峰", {"langfeng"}, "2-char name"),
    ("卓越", {"zhuoyue"}, "2-char name"),
    ("凯安", {"kaian"}, "2-char name"),
    ("源电", {"xinyuan"}, "2-char name"),
    ("达皮", {"hengda"}, "2-char name"),
    ("井茶", {"longjing"}, "2-char name"),
    ("驰鞋", {"junchi"}, "2-char name"),
    ("峰钟", {"langfeng"}, "2-char name"),
    ("豪眼", {"junhao"}, "2-char name"),
    ("赵敏", {"person"}, "2-char name"),
    # USCCs
    (None, {"xinyuan"}, "uscc"),
    (None, {"kaian"}, "uscc"),
    (None, {"rongxing"}, "uscc"),
    (None, {"tengfei"}, "uscc"),
    # decision numbers, as printed and as typed with other brackets
    ("深市监罚〔2026〕101号", {"xinyuan"}, "number"),
    ("津北辰市监处罚〔2026〕184号", {"jiaxin"}, "number"),
    ("沪浦市监处罚[2026]77号", {"ruixiang"}, "number"),
    ("青农（种）罚〔2026〕2号", {"haitian"}, "number"),
    ("深关知罚字(2026)14号", {"canon"}, "number"),
    # goods and trademark names
    ("电动牙刷 假冒专利", {"boxin"}, "goods"),
    ("吹风机 Dyson", {"runze"}, "goods"),
    ("郑单958", {"haitian"}, "goods"),
    ("三体", {"wenbo"}, "work"),
    ("AutoCAD", {"qiming"}, "trademark"),
    ("Louis Vuitton", {"hengda"}, "trademark"),
    ("Chanel 香水", {"huasheng"}, "trademark"),
    ("Adidas", {"xinyuan", "person"}, "trademark"),
    ("Rolex", {"langfeng"}, "trademark"),
    ("西湖龙井", {"longjing"}, "trademark"),
    ("老干妈 辣椒酱", {"hongfu"}, "trademark"),
    ("Canon 墨盒", {"canon"}, "trademark"),
    # authorities
    ("东莞海关", {"zhuoyue"}, "authority"),
    ("江苏省版权局", {"wenbo"}, "authority"),
    ("青岛市农业农村局", {"haitian"}, "authority"),
    ("义乌市市场监督管理局", {"huasheng"}, "authority"),
    # legal basis (处罚依据): as cited, or the law and the article typed without brackets
    ("《中华人民共和国商标法》第五十七条", {cites("商标法》第五十七条")}, "legal basis"),
    ("商标法第五十七条", {cites("商标法》第五十七条")}, "legal basis"),
    ("商标法 第五十七条第（三）项", {cites("商标法》第五十七条第（三）项")}, "legal basis"),
    ("专利法第六十八条", {cites("专利法》第六十八条")}, "legal basis"),
    ("专利法实施细则第一百零一条", {cites("专利法实施细则》第一百零一条")}, "legal basis"),
    ("种子法第七十二条", {cites("种子法》", "第七十二条")}, "legal basis"),
    ("产品质量法第五十条", {cites("产品质量法》", "第五十条")}, "legal basis"),
    ("著作权法第五十三条", {cites("著作权法》第五十三条")}, "legal basis"),
    ("商标法第57条", {cites("商标法》第五十七条")}, "legal basis"),
    ("商标法五十七条", {cites("商标法》第五十七条")}, "legal basis"),
    ("商标法第五十七条第三项", {cites("商标法》第五十七条第（三）项")}, "legal basis"),
    ("实施细则第101条", {cites("专利法实施细则》第一百零一条")}, "legal basis"),
    ("反不正当竞争法第九条第一款", {"xinde"}, "legal basis"),
    ("计算机软件保护条例第二十四条", {"qiming"}, "legal basis"),
    ("知识产权海关保护条例", {"zhuoyue", "canon"}, "legal basis"),
    # typos in Latin names
    ("Adidsa", {"xinyuan", "person"}, "typo"),
    ("Chanle", {"huasheng"}, "typo"),
    ("Dysno 吹风机", {"runze"}, "typo"),
    ("Rollex", {"langfeng"}, "typo"),
    ("Philps", {"yongyao"}, "typo"),
    ("Disnep", {"zhuoyue"}, "typo"),
    # combinations
    ("深圳 Adidas 运动服", {"xinyuan"}, "combination"),
    ("义乌 香水", {"huasheng"}, "combination"),
]


@pytest.fixture(scope="module")
def corpus(search_app):
    with search_app.app_context():
        made = build_corpus(clock.today())
        db.session.commit()
        get_search().reindex()
        ids = {key: d.id for key, d in made.items()}
        usccs = {key: d.uscc for key, d in made.items()}
        bases = dict(db.session.execute(select(Decision.id, Decision.legal_basis)).all())
        for label in {k for _q, keys, _kind in LABELLED for k in keys if k.startswith("cites:")}:
            parts = label.removeprefix("cites:").split("|")
            ids[label] = {i for i, basis in bases.items() if all(p in basis for p in parts)}
            assert ids[label], label
        db.session.remove()
    return ids, usccs


def _wanted(ids: dict, keys: set[str]) -> set[int]:
    return set().union(*({ids[k]} if isinstance(ids[k], int) else ids[k] for k in keys))


def test_labelled_queries_recall_at_10(search_app, corpus):
    ids, usccs = corpus
    assert len(LABELLED) >= 40
    misses, total = [], 0.0
    with search_app.app_context():
        for query, keys, kind in LABELLED:
            if query is None:
                query = usccs[next(iter(keys))]
            top = found(query, clock.today())[:10]
            wanted = _wanted(ids, keys)
            recall = len(wanted & set(top)) / min(len(wanted), 10)
            total += recall
            if recall < 1:
                misses.append((kind, query, recall))
    recall_at_10 = total / len(LABELLED)
    print(f"\nrecall@10 over {len(LABELLED)} labelled queries: {recall_at_10:.3f}; "
          f"misses: {misses}")
    assert recall_at_10 >= 0.95, misses


def test_exact_codes_rank_first(search_app, corpus):
    ids, usccs = corpus
    with search_app.app_context():
        assert found(usccs["kaian"], clock.today())[0] == ids["kaian"]
        assert found("深关知罚字〔2026〕14号", clock.today())[0] == ids["canon"]
        assert found("嘉信汽车配件", clock.today())[0] == ids["jiaxin"]


def test_names_not_in_the_corpus_find_nothing(search_app, corpus):
    with search_app.app_context():
        assert found("完全不存在的字号", clock.today()) == []
        assert found("Zyxwvut", clock.today()) == []


def test_personal_id_numbers_are_not_searchable(search_app, corpus):
    from tests.factories import make_decision, make_person, make_ric

    with search_app.app_context():
        number = make_ric("19800101", "110105")
        decision = make_decision(make_person("钱七", number),
                                 facts=f"当事人钱七（身份证号{number}）销售假冒商品。")
        db.session.commit()
        get_search().write([decision.id])
        assert decision.id in found("钱七", clock.today())
        assert found(number, clock.today()) == []


def test_every_target_is_reachable_by_its_own_name(search_app, corpus):
    ids, _usccs = corpus
    with search_app.app_context():
        for key, (name, *_rest) in TARGETS.items():
            assert ids[key] in found(name[-8:], clock.today())[:10], name


def test_a_name_holding_the_typed_text_ranks_above_names_sharing_its_words(search_app, corpus):
    """'晶实业有限' is part of 盈晶实业有限公司 only; the others merely share the words."""
    from tests.factories import make_decision, make_subject

    with search_app.app_context():
        today = clock.today()
        others = [make_decision(make_subject(name)) for name in (
            "济南市晟晶实业股份有限公司", "广州市晶和实业有限公司", "广州市晶和实业有限公司")]
        target = make_decision(make_subject("西安市盈晶实业有限公司"))
        db.session.commit()
        get_search().write([target.id, *(d.id for d in others)])

        assert found("晶实业有限", today)[0] == target.id


def test_a_code_with_a_wrong_character_is_not_corrected_into_another(search_app, corpus):
    """ZL202112345679 must not answer with the record of another party's ZL202112345678."""
    from tests.factories import make_decision, make_subject

    with search_app.app_context():
        decision = make_decision(make_subject("苏州市专利测试有限公司"),
                                 facts="当事人在其产品上标注已失效的专利号ZL202112345678。")
        db.session.commit()
        get_search().write([decision.id])

        assert found("ZL202112345678", clock.today()) == [decision.id]
        assert found("ZL202112345679", clock.today()) == []
