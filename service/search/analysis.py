"""Text analysis for the index: jieba words, company-name bigrams, exact codes.

Index and query sides share the normalisation (NFKC, lower-case Latin) so a
full-width "ＡＤＩＤＡＳ" finds "adidas". Company names are also indexed as
character bigrams: any two or more consecutive characters of a name find it,
however jieba would have segmented the name.
"""

from __future__ import annotations

import logging
import re
import unicodedata

import jieba
from whoosh.analysis import Token, Tokenizer

from service.register.names import name_key

jieba.setLogLevel(logging.WARNING)

# Characters that carry no meaning for search: punctuation, quotes, brackets, spaces.
_NOISE = re.compile(
    r"[\s\u3000\u00a0`~!@#$%^&*()_+=\[\]{}|\\:;\"'<>,.?/"
    r"，。、；：？！…—“”‘’（）【】〔〕《》〈〉「」『』·-]+")
_LATIN_WORD = re.compile(r"^[a-z][a-z0-9]*$")
# jieba function words that would match almost every document.
STOPWORDS = frozenset("的了和与及或在其等对为是将被于由以之")


def normalise(text: str) -> str:
    """NFKC (full-width → half-width) and lower-case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def code_key(code: str) -> str:
    """One spelling of a USCC or decision number: no spaces, unified brackets, upper-case."""
    return name_key(code or "")


def name_chars(name: str) -> str:
    """A name reduced to the characters that count for substring search."""
    return _NOISE.sub("", normalise(name))


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs; a single character stands for itself."""
    chars = name_chars(text)
    if len(chars) < 2:
        return [chars] if chars else []
    return [chars[i:i + 2] for i in range(len(chars) - 1)]


def is_latin_word(word: str) -> bool:
    return bool(_LATIN_WORD.match(word))


def query_words(text: str) -> list[str]:
    """The words of a query term: jieba's precise cut, normalised, without noise."""
    words = []
    for word in jieba.cut(normalise(text)):
        word = _NOISE.sub("", word)
        if word and word not in STOPWORDS:
            words.append(word)
    return words


class JiebaTokenizer(Tokenizer):
    """jieba search-mode cut: whole words and the shorter words inside them."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        seen = set()
        for word, start, end in jieba.tokenize(normalise(value), mode="search"):
            word = _NOISE.sub("", word)
            if not word or word in STOPWORDS or (word, start) in seen:
                continue
            seen.add((word, start))
            token.text, token.boost, token.stopped = word, 1.0, False
            if positions:
                token.pos = start_pos + start
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class BigramTokenizer(Tokenizer):
    """Every pair of consecutive characters of a name (punctuation and spaces dropped)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, gram in enumerate(dict.fromkeys(bigrams(value))):
            token.text, token.boost, token.stopped = gram, 1.0, False
            if positions:
                token.pos = start_pos + i
            yield token


class CodeTokenizer(Tokenizer):
    """Codes separated by newlines, each normalised by code_key (exact match only)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, code in enumerate(filter(None, (code_key(c) for c in value.split("\n")))):
            token.text, token.boost, token.stopped = code, 1.0, False
            if positions:
                token.pos = start_pos + i
            yield token


def jieba_analyzer():
    return JiebaTokenizer()


def bigram_analyzer():
    return BigramTokenizer()


def code_analyzer():
    return CodeTokenizer()
