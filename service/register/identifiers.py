"""Identifiers: 统一社会信用代码 (USCC) and 居民身份证号码, checked and masked.

python-stdnum computes the check characters. Its `validate()` functions are
too strict for real data (see DOMAIN.md): `uscc.validate` demands 8 leading
digits although registration authorities N, A, Y... exist, and `ric.validate`
rejects birth places missing from its bundled table (440303 罗湖区...). So we
check length, alphabet, date and check character ourselves, with stdnum's
`calc_check_digit`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
# GB 32100-2015's check: the weighted sum of the first 17 characters' values, weight 3^i mod 31.
# stdnum's calc_check_digit computes the same after cleaning its input again, which costs
# more than the sum (a batch check does it 1,000 times); a test holds the two equal.
_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_BODY = re.compile(f"^[{USCC_ALPHABET}]{{17}}$")
_RIC = re.compile(r"^\d{17}[\dX]$")

ID_TYPES = (
    "身份证",
    "护照号",
    "港澳居民来往内地通行证",
    "台湾居民来往大陆通行证",
    "外国人永久居留身份证",
)


# The shape of the other ID types' numbers (no check character to compute).
OTHER_ID_PATTERNS = {
    "护照号": (re.compile(r"^[A-Z0-9]{5,17}$"), "5 to 17 letters or digits"),
    "港澳居民来往内地通行证": (re.compile(r"^[HM]\d{8}(\d{2})?$"), "H or M and 8 or 10 digits"),
    "台湾居民来往大陆通行证": (re.compile(r"^\d{8}(\d{2})?$"), "8 or 10 digits"),
    "外国人永久居留身份证": (re.compile(r"^([A-Z]{3}\d{12}|9\d{16}[\dX])$"),
                             "3 letters and 12 digits, or 18 characters starting with 9"),
}


@dataclass(frozen=True)
class CodeError:
    """Why a code is invalid: a stable machine code and a sentence."""

    code: str  # bad_length / bad_character / bad_check_character / bad_birth_date
    message: str


def clean_code(value: str) -> str:
    """Strip spaces and hyphens, fold full-width characters, upper-case."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value)).upper()


def check_uscc(value: str) -> CodeError | None:
    """Return why `value` is not a valid USCC (GB 32100-2015), or None if it is."""
    code = clean_code(value)
    if len(code) != 18:
        return CodeError("bad_length", f"a USCC has 18 characters, this one has {len(code)}")
    bad = [ch for ch in code[:17] if ch not in USCC_ALPHABET]
    if bad or code[17] not in USCC_ALPHABET:
        shown = bad[0] if bad else code[17]
        position = code.index(shown) + 1
        return CodeError(
            "bad_character",
            f"character {shown!r} at position {position} is not allowed "
            "(digits and capital letters except I, O, Z, S, V)",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return CodeError(
            "bad_check_character",
            f"check character is {code[17]!r}, expected {expected!r} (校验码错误)",
        )
    return None


def uscc_check_character(body: str) -> str:
    """The check character of a 17-character USCC body (all in USCC_ALPHABET)."""
    values = _USCC_VALUES
    total = sum(values[ch] * weight for ch, weight in zip(body, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[-total % 31]


def is_valid_uscc(value: str) -> bool:
    return check_uscc(value) is None


def uscc_region(code: str) -> str:
    """The 6-digit administrative division code, positions 3-8."""
    return code[2:8]


def check_ric(value: str) -> CodeError | None:
    """Return why `value` is not a valid 居民身份证号码, or None if it is.

    The birth-place code is not looked up: real district codes are missing
    from stdnum's table.
    """
    number = clean_code(value)
    if len(number) != 18:
        return CodeError("bad_length",
                         f"an ID card number has 18 characters, this one has {len(number)}")
    if not _RIC.match(number):
        return CodeError("bad_character", "an ID card number is 17 digits and a digit or X")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return CodeError("bad_birth_date", f"birth date {number[6:14]} is not a real date")
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        return CodeError(
            "bad_check_character",
            f"check digit is {number[17]!r}, expected {expected!r} (校验码错误)",
        )
    return None


def ric_birth_date(number: str) -> date:
    number = clean_code(number)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask_id_number(value: str) -> str:
    """Hide the middle of an ID number: 110101********123X. Never shown in full."""
    number = clean_code(value)
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    if len(number) <= 4:
        return "*" * len(number)
    keep = max(1, len(number) // 4)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def id_digest(id_type: str, value: str, key: str) -> str:
    """A keyed digest that finds the same person again without storing the number."""
    message = f"{id_type}|{clean_code(value)}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def complete_uscc(body: str) -> str:
    """Append the check character to a 17-character USCC body."""
    return body + uscc.calc_check_digit(body)


def complete_ric(body: str) -> str:
    """Append the check digit to a 17-digit ID card body."""
    return body + ric.calc_check_digit(body + "0")


def id_problem(id_type: str, number: str) -> tuple[str, str] | None:
    """Why an ID (证件类型 + cleaned 证件号码) is invalid, as (field, reason), or None.

    The field is "id_type" or "id_number"; the reason is English with the Chinese term.
    """
    if id_type == "身份证":
        problem = check_ric(number)
        return ("id_number", f"invalid 居民身份证号码: {problem.message}") if problem else None
    if id_type in OTHER_ID_PATTERNS:
        pattern, shape = OTHER_ID_PATTERNS[id_type]
        return None if pattern.match(number) else ("id_number", f"a {id_type} number is {shape}")
    if id_type.startswith("其他"):
        return None if 4 <= len(number) <= 40 else ("id_number", "must have 4 to 40 characters")
    return ("id_type", f"{id_type!r} is not an ID type (证件类型): "
                       f"{'、'.join(ID_TYPES)} or 其他-<name>")
