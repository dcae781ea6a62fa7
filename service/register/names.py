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
