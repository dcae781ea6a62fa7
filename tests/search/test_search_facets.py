"""Facet filters on /search: each narrows to exactly its decisions, counts match, bad values go.

The decisions below differ in every facet. Those that are not disclosed today
(expired yesterday, revoked, repaired, a warning) carry facet values of their
own, so a count or a filter that let one of them through would show.
"""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.register.operations import revoke_decision
from service.search.interface import get_search
from tests.factories import make_authority, make_decision, make_subject, make_uscc, mark_revoked
from tests.search.conftest import poll

QUERY = "筛选测试"
AUTHORITIES = {  # key: (name, region)
    "hz": ("杭州市西湖区市场监督管理局", "330106"),
    "zj": ("浙江省知识产权局", "330000"),
    "sz": ("深圳市市场监督管理局", "440303"),
    "js": ("江苏省市场监督管理局", "320000"),  # only a decision that expired
    "sd": ("山东省农业农村厅", "370000"),  # only a revoked one
}
# (violation type, categories, authority, the party's region, days before today)
DISCLOSED = (
    ("侵犯注册商标专用权", ("罚款", "没收非法财物"), "hz", "330106", 5),
    ("侵犯注册商标专用权", ("罚款",), "hz", "330106", 20),
    ("侵犯注册商标专用权", ("罚款", "没收违法所得"), "sz", "440303", 30),
    ("侵犯注册商标专用权", ("责令停产停业", "罚款"), "sz", "440111", 400),
    ("假冒专利", ("罚款",), "zj", "330212", 15),
    ("假冒专利", ("罚款", "没收违法所得"), "zj", "330106", 420),
    ("侵犯著作权", ("没收非法财物", "罚款"), "sz", "440303", 50),
    ("制售假冒伪劣商品", ("罚款", "吊销许可证件"), "hz", "330212", 60),
    ("侵犯注册商标专用权", ("没收违法所得", "没收非法财物"), "zj", "330782", 70),
)
ACTOR = Actor.system("test-facets")


@dataclass(frozen=True)
class Made:
    id: int
    violation: str
    categories: tuple[str, ...]
    authority: str  # authority id, as in the URL
    authority_key: str
    province: str
    city: str
    year: str


@pytest.fixture(scope="module")
def world(search_app):
    with search_app.app_context():
        today = clock.today()
        authorities = {key: make_authority(name, region_code=region)
                       for key, (name, region) in AUTHORITIES.items()}
        made = []
        for i, (violation, categories, auth, region, days) in enumerate(DISCLOSED):
            decided_on = today - timedelta(days=days)
            decision = make_decision(
                make_subject(f"{QUERY}{i:02d}号商贸有限公司", uscc=make_uscc(region=region)),
                authorities[auth], violation_type=violation, categories=categories,
                fine="3" if "罚款" in categories else None, decided_on=decided_on,
                disclosure_ends_on=today + timedelta(days=30))
            made.append(Made(decision.id, violation, categories, str(authorities[auth].id), auth,
                             region[:2], region[:4], str(decided_on.year)))
        _withdrawn(authorities, today)
        db.session.commit()
        get_search().reindex()
        db.session.remove()
    return made


def _withdrawn(authorities, today: date) -> None:
    """Decisions that match the query but are not public today, each with values of its own."""
    def subject(tag, region):
        return make_subject(f"{QUERY}{tag}商贸有限公司", uscc=make_uscc(region=region))

    make_decision(subject("过期", "320102"), authorities["js"], violation_type="侵犯商业秘密",
                  categories=("罚款", "降低资质等级"), decided_on=today - timedelta(days=800),
                  disclosure_ends_on=today - timedelta(days=1))
    mark_revoked(make_decision(subject("撤销", "370211"), authorities["sd"],
                               violation_type="侵犯植物新品种权",
                               categories=("罚款", "限制开展生产经营活动"),
                               decided_on=today - timedelta(days=8)))
    make_decision(subject("修复", "320102"), authorities["js"], violation_type="侵犯专利权",
                  decided_on=today - timedelta(days=200), repaired_on=today - timedelta(days=1))
    make_decision(subject("警告", "370211"), authorities["sd"], violation_type="侵犯地理标志",
                  categories=("警告",), fine=None, decided_on=today - timedelta(days=3))


@pytest.fixture
def web(search_app, world):
    return search_app.test_client()


def _get(web, **args) -> str:
    response = web.get("/search", query_string={"q": QUERY, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _result_ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'class="record-title" href="/decisions/(\d+)"', html)}


def _total(html: str) -> int:
    return int(re.search(r'data-total="(\d+)"', html).group(1))


def _options(html: str, name: str) -> list[tuple[str, int, str]]:
    """(value, count, link) of each option of one facet; a chosen option's link removes it."""
    section = re.search(rf'data-facet="{name}">(.*?)</section>', html, re.S)
    if section is None:
        return []
    options = []
    for chosen, href, count in re.findall(
            r'<li( class="selected")?>\s*<a href="([^"]+)"[^>]*>[^<]*</a>\s*'
            r'<span class="count">(\d+)</span>', section.group(1)):
        link = html_lib.unescape(href)
        args = parse_qs(urlsplit(link).query)
        value = None if chosen else args[name][0]
        options.append((value, int(count), link))
    return options


def _counts(html: str, name: str) -> dict[str | None, int]:
    return {value: count for value, count, _link in _options(html, name)}


def _expected(made, facet: str, where=lambda m: True) -> dict[str, int]:
    counts = Counter()
    for m in made:
        if where(m):
            counts.update(m.categories if facet == "category" else [getattr(m, facet)])
    return dict(counts)


FILTERS = [
    ("violation", "侵犯注册商标专用权"), ("violation", "假冒专利"), ("violation", "侵犯著作权"),
    ("category", "罚款"), ("category", "没收违法所得"), ("category", "责令停产停业"),
    ("authority", "hz"), ("authority", "zj"), ("province", "33"), ("province", "44"),
    ("city", "3301"), ("city", "3302"), ("city", "4401"), ("year", "this"), ("year", "last"),
]


def _value(world, name: str, value: str) -> str:
    """A FILTERS value as it goes into the URL (authority ids and years are known only now)."""
    if name == "authority":
        return next(m.authority for m in world if m.authority_key == value)
    if name == "year":
        years = sorted({m.year for m in world}, reverse=True)
        return years[0] if value == "this" else years[1]
    return value


def _matches(m: Made, name: str, value: str) -> bool:
    return value in m.categories if name == "category" else getattr(m, name) == value


def test_facets_count_exactly_the_disclosed_matches(web, world):
    html = _get(web)
    assert _total(html) == len(world)
    assert _result_ids(html) == {m.id for m in world}
    for facet in ("violation", "category", "authority", "province", "year"):
        assert _counts(html, facet) == _expected(world, facet), facet
    by_city = _get(web, province="33")
    assert _counts(by_city, "city") == _expected(world, "city", lambda m: m.province == "33")


@pytest.mark.parametrize(("name", "value"), FILTERS)
def test_each_filter_narrows_to_exactly_its_decisions(web, world, name, value):
    value = _value(world, name, value)
    wanted = {m.id for m in world if _matches(m, name, value)}
    html = _get(web, **{name: value})
    assert wanted
    assert wanted != {m.id for m in world}
    assert _result_ids(html) == wanted
    assert _total(html) == len(wanted)
    if name != "category":  # the chosen value is the only one left in its facet
        assert _counts(html, name) == {None: len(wanted)}
    without_query = web.get("/search", query_string={name: value}).get_data(as_text=True)
    assert _result_ids(without_query) == wanted


@pytest.mark.parametrize("args", [
    {}, {"province": "33"}, {"province": "44"}, {"category": "罚款"}, {"category": "没收违法所得"},
    {"violation": "侵犯注册商标专用权", "category": "罚款"},
])
def test_every_facet_option_finds_as_many_as_it_counts(web, world, args):
    html = _get(web, **args)
    links = [(facet, value, count, link) for facet in
             ("violation", "category", "authority", "province", "city", "year")
             for value, count, link in _options(html, facet) if value is not None]
    assert links
    for facet, value, count, link in links:
        followed = web.get(link).get_data(as_text=True)
        assert _total(followed) == count, (facet, value, link)
        assert len(_result_ids(followed)) == count, (facet, value, link)


@pytest.mark.parametrize("combination", [
    (("violation", "侵犯注册商标专用权"), ("province", "33")),
    (("category", "没收违法所得"), ("year", "last")),
    (("authority", "sz"), ("city", "4403"), ("category", "没收非法财物")),
    (("violation", "假冒专利"), ("city", "3302"), ("year", "this"), ("category", "罚款")),
    (("violation", "侵犯著作权"), ("province", "33")),  # nothing: both hold, never together
])
def test_filters_combine(web, world, combination):
    args = {name: _value(world, name, value) for name, value in combination}
    wanted = {m.id for m in world if all(_matches(m, n, v) for n, v in args.items())}
    html = _get(web, **args)
    assert _result_ids(html) == wanted
    assert _total(html) == len(wanted)
    if not wanted:
        assert "没有找到符合条件的公示信息" in html
    for name in args:  # each filter on its own finds more
        assert len([m for m in world if _matches(m, name, args[name])]) > len(wanted)


@pytest.mark.parametrize(("name", "bad", "label"), [
    ("violation", "偷税", "违法行为类型"), ("category", "罚金", "处罚类别"),
    ("authority", "杭州", "处罚机关"), ("authority", "-3", "处罚机关"),
    ("province", "99", "省份"), ("province", "浙江", "省份"), ("city", "33011", "城市"),
    ("city", "hz", "城市"), ("year", "1800", "决定年份"), ("year", "去年", "决定年份"),
])
def test_an_invalid_filter_value_is_ignored_with_a_note(web, world, name, bad, label):
    other = "violation" if name != "violation" else "province"
    kept = {"violation": "假冒专利", "province": "44"}[other]
    response = web.get("/search", query_string={"q": QUERY, name: bad, other: kept})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'class="notice"[^>]*>已忽略无效的筛选条件：{label}。<', html)
    assert _result_ids(html) == {m.id for m in world if _matches(m, other, kept)}


def test_withdrawn_decisions_are_never_counted(web, world):
    everything = web.get("/search").get_data(as_text=True)  # no query: every disclosed decision
    assert _total(everything) == len(world)
    for facet, value in (("violation", "侵犯商业秘密"), ("violation", "侵犯植物新品种权"),
                         ("violation", "侵犯专利权"), ("violation", "侵犯地理标志"),
                         ("category", "降低资质等级"), ("category", "限制开展生产经营活动"),
                         ("category", "警告"), ("province", "32"), ("province", "37")):
        assert value not in _counts(everything, facet), value
        assert _total(_get(web, **{facet: value})) == 0, value


def test_a_decision_revoked_later_leaves_the_counts(web, world, search_app):
    with search_app.app_context():
        decision = make_decision(make_subject("计数撤销核对有限公司"),
                                 violation_type="侵犯地理标志",
                                 decided_on=clock.today() - timedelta(days=4))
        db.session.commit()
        get_search().write([decision.id])
        assert _counts(web.get("/search").get_data(as_text=True), "violation")["侵犯地理标志"] == 1
        revoke_decision(decision, kind="行政复议", reason="复议决定撤销", actor=ACTOR,
                        now=clock.now(), today=clock.today())
        db.session.commit()
        db.session.remove()
    poll(lambda: "侵犯地理标志" not in _counts(web.get("/search").get_data(as_text=True),
                                            "violation"))
    assert _total(web.get("/search").get_data(as_text=True)) == len(world)
