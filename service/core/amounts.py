"""Exact amounts as text."""

from __future__ import annotations

from decimal import Decimal


def exact_text(amount: Decimal) -> str:
    """An exact amount without trailing zeros: 5.000000 (as a NUMERIC column gives it back)
    and 5 read the same (150.000000 -> "150")."""
    text = format(amount, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
