"""Name lookup: exact after normalisation, suffix variants, similar names; only on-record."""

from datetime import date

import pytest
from sqlalchemy import select

from service.bank_api.lookup import core_of, similarity, suffix_variants
from service.bank_api.models import BankQuery
from tests.factories import make_decision, make_entry, make_person, make_subject


@pytest.fixture
def companies(session):
    star = make_subject("北京市星汇箱包有限公司")
    make_decision(star, decided_on=date(2026, 6, 1))
    group = make_subject("上海耀君（集团）股份有限公司")
    make_entry(group, starts_on=date(2026, 2, 1))
    clean = make_subject("北京市星汇箱包制品有限公司")  # nothing on record: never returned
    person = make_person("星汇箱包")  # a natural person: never returned by a name lookup
    make_decision(person, decided_on=date(2026, 6, 1))
    session.commit()
    return star, group, clean


def _lookup(api, name, **params):
    response = api.get("/api/v1/lookup", query_string={"name": name, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_exact_name_after_normalisation(api, companies):
    star = companies[0]
    body = _lookup(api, " 北京市星汇箱包 有限公司 ")
    assert body["exact"] is True
    assert body["normalised"] == "北京市星汇箱包有限公司"
    top = body["candidates"][0]
    assert (top["uscc"], top["score"], top["match"]) == (star.uscc, 1.0, "exact")
    assert top["status"] == "disclosed_penalties"
    assert star.uscc not in [c["uscc"] for c in body["candidates"][1:]]


def test_full_width_brackets_and_suffix_variants_match(api, companies):
    group = companies[1]
    for spelling in ("上海耀君(集团)股份有限公司", "上海耀君集团有限公司", "上海耀君有限责任公司"):
        body = _lookup(api, spelling)
        top = body["candidates"][0]
        assert top["uscc"] == group.uscc, spelling
        assert top["status"] == "blacklisted"
    assert _lookup(api, "上海耀君(集团)股份有限公司")["candidates"][0]["match"] == "exact"
    variant = _lookup(api, "上海耀君有限责任公司")["candidates"][0]
    assert variant["match"] == "suffix_variant"
    assert "有限公司" in variant["reason"]


def test_similar_names_are_ranked_with_a_reason(api, companies):
    star = companies[0]
    body = _lookup(api, "星汇箱包公司")  # no region, another suffix
    assert body["exact"] is False
    top = body["candidates"][0]
    assert top["uscc"] == star.uscc
    assert top["match"] == "similar"
    assert 0.35 <= top["score"] < 1
    assert "similar name" in top["reason"]


def test_subjects_with_nothing_on_record_and_persons_are_never_returned(api, companies):
    clean = companies[2]
    body = _lookup(api, "北京市星汇箱包制品有限公司")
    assert clean.uscc not in [c["uscc"] for c in body["candidates"]]
    assert all(c["uscc"] for c in body["candidates"])  # no natural person (they have no code)
    assert body["exact"] is False


def test_lookup_as_of_and_log(api, companies, session):
    body = _lookup(api, "北京市星汇箱包有限公司", as_of="2026-05-01")
    assert body["candidates"] == []  # the decision was not yet taken
    row = session.scalars(select(BankQuery).where(BankQuery.kind == "lookup")).one()
    assert (row.query, row.status, row.as_of) == ("北京市星汇箱包有限公司", "no_match",
                                                   date(2026, 5, 1))
    _lookup(api, "北京市星汇箱包有限公司")
    row = session.scalars(select(BankQuery).where(BankQuery.kind == "lookup")
                          .order_by(BankQuery.id.desc())).first()
    assert (row.status, row.subject_id) == ("exact", companies[0].id)


@pytest.mark.parametrize("params", [{}, {"name": "星"}, {"name": "星汇", "limit": 0},
                                    {"name": "星汇", "limit": "many"}])
def test_bad_lookup_is_400(api, params):
    response = api.get("/api/v1/lookup", query_string=params)
    assert response.status_code == 400
    assert response.get_json()["code"] == "invalid_request"


def test_name_helpers():
    assert core_of("北京星辰(集团)有限公司") == "北京星辰"
    assert core_of("有限公司") == "有限公司"
    assert "北京星辰有限责任公司" in suffix_variants("北京星辰")
    assert similarity("北京星辰", "北京星辰") == 1.0
    assert similarity("北京星辰", "上海耀君") == 0.0
    assert 0 < similarity("北京星辰贸易", "星辰贸易") < 1


def _region_on_file(session, region: str, name: str):
    """Three names that make `region` a region prefix, and a penalised `name`."""
    from service.bank_api import lookup

    for n in range(3):
        make_subject(f"{region}宏图{n}有限公司")
    target = make_subject(name)
    make_decision(target, decided_on=date(2026, 6, 1))
    session.commit()
    lookup._region_cache.clear()
    return target


@pytest.fixture
def beijing(session):
    return _region_on_file(session, "北京市", "北京市星汇箱包有限公司")


def test_a_name_without_its_region_is_found_by_the_rest_of_the_name(api, session, beijing):
    from service.bank_api import lookup

    target = beijing
    body = _lookup(api, "星汇箱包有限责任公司")
    assert body["candidates"][0]["uscc"] == target.uscc
    assert target.name_body == "星汇箱包有限公司"
    assert "北京市" in lookup.region_prefixes(session.connection())


def test_a_region_with_many_similar_names_still_finds_the_one_asked_for(api, session):
    """Street shops share long starts (晋江市青阳街道…手机配件店): more than a candidate
    query's limit of them must not hide the one named."""
    from service.bank_api import lookup

    for n in range(lookup.MAX_CANDIDATES + 10):
        make_subject(f"晋江市青阳街道{n:03d}手机配件店", kind="个体工商户")
    target = make_subject("晋江市青阳街道金豪手机配件店", kind="个体工商户")
    make_decision(target, decided_on=date(2026, 6, 1))
    session.commit()
    lookup._region_cache.clear()
    body = _lookup(api, "青阳街道金豪手机配件店")
    assert [c["uscc"] for c in body["candidates"]][:1] == [target.uscc], body


def test_an_exact_name_with_nothing_on_record_does_not_change_the_answer(api, companies):
    """Whether a clean company of that exact name exists must not show in the answer."""
    star = companies[0]
    with_clean_namesake = _lookup(api, "北京市星汇箱包制品有限公司")  # exists, nothing on record
    without_namesake = _lookup(api, "北京市星汇箱包用品有限公司")  # no such company
    for body in (with_clean_namesake, without_namesake):
        assert [c["uscc"] for c in body["candidates"]] == [star.uscc]
        assert body["exact"] is False


def test_a_name_without_its_region_is_found_every_time(api, session, beijing):
    """psycopg prepares a statement after 5 runs (PostgreSQL may then use a generic plan):
    the answer stays the same."""
    target = beijing
    for _ in range(7):
        assert _lookup(api, "星汇箱包有限责任公司")["candidates"][0]["uscc"] == target.uscc


def test_region_prefixes_are_read_again_in_the_background(backend, tmp_path):
    """After the TTL a lookup goes on with the list it has; a thread reads the new one."""
    import time

    from service.bank_api import lookup
    from service.core.db import db
    from tests.conftest import fresh_database, make_test_app

    with fresh_database(backend, tmp_path) as url:
        app = make_test_app(url, tmp_path)
        with app.app_context():
            for n in range(3):
                make_subject(f"杭州市西湖区宏图{n}有限公司")
            db.session.commit()
            connection = db.session.connection()
            key = str(connection.engine.url)
            stale = time.monotonic() - lookup.REGION_PREFIX_TTL - 1
            lookup._region_cache[key] = (stale, ("旧的市",))
            assert lookup.region_prefixes(connection) == ("旧的市",)  # no waiting for a scan
            thread = lookup._refreshing.get(key)
            if thread is not None:
                thread.join(10)
            assert lookup.region_prefixes(connection) == ("杭州市", "杭州市西湖区")
            db.session.rollback()
        lookup._region_cache.pop(key, None)
        app.extensions["db_engine"].dispose()


def test_a_server_worker_reads_the_region_prefixes_at_start(backend, tmp_path):
    """wsgi.py warms the list in the background, so no lookup waits for the scan."""
    from service.bank_api import lookup
    from service.core.db import db
    from tests.conftest import fresh_database, make_test_app

    with fresh_database(backend, tmp_path) as url:
        app = make_test_app(url, tmp_path)
        engine = app.extensions["db_engine"]
        with app.app_context():
            for n in range(3):
                make_subject(f"成都市锦江区远航{n}有限公司")
            db.session.commit()
        key = str(engine.url)
        lookup._region_cache.pop(key, None)
        try:
            thread = lookup.warm_region_prefixes(engine)
            assert thread is not None
            thread.join(10)
            assert lookup._region_cache[key][1] == ("成都市", "成都市锦江区")
            assert lookup.warm_region_prefixes(engine) is None  # read once, not again
        finally:
            lookup._region_cache.pop(key, None)
            engine.dispose()


@pytest.fixture
def nanjing(session):
    return _region_on_file(session, "南京市", "南京市祥远包装制品有限公司")


@pytest.mark.parametrize("name", ["南京祥远包装制品有限公司", "南京祥远包装制品",
                                  "祥远包装制品有限公司"])
def test_a_region_written_without_its_mark_still_finds_the_company(api, nanjing, name):
    """南京祥远… for 南京市祥远…: banks often drop the 市 (a helper found 67 of 75 missed)."""
    body = _lookup(api, name)
    assert [c["uscc"] for c in body["candidates"]][:1] == [nanjing.uscc], body
    assert body["candidates"][0]["match"] == "similar"


def test_a_name_merely_starting_like_a_region_is_not_cut(session, nanjing):
    from service.bank_api.lookup import _body

    connection = session.connection()
    assert _body(connection, "南京祥远包装制品") == "祥远包装制品"
    assert _body(connection, "南京市祥远包装制品") == "祥远包装制品"
    assert _body(connection, "南京") == "南京"  # nothing left after the region: keep it
    assert _body(connection, "上海祥远") == "上海祥远"  # no 上海市 on file
