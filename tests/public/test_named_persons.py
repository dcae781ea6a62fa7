"""直接责任人员 in public: named on the decision page and in open data, ID numbers only masked."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.lists.models import ListEntry
from service.lists.operations import confirm_listing
from service.register.identifiers import complete_ric, complete_uscc, mask_id_number
from service.register.operations import create_decision
from service.register.schemas import load_decision
from service.search.interface import get_search
from tests.public.helpers import unmasked_id_numbers

LI = complete_ric("44030319900101123")
WANG = complete_ric("11010119851203002")
COMPANY = "北京鑫源责任贸易有限公司"


@pytest.fixture
def serious(session):
    """A published large-fine decision naming two responsible persons, its listing confirmed."""
    today = clock.today()
    data, errors = load_decision({
        "party_name": COMPANY, "party_kind": "法人及非法人组织",
        "uscc": complete_uscc("91110105MA05XY771"), "legal_representative": "张三",
        "number": "京朝市监处罚〔2026〕771号", "violation_type": "侵犯注册商标专用权",
        "facts": "当事人生产侵犯“星牌”注册商标专用权的运动鞋一万双。",
        "legal_basis": "《中华人民共和国商标法》第六十条第二款", "penalty_categories": "罚款",
        "penalty_content": "罚款150万元", "fine_amount": "150",
        "decided_on": (today - timedelta(days=10)).isoformat(),
        "authority_name": "北京市朝阳区市场监督管理局",
        "authority_uscc": complete_uscc("11110105000000771"),
        "responsible_persons": "李四；王五", "responsible_persons_id_types": "身份证",
        "responsible_persons_id_numbers": f"{LI}；{WANG}",
    }, today=today)
    assert errors is None, errors
    actor, now = Actor.system("test"), clock.now()
    decision = create_decision(data, actor=actor, now=now, status="published", today=today)
    entry = db.session.scalar(select(ListEntry).where(ListEntry.subject_id == decision.subject_id))
    confirm_listing(entry, notified_on=today, actor=actor, now=now, today=today)
    db.session.flush()
    return decision


def test_the_decision_page_names_the_persons_with_masked_ids(client, serious):
    html = client.get(f"/decisions/{serious.id}").get_data(as_text=True)
    assert "直接责任人员" in html
    assert f'李四（身份证 <span class="code">{mask_id_number(LI)}</span>）' in html
    assert f'王五（身份证 <span class="code">{mask_id_number(WANG)}</span>）' in html
    assert LI not in html
    assert WANG not in html


def test_open_data_gives_the_persons_masked(client, serious):
    text = client.get("/open-data/decisions.csv").get_data(as_text=True)
    [row] = [r for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
             if r["行政处罚决定书文号"] == serious.number]
    assert row["直接责任人员"] == (f"李四（身份证 {mask_id_number(LI)}）；"
                                   f"王五（身份证 {mask_id_number(WANG)}）")
    body = json.loads(client.get("/open-data/decisions.json").get_data(as_text=True))
    [record] = [r for r in body["records"] if r["number"] == serious.number]
    assert record["responsible_persons"] == [
        {"name": "李四", "id_type": "身份证", "id_number_masked": mask_id_number(LI)},
        {"name": "王五", "id_type": "身份证", "id_number_masked": mask_id_number(WANG)}]


def test_the_persons_listed_with_the_company_are_public_without_their_id_numbers(client,
                                                                                 serious):
    blacklist = client.get("/open-data/blacklist.json").get_data(as_text=True)
    names = {r["subject_name"]: r for r in json.loads(blacklist)["records"]}
    assert {COMPANY, "李四", "王五"} <= set(names)
    assert names["李四"]["id_number_masked"] == mask_id_number(LI)
    assert f"作为{COMPANY}的直接责任人员" in names["李四"]["basis_text"]


def test_no_public_response_holds_a_responsible_persons_id_number(client, serious):
    search = get_search()
    search.write([serious.id])
    persons = [p.subject_id for p in serious.persons]
    urls = ["/", "/blacklist", "/open-data/decisions.csv", "/open-data/decisions.json",
            "/open-data/blacklist.csv", "/open-data/blacklist.json", "/feed.atom",
            f"/decisions/{serious.id}", f"/subjects/{serious.subject_id}",
            f"/subjects/by-code/{serious.uscc}", f"/subjects/by-code/{LI}",
            "/search?q=鑫源责任", "/search?q=李四", "/search?q=星牌运动鞋",
            *(f"/subjects/{sid}" for sid in persons)]
    try:
        assert f"/decisions/{serious.id}" in client.get("/search?q=鑫源责任").get_data(
            as_text=True)
        assert serious.number in client.get("/feed.atom").get_data(as_text=True)
        for url in urls:
            response = client.get(url, follow_redirects=True)
            text = response.get_data(as_text=True)
            assert response.status_code == 200, url
            assert LI not in text, url
            assert WANG not in text, url
            assert unmasked_id_numbers(text) == [], url
    finally:  # the decision is rolled back after the test: take it out of the index
        with search._writer() as writer:
            writer.delete_by_term("id", str(serious.id))
