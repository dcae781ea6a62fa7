"""Name normalisation: one key for the spellings of one company name."""

from __future__ import annotations

import re
import unicodedata

_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")",
                           "〔": "(", "〕": ")", "﹙": "(", "﹚": ")"})
_SPACE = re.compile(r"[\s\u3000\u00a0·•.,，。、]+")


def name_key(name: str) -> str:
    """Fold full-width to half-width, unify brackets, drop spaces and dots, upper-case Latin.

    "北京某某科技有限公司（分公司）" and "北京某某科技有限公司 (分公司)" share one key.
    """
    text = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    return _SPACE.sub("", text).upper()


# A leading region: 北京市, 广东省, 朝阳区, 昆山县... (at most 6 characters before the mark).
REGION = re.compile(r"^.{1,6}?[省市区县]")


def name_body(key: str) -> str:
    """A name key without its leading regions, at most two (北京市朝阳区星汇 → 星汇): names
    are often given without them, so the lookup finds 星汇… by this part (`subjects.name_body`)."""
    body = REGION.sub("", REGION.sub("", key, count=1), count=1)
    return body or key


def name_columns(name: str) -> dict[str, str]:
    """A subject's name and the keys it is found by."""
    key = name_key(name)
    return {"name": name, "name_key": key, "name_body": name_body(key)}
