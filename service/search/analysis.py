"""Text analysis for the index: jieba words, character bigrams, exact codes.

Index and query sides share the normalisation (NFKC, lower-case Latin) so a
full-width "ＡＤＩＤＡＳ" finds "adidas". Company names are also indexed as
character bigrams: any two or more consecutive characters of a name find it,
however jieba would have segmented the name. So are the Chinese runs of the
free text: jieba cuts a name it does not know by its neighbours (当事人张三销售
gives 人张 and 三), and the bigrams 张三 of the text still find it.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata

import jieba
from whoosh.analysis import Token, Tokenizer

from service.register.names import name_key

jieba.setLogLevel(logging.WARNING)


def warm_segmenter() -> None:
    """Load jieba's dictionary now (it loads on the first cut otherwise)."""
    jieba.initialize()


# Characters that carry no meaning for search: punctuation, quotes, brackets, spaces.
_NOISE = re.compile(
    r"[\s\u3000\u00a0`~!@#$%^&*()_+=\[\]{}|\\:;\"'<>,.?/"
    r"，。、；：？！…—“”‘’（）【】〔〕《》〈〉「」『』·-]+")
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


def is_alphabetic(word: str) -> bool:
    """Latin letters only: a word that may be misspelt (codes with digits are not)."""
    return word.isascii() and word.isalpha()


def chinese_bigrams(text: str) -> list[str]:
    """Overlapping pairs of Chinese characters inside each run (nothing across punctuation)."""
    grams = (run[i:i + 2] for run in _CHINESE.findall(normalise(text))
             for i in range(len(run) - 1))
    return list(dict.fromkeys(grams))


def is_chinese(text: str) -> bool:
    """Only Chinese characters, once punctuation and spaces are dropped."""
    return bool(_CHINESE.fullmatch(name_chars(text)))


def query_words(text: str) -> list[str]:
    """The words of a query term: jieba's precise cut of each run, normalised."""
    return list(dict.fromkeys(w for w, _a, _b in words_with_offsets(text, search_mode=False)))


# Runs of Chinese characters, and runs of Latin letters and digits.
_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# An article, paragraph or item of a law (处罚依据): 第五十七条, 第（三）项, 57条, 第101条.
_ARTICLE = re.compile(r"第?\(?([0-9]{1,4}|[零〇一二两三四五六七八九十百千]{1,8})\)?([条款项])")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}


@functools.lru_cache(maxsize=200_000)
def _cut_run(run: str, search_mode: bool) -> tuple[tuple[str, int, int], ...]:
    """jieba's cut of one run of Chinese text (cached: penalty texts repeat their phrases)."""
    mode = "search" if search_mode else "default"
    return tuple((w, a, b) for w, a, b in jieba.tokenize(run, mode=mode)
                 if w not in STOPWORDS)


def chinese_number(numeral: str) -> int:
    """五十七 → 57, 一百零一 → 101, 十 → 10 (the numerals that number articles of a law)."""
    total, digit = 0, None
    for char in numeral:
        if char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            digit = _DIGITS[char]
    return total + (digit or 0)


def chinese_numeral(value: int) -> str:
    """57 → 五十七, 10 → 十, 101 → 一百零一, 110 → 一百一十 (the inverse of chinese_number)."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    if value < 20:
        return "十" + (digits[value - 10] if value > 10 else "")
    out, gap = "", False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // place % 10
        if digit:
            out += ("零" if gap and out else "") + digits[digit] + unit
            gap = False
        elif out:
            gap = True
    return out


def article_word(number: str, unit: str) -> str:
    """One spelling of an article reference: 第五十七条, 第57条 and 五十七条 → 第57条."""
    value = int(number) if number.isascii() else chinese_number(number)
    return f"第{value}{unit}"


def words_with_offsets(text: str, search_mode: bool = True):
    """(word, start, end) over a text: jieba words in Chinese runs, Latin/digit runs whole.

    Article references become one word in one spelling (article_word): jieba
    cuts 第七十二条 one way in a legal basis and another way in a query, and
    people type 第57条 for 第五十七条. Cutting run by run (between punctuation
    and digits) instead of the whole text lets the cache answer for the phrases
    that templated texts repeat, which makes indexing several times faster.
    """
    text = normalise(text)
    pos = 0
    if "条" in text or "款" in text or "项" in text:
        for match in _ARTICLE.finditer(text):
            yield from _words(text, pos, match.start(), search_mode)
            yield article_word(*match.groups()), match.start(), match.end()
            pos = match.end()
    yield from _words(text, pos, len(text), search_mode)


def _words(text: str, start: int, end: int, search_mode: bool):
    for match in _RUNS.finditer(text, start, end):
        run, offset = match.group(), match.start()
        if run[0].isascii():
            yield run, offset, match.end()
            continue
        for word, a, b in _cut_run(run, search_mode):
            yield word, offset + a, offset + b


class JiebaTokenizer(Tokenizer):
    """jieba search-mode cut: whole words and the shorter words inside them."""

    def __init__(self, search_mode: bool = True) -> None:
        self.search_mode = search_mode

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for word, start, end in words_with_offsets(value, self.search_mode):
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


class ChineseBigramTokenizer(Tokenizer):
    """Every pair of consecutive Chinese characters of a text (free text: facts, penalty...)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for i, gram in enumerate(chinese_bigrams(value)):
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


def jieba_analyzer(search_mode: bool = True):
    return JiebaTokenizer(search_mode)


def bigram_analyzer():
    return BigramTokenizer()


def chinese_bigram_analyzer():
    return ChineseBigramTokenizer()


def code_analyzer():
    return CodeTokenizer()
