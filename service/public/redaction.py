"""Mask ID card numbers that an official typed into free text (facts, remarks...).

Stored ID fields are masked already; free text is not under our control, and
a full 居民身份证号码 must never reach a public page or download.
"""

from __future__ import annotations

import re
from datetime import date

from service.register.identifiers import mask_id_number

# 18 characters (17 digits and a digit or X) or the old 15-digit form, not part of a longer code.
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


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


def redact_id_numbers(text: str | None) -> str | None:
    """Replace anything shaped like an ID card number (with a real birth date) by its mask."""
    if not text:
        return text
    return _CANDIDATE.sub(
        lambda m: mask_id_number(m.group(1)) if _has_birth_date(m.group(1)) else m.group(1), text
    )
