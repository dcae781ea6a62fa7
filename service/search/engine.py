"""Query evaluation over a Whoosh index with numpy: fast enough for broad Chinese queries.

Whoosh stores the postings and the columns; this module does the matching.
Pure-Python Whoosh scores every posting through a chain of matcher objects,
which takes seconds for a two-word query matching 30,000 documents. Here:

- a term's postings are decoded block by block into one numpy array of
  docnums, cached per (segment, field, term): segments never change, so the
  cache stays valid across index generations (only deletions change, and they
  are a mask);
- a query is evaluated on dense score vectors (one float per document), so a
  broad term costs one vectorised pass instead of one Python call per posting;
- the facet and date columns are read once per segment into numpy arrays;
  "disclosed today" is a comparison of three date columns, facet counts are a
  bincount over the matched documents, and sorting is an argpartition;
- whole answers (order, total, facets) are cached per (generation, query,
  filters, sort, day), so paging through results costs nothing.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from service.search.analysis import (
    bigrams,
    chinese_bigrams,
    code_key,
    is_alphabetic,
    is_chinese,
    name_chars,
    query_words,
)
from service.search.documents import CATEGORY_BITS, COLUMNS
from service.search.postings import (
    POSTINGS,
    SEGMENT_COLUMNS,
    SEGMENT_WORDS,
    alphabetic_terms,
    read_column,
    read_postings,
)

# How much a match in each field counts (times the term's idf).
WORD_FIELDS = (("name", 6.0), ("authority_text", 2.5), ("body", 1.0), ("basis", 0.6))
NAME_SUBSTRING = 40.0  # the name contains the query text: above any word match in a name
# A person the decision names (法定代表人, 直接责任人员), the whole name: below the party's
# own name, above a mention in the facts.
PERSON_NAME = 20.0
# The free text holds every character pair of a Chinese term (a name jieba cut apart):
# worth a word of the body, so an exact name match still ranks far above it.
BODY_SUBSTRING = 1.0
EXACT_CODE = 60.0  # USCC or decision number
FUZZY_FACTOR = 0.5  # a misspelt Latin word counts half
MAX_FUZZY_TERMS = 8  # spellings tried for one misspelt word, per field
MAX_RESULTS = 1000  # results that can be paged through (50 pages of 20)
_EMPTY = np.zeros(0, dtype=np.int32)


@dataclass(frozen=True)
class Clause:
    """One query term: its text, and whether documents must lack it."""

    text: str
    negated: bool = False


@dataclass(frozen=True)
class Filters:
    violation: int | None = None
    category: str | None = None
    authority: int | None = None
    province: int | None = None  # 2 digits
    city: int | None = None  # 4 digits
    year: int | None = None
    # Decision ids left out although indexed: withdrawn from view since the index last
    # applied them (see public.search_views.withdrawn_since_indexed).
    exclude: frozenset[int] = frozenset()


@dataclass
class Answer:
    """Everything a results page needs, by docnum (ids are read through `snapshot.ids`)."""

    ids: list[int]  # decision ids, best first, at most MAX_RESULTS
    total: int
    facets: dict[str, list[tuple[int | str, int]]] = field(default_factory=dict)
    fuzzy: list[str] = field(default_factory=list)  # words matched by spelling correction


class Snapshot:
    """An open searcher with its segments' columns and caches, for one index generation."""

    def __init__(self, searcher, index_dir: Path | None = None) -> None:
        self.searcher = searcher
        self._hot = {}
        self.leaves = []  # (reader, offset, doccount, segid)
        for reader, offset in searcher.reader().leaf_readers():
            segment = reader.segment()
            if segment is None:  # an empty index
                continue
            self.leaves.append((reader, offset, reader.doc_count_all(), segment.segment_id()))
            hot = index_dir / f"hot-{segment.segment_id()}.npz" if index_dir else None
            if hot is not None and hot.exists():
                self._hot[segment.segment_id()] = np.load(hot)
        self.doccount = sum(leaf[2] for leaf in self.leaves)
        self.columns = {name: self._column(name) for name in COLUMNS}
        self.live = np.ones(self.doccount, dtype=bool)
        for reader, offset, _count, _segid in self.leaves:
            if reader.has_deletions():
                deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
                self.live[deleted + offset] = False
        self.live_count = int(self.live.sum())
        self._disclosed: dict[int, np.ndarray] = {}
        self._answers: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def _column(self, name: str) -> np.ndarray:
        parts = []
        for reader, _offset, doccount, segid in self.leaves:
            key = ("col", segid, name, doccount)
            values = SEGMENT_COLUMNS.get(key)
            if values is None:
                values = read_column(reader, name, doccount)
                SEGMENT_COLUMNS.put(key, values)
            parts.append(values)
        return np.concatenate(parts) if parts else _EMPTY

    # --- terms ------------------------------------------------------------------------

    def term_docs(self, fieldname: str, text: str) -> np.ndarray:
        """Global docnums of a term (deleted documents included; `live` masks them)."""
        parts = []
        btext = text.encode("utf-8")
        for reader, offset, _count, segid in self.leaves:
            if (fieldname, btext) not in reader._terms:
                continue
            key = (segid, fieldname, btext)
            docs = POSTINGS.get(key)
            if docs is None:
                hot, name = self._hot.get(segid), f"{fieldname}|{text}"
                if hot is not None and name in hot.files:
                    docs = hot[name]
                else:
                    docs = read_postings(reader, fieldname, btext)
                POSTINGS.put(key, docs)
            parts.append(docs + offset if offset else docs)
        if not parts:
            return _EMPTY
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def doc_frequency(self, fieldname: str, text: str) -> int:
        btext = text.encode("utf-8")
        return sum(reader._terms.doc_frequency(fieldname, btext)
                   for reader, *_ in self.leaves if (fieldname, btext) in reader._terms)

    def idf(self, df: int) -> float:
        return math.log(1.0 + self.doccount / (df + 1.0))

    def fuzzy_terms(self, fieldname: str, word: str) -> list[str]:
        """Terms within one edit (two for words of 6+ letters) of a Latin word, same first letter.

        A swap of two neighbouring letters ("Adidsa") counts as one edit. Candidates
        are the field's words of letters only (cached per segment) of a length within
        reach; the closest and most frequent MAX_FUZZY_TERMS are kept. Whoosh's
        terms_within built a Levenshtein automaton per segment and field: ~3 ms each,
        which the segments of an index kept up to date by the applier multiply.
        """
        maxdist = 1 if len(word) <= 5 else 2
        found: set[str] = set()
        for reader, _offset, _count, segid in self.leaves:
            key = ("words", segid, fieldname, word[0])
            terms = SEGMENT_WORDS.get(key)
            if terms is None:
                terms = alphabetic_terms(reader, fieldname, word[0])
                SEGMENT_WORDS.put(key, terms)
            if len(terms):
                found.update(terms[np.abs(np.char.str_len(terms) - len(word)) <= maxdist]
                             .tolist())
        near = ((edit_distance(word, t), t) for t in found if t != word)
        ranked = sorted((d, -self.doc_frequency(fieldname, t), t) for d, t in near
                        if d <= maxdist)
        return [t for _d, _df, t in ranked[:MAX_FUZZY_TERMS]]

    # --- the disclosure rule and the columns -------------------------------------------

    def disclosed(self, today: int) -> np.ndarray:
        """Live documents public on day number `today` (the query-time half of the rule)."""
        mask = self._disclosed.get(today)
        if mask is None:
            c = self.columns
            mask = (self.live & (c["published"] <= today) & (c["decided"] <= today)
                    & (c["ends"] >= today))
            self._disclosed = {today: mask}
        return mask

    def ids(self, docnums: np.ndarray) -> list[int]:
        return self.columns["did"][docnums].tolist()

    # --- evaluation ---------------------------------------------------------------------

    def answer(self, groups: tuple[tuple[Clause, ...], ...], filters: Filters, sort: str,
               today: int) -> Answer:
        """Documents public on `today` matching every group (any clause of each), filtered."""
        key = (groups, filters, sort, today)
        with self._lock:
            cached = self._answers.get(key)
        if cached is not None:
            return cached
        answer = self._evaluate(groups, filters, sort, today)
        with self._lock:
            self._answers[key] = answer
            while len(self._answers) > 512:
                self._answers.popitem(last=False)
        return answer

    def _evaluate(self, groups, filters: Filters, sort: str, today: int) -> Answer:
        fuzzy: list[str] = []
        scores = None
        mask = self.disclosed(today).copy()
        if filters.exclude:
            mask &= ~np.isin(self.columns["did"], np.fromiter(filters.exclude, dtype=np.int64))
        for group in groups:
            if group[0].negated:
                mask &= self._clause_vector(group[0].text, []) <= 0
                continue
            vector = self._clause_vector(group[0].text, fuzzy)
            for clause in group[1:]:
                vector += self._clause_vector(clause.text, fuzzy)
            scores = vector if scores is None else np.where((scores > 0) & (vector > 0),
                                                           scores + vector, 0)
        if scores is not None:
            mask &= scores > 0
        matched = np.flatnonzero(mask)
        docs = matched[self._filter_mask(matched, filters)]
        facets = self._facets(docs)
        if filters.category is not None:
            # A category link replaces the chosen category (one value per filter), so each
            # is counted among the matches of the other filters: the count its link finds.
            others = matched[self._filter_mask(matched, replace(filters, category=None))]
            facets["category"] = self._category_counts(others)
        order = self._order(docs, scores, sort)
        return Answer(self.ids(order), len(docs), facets, fuzzy)

    def _clause_vector(self, text: str, fuzzy: list[str]) -> np.ndarray:
        """Score of every document for one term: name substring, exact code, words."""
        vector = np.zeros(self.doccount, dtype=np.float32)
        code = code_key(text)
        if len(code) >= 4:  # a whole USCC, decision number or authority name
            vector[self.term_docs("codes", code)] += EXACT_CODE
        if len(code) >= 2:
            vector[self.term_docs("persons", code)] += PERSON_NAME
        name_mask = self._name_substring(text)
        if name_mask is not None:
            vector[name_mask] += NAME_SUBSTRING * min(4, len(name_chars(text))) / 2
        words = query_words(text)
        matched = self._words_vector(words, fuzzy) if words else None
        body = self._body_substring(text)
        if len(body):
            if matched is None:
                matched = np.zeros(self.doccount, dtype=np.float32)
            _raise(matched, body, BODY_SUBSTRING * self.idf(len(body)))
        if matched is not None:
            vector += matched
        return vector

    def _name_substring(self, text: str) -> np.ndarray | None:
        """Documents whose party name holds every bigram of `text` (rarest first)."""
        grams = list(dict.fromkeys(bigrams(text)))
        if not grams or len(name_chars(text)) < 2:
            return None
        ranked = sorted(grams, key=lambda g: self.doc_frequency("name_bigrams", g))
        mask = None
        for gram in ranked:
            hit = np.zeros(self.doccount, dtype=bool)
            hit[self.term_docs("name_bigrams", gram)] = True
            mask = hit if mask is None else mask & hit
            if not mask.any():
                break
        return mask

    def _body_substring(self, text: str) -> np.ndarray:
        """Docnums of the documents whose free text holds every Chinese bigram of `text`.

        For a Chinese term only: jieba cuts an unknown name by its neighbours in the
        facts (当事人张三销售 → 人张, 三), so the words alone would miss it.
        """
        grams = chinese_bigrams(text)
        if not grams or not is_chinese(text):
            return _EMPTY
        ranked = sorted(grams, key=lambda g: self.doc_frequency("body_bigrams", g))
        docs = self.term_docs("body_bigrams", ranked[0])
        for gram in ranked[1:]:
            if not len(docs):
                break
            docs = _intersect(docs, self.term_docs("body_bigrams", gram))
        return docs

    def _words_vector(self, words: list[str], fuzzy: list[str]) -> np.ndarray:
        """All words present (in any field); each scores its best field times its idf."""
        total = None
        for word in words:
            vector = self._word_vector(word)
            if not vector.any() and is_alphabetic(word) and len(word) >= 4:
                vector = self._fuzzy_vector(word, fuzzy)
            total = vector if total is None else np.where((total > 0) & (vector > 0),
                                                          total + vector, 0)
        return total

    def _word_vector(self, word: str, factor: float = 1.0) -> np.ndarray:
        vector = np.zeros(self.doccount, dtype=np.float32)
        for fieldname, weight in WORD_FIELDS:
            docs = self.term_docs(fieldname, word)
            if len(docs):
                score = weight * factor * self.idf(len(docs))
                _raise(vector, docs, score)
        return vector

    def _fuzzy_vector(self, word: str, fuzzy: list[str]) -> np.ndarray:
        vector = np.zeros(self.doccount, dtype=np.float32)
        for fieldname in ("name", "body", "authority_text"):
            for term in self.fuzzy_terms(fieldname, word):
                fuzzy.append(term)
                vector = np.maximum(vector, self._word_vector(term, FUZZY_FACTOR))
        return vector

    def _filter_mask(self, docs: np.ndarray, filters: Filters) -> np.ndarray:
        c = self.columns
        keep = np.ones(len(docs), dtype=bool)
        if filters.violation is not None:
            keep &= c["violation"][docs] == filters.violation
        if filters.category is not None:
            keep &= (c["cats"][docs] & CATEGORY_BITS.get(filters.category, 0)) != 0
        if filters.authority is not None:
            keep &= c["authority"][docs] == filters.authority
        if filters.province is not None:
            keep &= c["region"][docs] // 10000 == filters.province
        if filters.city is not None:
            keep &= c["region"][docs] // 100 == filters.city
        if filters.year is not None:
            keep &= c["year"][docs] == filters.year
        return keep

    def _facets(self, docs: np.ndarray) -> dict[str, list[tuple[int | str, int]]]:
        c = self.columns
        region = c["region"][docs]
        facets = {
            "violation": _counts(c["violation"][docs]),
            "authority": _counts(c["authority"][docs]),
            "province": _counts(region[region > 0] // 10000),
            "city": _counts(region[region > 0] // 100),
            "year": sorted(_counts(c["year"][docs]), reverse=True),
        }
        facets["category"] = self._category_counts(docs)
        return facets

    def _category_counts(self, docs: np.ndarray) -> list[tuple[str, int]]:
        """(category, count) of the categories present, the most frequent first."""
        cats = self.columns["cats"][docs]
        counts = sorted(
            ((name, int(np.count_nonzero(cats & bit))) for name, bit in CATEGORY_BITS.items()),
            key=lambda item: -item[1])
        return [item for item in counts if item[1]]

    def _order(self, docs: np.ndarray, scores, sort: str) -> np.ndarray:
        if not len(docs):
            return docs
        decided = self.columns["decided"][docs].astype(np.int64)
        did = self.columns["did"][docs].astype(np.int64)
        if sort == "relevance" and scores is not None:
            # Scores are sums of a few weights: rounded, so that the date breaks near-ties.
            rounded = np.round(scores[docs], 2)
            order = np.lexsort((-did, -decided, -rounded))[:MAX_RESULTS]
            return docs[order]
        key = decided * (1 << 31) + did  # newest first, then the later entry
        top = min(MAX_RESULTS, len(docs))
        part = np.argpartition(-key, top - 1)[:top] if top < len(docs) else np.arange(len(docs))
        return docs[part[np.argsort(-key[part], kind="stable")]]


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    prev2, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[len(b)]


def _intersect(docs: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The docnums of `docs` also in `other`; both sorted (postings, segment after segment)."""
    if not len(other):
        return _EMPTY
    at = np.minimum(np.searchsorted(other, docs), len(other) - 1)
    return docs[other[at] == docs]


def _raise(vector: np.ndarray, docs: np.ndarray, score: float) -> None:
    """vector[docs] = max(vector[docs], score); docs of one term are unique."""
    vector[docs] = np.maximum(vector[docs], score)


def _counts(values: np.ndarray) -> list[tuple[int, int]]:
    """(value, count) pairs, the most frequent first (bincount: no sort of the matches)."""
    if not len(values):
        return []
    low, high = int(values.min()), int(values.max())
    if high - low < 2_000_000:
        counts = np.bincount(values - low)
        present = np.flatnonzero(counts)
        uniques, counts = present + low, counts[present]
    else:
        uniques, counts = np.unique(values, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return [(int(uniques[i]), int(counts[i])) for i in order]
