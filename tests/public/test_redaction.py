"""ID card numbers typed into free text are masked however they were written."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from service.core.db import db
from service.public.redaction import redact_id_numbers
from service.register.identifiers import complete_ric

NUMBER = complete_ric("44030319900101123")
MASK = NUMBER[:6] + "********" + NUMBER[-4:]
BAD_DATE = "44030319901301123" + ric.calc_check_digit("44030319901301123")  # month 13


@pytest.mark.parametrize("written", [
    NUMBER,
    f"{NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:12]} {NUMBER[12:16]} {NUMBER[16:]}",
    f"{NUMBER[:6]}-{NUMBER[6:14]}-{NUMBER[14:]}",
    f"{NUMBER[:6]} {NUMBER[6:14]} {NUMBER[14:]}",
])
def test_an_id_number_in_groups_is_masked(written):
    assert redact_id_numbers(f"当事人（身份证号：{written}）") == f"当事人（身份证号：{MASK}）"


def test_an_id_number_stuck_to_a_word_or_in_lower_case_is_masked():
    assert redact_id_numbers(f"ID{NUMBER}号") == f"ID{MASK}号"
    lower = complete_ric("11010519491231002")
    assert lower.endswith("X")
    assert redact_id_numbers(lower.lower()) == lower[:6] + "********" + lower[-4:]


def test_a_mistyped_birth_date_with_a_valid_check_character_is_masked():
    assert redact_id_numbers(BAD_DATE) == BAD_DATE[:6] + "********" + BAD_DATE[-4:]


@pytest.mark.parametrize("text", [
    "罚款100000元，2024-01-01作出", "京版罚字〔2024〕2号", "电话 010-12345678 或 13812345678",
    "银行账号 6222021234567890123", "202401010001 20240102",
    "4403031990130112345",  # 19 digits: not an ID number
])
def test_other_numbers_are_left_alone(text):
    assert redact_id_numbers(text) == text


def test_a_spaced_id_number_in_the_facts_is_masked_on_the_decision_page(client, world):
    d = world.disclosed
    spaced = f"{NUMBER[:4]} {NUMBER[4:8]} {NUMBER[8:12]} {NUMBER[12:16]} {NUMBER[16:]}"
    d.facts = f"经查，当事人法定代表人（身份证号 {spaced}）销售侵权商品。"
    db.session.flush()
    html = client.get(f"/decisions/{d.id}").get_data(as_text=True)
    assert spaced not in html
    assert f"身份证号 {MASK}）" in html
