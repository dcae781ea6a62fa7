"""Paste a decision document: the new-decision form comes back pre-filled, then is saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from service.core.db import db
from service.register.models import Decision
from tests.console.helpers import logged_in, post_form
from tests.console_extra.formparse import read_form
from tests.factories import make_authority, make_decision

FIXTURES = Path(__file__).parent / "fixtures"


def _paste(client, name: str):
    document = (FIXTURES / name).read_text(encoding="utf-8")
    return post_form(client, "/console/decisions/prefill", {"document": document},
                     token_from="/console/decisions/new")


def test_new_form_offers_the_paste_box(client, clerk):
    page = logged_in(client, clerk).get("/console/decisions/new").get_data(as_text=True)
    assert "粘贴决定书全文" in page
    assert 'action="/console/decisions/prefill"' in page


def test_pasted_document_prefills_then_the_official_saves(client, clerk, authority):
    logged_in(client, clerk)
    response = _paste(client, "trademark_samr.txt")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "已从决定书中识别" in html
    assert "不一致" not in html  # the signing authority is the clerk's own
    form = read_form(html, "/console/decisions/new")
    assert form["number"] == ["津北辰市监处罚〔2025〕184号"]
    assert form["uscc"] == ["91120113MA05K7Q8XJ"]
    assert form["decided_on"] == ["2025-03-04"]
    assert form["fine_amount"] == ["5"]
    assert form["penalty_categories"] == ["罚款", "没收非法财物"]
    assert form["violation_type"] == ["侵犯注册商标专用权"]
    assert form["legal_basis"] == ["《中华人民共和国商标法》第六十条第二款"]
    assert form["facts"][0].startswith("当事人自2024年9月起")
    assert form["confiscated_amount"] == [""]  # not stated in the document: left empty
    assert db.session.scalar(select(Decision)) is None  # nothing saved by reading
    posted = {k: v if len(v) > 1 else v[0] for k, v in form.items()} | {"action": "save"}
    # The register wants the value of the confiscated goods, which the document does not state.
    refused = client.post("/console/decisions/new", data=posted)
    assert refused.status_code == 400
    assert "没收金额（万元）" in refused.get_data(as_text=True)
    saved = client.post("/console/decisions/new", data=posted | {"confiscated_amount": "1.8"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    decision = db.session.scalar(select(Decision))
    assert decision.number == "津北辰市监处罚〔2025〕184号"
    assert decision.fine_amount == Decimal("5")
    assert decision.decided_on == date(2025, 3, 4)
    assert decision.status == "draft"
    assert decision.authority_id == authority.id


def test_a_document_of_another_authority_is_flagged(client, clerk):
    logged_in(client, clerk)
    html = _paste(client, "copyright_bureau.txt").get_data(as_text=True)
    assert "决定书落款机关为“北京市版权局”" in html
    form = read_form(html, "/console/decisions/new")
    assert form["authority_id"] == [str(clerk.authority_id)]  # never switched silently


def test_admin_gets_the_authority_by_name_or_by_number_prefix(client, admin):
    copyright = make_authority("北京市版权局", department="版权")
    customs = make_authority("深圳海关", department="海关")
    make_decision(authority=customs, number="深关知罚字〔2024〕0099号")
    db.session.commit()
    logged_in(client, admin)
    by_name = read_form(_paste(client, "copyright_bureau.txt").get_data(as_text=True),
                        "/console/decisions/new")
    assert by_name["authority_id"] == [str(copyright.id)]
    # 中华人民共和国深圳海关 is not the stored name; the number's prefix finds it.
    by_prefix = read_form(_paste(client, "customs.txt").get_data(as_text=True),
                          "/console/decisions/new")
    assert by_prefix["authority_id"] == [str(customs.id)]


def test_natural_person_id_is_prefilled_for_checking(client, clerk):
    logged_in(client, clerk)
    form = read_form(_paste(client, "natural_person.txt").get_data(as_text=True),
                     "/console/decisions/new")
    assert form["party_kind"] == ["自然人"]
    assert form["id_type"] == ["身份证"]
    assert form["id_number"] == ["110101198503071235"]
    assert form["uscc"] == [""]


def test_empty_paste_is_refused(client, clerk):
    logged_in(client, clerk)
    response = post_form(client, "/console/decisions/prefill", {"document": "  "},
                         token_from="/console/decisions/new", follow_redirects=True)
    assert "请粘贴决定书全文" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["reviewer"])
def test_only_those_who_enter_decisions_can_prefill(client, authority, role):
    from tests.console.helpers import make_user

    logged_in(client, make_user(authority, role))
    assert _paste(client, "trademark_samr.txt").status_code == 403


def test_a_one_line_paste_prefills_the_form(client, clerk):
    logged_in(client, clerk)
    response = _paste(client, "counterfeit_one_line.txt")
    assert response.status_code == 200
    form = read_form(response.get_data(as_text=True), "/console/decisions/new")
    assert form["number"] == ["杭余市监罚处〔2025〕326号"]
    assert form["party_name"] == ["杭州瑞丰日用品有限公司"]
    assert form["legal_representative"] == ["沈国强"]
    assert form["party_address"] == ["浙江省杭州市余杭区仓前街道文一西路1500号2幢1105室"]
    assert form["fine_amount"] == ["8.6"]
    assert form["confiscated_amount"] == ["1.235"]
    assert form["decided_on"] == ["2025-09-16"]


def test_pasted_responsible_persons_prefill_the_form_and_save(client, clerk):
    logged_in(client, clerk)
    html = _paste(client, "responsible_persons.txt").get_data(as_text=True)
    form = read_form(html, "/console/decisions/new")
    assert form["responsible_persons"] == ["李四；王五"]
    assert form["responsible_persons_id_types"] == ["身份证"]
    assert form["responsible_persons_id_numbers"] == ["440303199001011237；110101198512030021"]
    posted = {k: v if len(v) > 1 else v[0] for k, v in form.items()} | {"action": "save"}
    saved = client.post("/console/decisions/new", data=posted)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    decision = db.session.scalar(select(Decision))
    assert sorted(p.subject.name for p in decision.persons if p.role == "responsible_person") \
        == ["李四", "王五"]
