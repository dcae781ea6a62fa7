"""USCC and ID-card checks (stdnum's check characters, without its over-strict validate)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.register.identifiers import (
    USCC_ALPHABET,
    check_ric,
    check_uscc,
    complete_ric,
    complete_uscc,
    mask_id_number,
    uscc_check_character,
)


@pytest.mark.parametrize("code", [
    "91110000802100433B",  # an enterprise
    complete_uscc("N2440303MA5FXXX0"[:0] + "N2440303MA5FABCDE"[:17]),  # village collective (N2)
    complete_uscc("Y1110105MA0000001"),  # registration authority Y
    " 9111 0000-8021 00433B ",  # spaces and hyphens are tolerated
])
def test_valid_uscc(code):
    assert check_uscc(code) is None


@pytest.mark.parametrize(("code", "reason"), [
    ("9111000080210043", "bad_length"),
    ("91110000802100433O", "bad_character"),
    ("9111000080210I433B", "bad_character"),
    ("91110000802100433C", "bad_check_character"),
])
def test_invalid_uscc_says_why(code, reason):
    assert check_uscc(code).code == reason


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_any_completed_uscc_is_valid_and_any_other_check_is_not(body):
    code = complete_uscc(body)
    assert check_uscc(code) is None
    wrong = next(ch for ch in USCC_ALPHABET if ch != code[17])
    assert check_uscc(body + wrong).code == "bad_check_character"


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_our_check_character_is_stdnums(body):
    from stdnum.cn import uscc

    assert uscc_check_character(body) == uscc.calc_check_digit(body)


@pytest.mark.parametrize("number", [
    "11010519491231002X",
    complete_ric("44030319900101123"),  # 罗湖区: missing from stdnum's table, still valid
    complete_ric("44030619851231000"),  # 宝安区
])
def test_valid_ric(number):
    assert check_ric(number) is None


@pytest.mark.parametrize(("number", "reason"), [
    ("1101051949123100", "bad_length"),
    ("11010519491231002A", "bad_character"),
    ("110105194902300021", "bad_birth_date"),
    ("110105194912310021", "bad_check_character"),
])
def test_invalid_ric_says_why(number, reason):
    assert check_ric(number).code == reason


def test_mask_hides_the_middle():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert "19491231" not in mask_id_number("11010519491231002X")
