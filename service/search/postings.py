"""Whoosh postings and columns as numpy arrays, with the caches that keep them.

Segments never change once written, so what is decoded from one is cached by
its segment id and stays valid across index generations.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn


class _ByteLRU:
    """A thread-safe LRU of numpy arrays bounded by their total size in bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes, self.size = max_bytes, 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value: np.ndarray) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.size += value.nbytes
            while self.size > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self.size -= old.nbytes


POSTINGS = _ByteLRU(256 * 1024 * 1024)
TERM_FIELDS = ("name", "name_bigrams", "codes", "authority_text", "body", "body_bigrams",
               "persons", "basis")
HOT_FRACTION = 0.005  # terms in at least 0.5% of a big segment's documents are "hot"
HOT_MIN_DOCS = 20_000  # segments smaller than this decode fast enough
HOT_MIN_TERM_DOCS = 1000
SEGMENT_COLUMNS = _ByteLRU(256 * 1024 * 1024)
SEGMENT_WORDS = _ByteLRU(32 * 1024 * 1024)


def read_postings(reader, fieldname: str, btext: bytes) -> np.ndarray:
    """All docnums of a term in one segment (deleted ones included), as int32."""
    matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
    if not isinstance(matcher, W3LeafMatcher):
        return np.fromiter(matcher.all_ids(), dtype=np.int32)
    parts = []
    while True:  # ids are delta-coded per block: a cumulative sum decodes them
        if matcher._data is None:
            matcher._read_data()
        parts.append(np.cumsum(np.asarray(matcher._data[0], dtype=np.int64)))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    return np.concatenate(parts).astype(np.int32)


def save_hot_postings(index_dir: Path, searcher) -> int:
    """Write the decoded postings of the big segments' broad terms beside the index.

    Decoding a term that half the documents contain costs thousands of block
    unpicklings; the first query with "有限公司" would pay it in every worker.
    A `hot-<segment>.npz` file holds those arrays ready to load (segments never
    change, so the file stays valid until the segment is merged away).
    """
    written, live = 0, set()
    for reader, _offset in searcher.reader().leaf_readers():
        doccount = reader.doc_count_all()
        if reader.segment() is None:  # an empty index
            continue
        segid = reader.segment().segment_id()
        live.add(f"hot-{segid}.npz")
        if doccount < HOT_MIN_DOCS or (index_dir / f"hot-{segid}.npz").exists():
            continue
        threshold = max(HOT_MIN_TERM_DOCS, int(doccount * HOT_FRACTION))
        arrays = {}
        for fieldname in TERM_FIELDS:
            for btext, info in reader.iter_field(fieldname):
                if info.doc_frequency() >= threshold:
                    key = f"{fieldname}|{btext.decode('utf-8')}"
                    arrays[key] = read_postings(reader, fieldname, btext)
        tmp = index_dir / f".hot-{segid}.npz"
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)
        tmp.rename(index_dir / f"hot-{segid}.npz")
        written += len(arrays)
    for path in index_dir.glob("hot-*.npz"):
        if path.name not in live:
            path.unlink(missing_ok=True)
    return written


def alphabetic_terms(reader, fieldname: str, letter: str) -> np.ndarray:
    """The terms of one segment's field made of Latin letters only, starting with `letter`.

    The spelling correction's vocabulary. Codes (licence numbers jy0123..., patent
    numbers zl2018...) are most of a field's Latin terms and grow with the register;
    each run of them sharing a prefix is skipped with one seek, not read term by term.
    """
    found, start = [], letter
    while start is not None:
        seek, start = start, None
        for name, btext in reader.terms_from(fieldname, seek):
            text = btext.decode("utf-8")
            if name != fieldname or not text.startswith(letter):
                break
            cut = next((i for i, ch in enumerate(text) if not ("a" <= ch <= "z")), None)
            if cut is None:
                found.append(text)
            else:  # skip every term sharing text[:cut + 1]
                start = text[:cut] + chr(ord(text[cut]) + 1)
                break
    return np.array(found, dtype=str)


def read_column(reader, name: str, doccount: int) -> np.ndarray:
    column = reader.column_reader(name, translate=False)
    out = np.zeros(doccount, dtype=np.int32)
    if isinstance(column, NumericColumn.Reader):
        raw = column._dbfile.get(column._basepos, column._count * column._fixedlen)
        values = np.frombuffer(raw, dtype=">i4")
        out[:len(values)] = values
    elif doccount:
        out[:] = np.fromiter((column[i] for i in range(doccount)), dtype=np.int32)
    return out
