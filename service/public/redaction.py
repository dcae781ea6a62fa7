"""Mask ID card numbers that an official typed into free text (facts, remarks...).

Stored ID fields are masked already; free text is not under our control, and
a full 居民身份证号码 must never reach a public page or download.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import ric

from service.register.identifiers import mask_id_number

# 18 characters (17 digits and a digit or X) or the old 15-digit form, not inside a longer
# number. Typed as people copy them: in groups split by a space or a hyphen
# (4403 0319 9001 0112 37, 440303-19900101-1237), or stuck to a word (身份证号ID440303…).
_CANDIDATE = re.compile(
    r"(?<![0-9])(\d(?:[ \-]?\d){16}[ \-]?[\dXx]|\d(?:[ \-]?\d){14})(?![0-9])")
_SEPARATORS = re.compile(r"[ \-]")


def _has_birth_date(number: str) -> bool:
    if len(number) == 18:
        year, month, day = number[6:10], number[10:12], number[12:14]
    else:
        year, month, day = "19" + number[6:8], number[8:10], number[10:12]
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        return False
    return 1900 <= born.year <= 2100


def _looks_like_id(number: str) -> bool:
    """A real birth date, or (a mistyped date) the check character of an 18-digit ID."""
    return _has_birth_date(number) or (
        len(number) == 18 and ric.calc_check_digit(number[:17]) == number[17])


def _masked(match: re.Match) -> str:
    number = _SEPARATORS.sub("", match.group(1)).upper()
    return mask_id_number(number) if _looks_like_id(number) else match.group(1)


def redact_id_numbers(text: str | None) -> str | None:
    """Replace anything shaped like an ID card number (with a real birth date or a valid
    check character) by its mask."""
    if not text:
        return text
    return _CANDIDATE.sub(_masked, text)
