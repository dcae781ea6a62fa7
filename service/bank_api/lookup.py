"""Find a subject by name for banks that lack the code: exact, suffix variant, then similar.

Names are compared by `register.names.name_key` (full/half-width, brackets,
spaces, Latin case) and then by their *core*: the name without the legal-form
suffix (有限公司, 有限责任公司, 股份有限公司, (集团)...). Candidates come from
indexed queries on `subjects.name_key` (an equality list and a prefix range),
then on `subjects.name_body` (the name without its leading regions: 星汇箱包 finds
北京市星汇箱包有限公司); only when those find nothing alike, a substring scan of
the name without its leading region runs. Similarity is the Dice coefficient of
character bigrams, computed in Python: the same on SQLite and PostgreSQL.

Prefix ranges compare code points, which matches the `C`/`C.UTF-8` collation
the service's PostgreSQL databases use and SQLite's BINARY collation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, func, select

from service.bank_api.prepared import Prepared, current_connection
from service.lists.queries import SubjectStatus, subject_statuses
from service.register.models import PartyKind, Subject
from service.register.names import REGION, name_body, name_key

LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "公司")
GROUP_MARKS = ("(集团)", "集团")
PREFIX_CHARS = 4
MAX_CANDIDATES = 150  # per candidate query
MIN_SCORE = 0.35
_TOP = "\U0010ffff"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    subject_id: int
    uscc: str | None
    name: str
    score: float
    match: str  # exact / suffix_variant / similar
    reason: str
    standing: SubjectStatus


def core_of(key: str) -> str:
    """The normalised name without its legal-form suffix and group mark."""
    for form in LEGAL_FORMS:  # longest first: the first that fits is the suffix
        if key.endswith(form):
            key = key[: -len(form)] or key
            break
    for mark in GROUP_MARKS:
        if key.endswith(mark) and len(key) > len(mark):
            return key[: -len(mark)]
    return key


def suffix_variants(core: str) -> list[str]:
    """Every spelling of `core` with a common legal-form suffix (有限公司 ↔ 有限责任公司...)."""
    return [core + group + form for group in ("", *GROUP_MARKS) for form in ("", *LEGAL_FORMS)]


def similarity(a: str, b: str) -> float:
    """Dice coefficient of character bigrams (Chinese names are short: bigrams beat trigrams)."""
    if a == b:
        return 1.0
    grams_a = {a[i:i + 2] for i in range(len(a) - 1)} or {a}
    grams_b = {b[i:i + 2] for i in range(len(b) - 1)} or {b}
    return 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))


def _candidates(*where) -> Prepared:
    return Prepared(select(Subject.id, Subject.uscc, Subject.name, Subject.name_key)
                    .where(Subject.kind != PartyKind.PERSON, *where).limit(MAX_CANDIDATES))


_VARIANT_NAMES = tuple(f"v{i}" for i in range(len(suffix_variants(""))))
_BY_VARIANT = _candidates(Subject.name_key.in_([bindparam(n, value="") for n in _VARIANT_NAMES]))
_BY_PREFIX = _candidates(Subject.name_key >= bindparam("low", value=""),
                         Subject.name_key < bindparam("high", value=""))
_BY_BODY = _candidates(Subject.name_body >= bindparam("low", value=""),
                       Subject.name_body < bindparam("high", value=""))
_BY_PART = _candidates(Subject.name_key.like(bindparam("pattern", value=""), escape="/"))


@dataclass(frozen=True)
class _Row:
    id: int
    uscc: str | None
    name: str
    name_key: str


# The leading regions of names on file (name_key minus name_body) and how many names have each.
_REGIONS_OF_NAME = func.substr(Subject.name_key, 1, func.length(Subject.name_key)
                               - func.length(Subject.name_body))
_REGION_COUNTS = Prepared(
    select(_REGIONS_OF_NAME, func.count())
    .where(Subject.kind != PartyKind.PERSON, Subject.name_body != Subject.name_key)
    .group_by(_REGIONS_OF_NAME))
REGION_PREFIX_TTL = 600.0  # seconds a worker keeps the list of region prefixes
_region_cache: dict[str, tuple[float, tuple[str, ...]]] = {}


def region_prefixes(connection) -> tuple[str, ...]:
    """The region prefixes (北京市, 南京市玄武区...) that at least 3 names on file start with.

    Counted once per worker (one GROUP BY over the names), so that a region written
    without its mark is recognised (`_body`). After `REGION_PREFIX_TTL` the list is
    read again in a background thread while lookups go on with the one they have.
    """
    url = str(connection.engine.url)
    cached = _region_cache.get(url)
    if cached is None and (reading := _refreshing.get(url)) is not None:
        reading.join()  # the worker's warm-up is reading them: wait, rather than scan twice
        cached = _region_cache.get(url)
    if cached is None:
        return _read_region_prefixes(connection, url)
    if time.monotonic() - cached[0] >= REGION_PREFIX_TTL:
        _refresh_in_background(connection.engine, url)
    return cached[1]


def _read_region_prefixes(connection, url: str) -> tuple[str, ...]:
    counts = Counter()
    for regions, names in _REGION_COUNTS.rows(connection):  # 昆明市, or 昆明市五华区
        counts[regions] += names
        if (first := REGION.match(regions)) and first.end() < len(regions):
            counts[first.group()] += names  # 昆明市 of 昆明市五华区
    prefixes = tuple(sorted(p for p, n in counts.most_common(2000) if n >= 3))
    _region_cache[url] = (time.monotonic(), prefixes)
    return prefixes


def warm_region_prefixes(engine) -> threading.Thread | None:
    """Read the region prefixes in the background now (a server worker calls it at start),
    so the first name lookup it answers does not wait for the scan."""
    url = str(engine.url)
    if url in _region_cache:
        return None
    return _refresh_in_background(engine, url)


_refreshing: dict[str, threading.Thread] = {}
_refreshing_lock = threading.Lock()


def _refresh_in_background(engine, url: str) -> threading.Thread | None:
    """Read the prefixes again on a connection of its own (at most one thread per database)."""
    def refresh() -> None:
        try:
            with engine.connect() as connection:
                _read_region_prefixes(connection, url)
        except Exception:  # the old list stays; the next lookup after the TTL tries again
            log.exception("reading the region prefixes again failed")
        finally:
            with _refreshing_lock:
                _refreshing.pop(url, None)

    with _refreshing_lock:
        if url in _refreshing:
            return None
        thread = _refreshing[url] = threading.Thread(target=refresh, daemon=True,
                                                     name="region-prefixes")
    thread.start()
    return thread


def _rows(statement: Prepared, connection, **params) -> list[_Row]:
    return [_Row(*row) for row in statement.rows(connection, **params)]


def _scored(key: str, core: str, rows) -> dict[int, tuple]:
    scored = {}
    for row in rows:
        if row.name_key == key:
            scored[row.id] = (row, 1.0, "exact", "same name after normalisation "
                              "(full/half-width, brackets, spaces)")
        elif core_of(row.name_key) == core:
            scored[row.id] = (row, 0.95, "suffix_variant",
                              "same name with another legal-form suffix (有限公司/有限责任公司…)")
        else:
            score = round(similarity(core, core_of(row.name_key)), 3)
            if score >= MIN_SCORE:
                scored[row.id] = (row, score, "similar",
                                  f"similar name: {score:.0%} of character pairs shared")
    return scored


def _body(connection, core: str) -> str:
    """The name without its leading region: 北京市朝阳区星汇 and 北京星汇 → 星汇.

    A region written without its 省/市/区/县 (南京祥远 for 南京市祥远) is recognised when
    names on file start with it (`region_prefixes`); the longest such region is taken.
    """
    body = name_body(core)
    if body != core:
        return body
    bare = [region[:-1] for region in region_prefixes(connection)
            if len(region) >= 3 and core.startswith(region[:-1])]
    if bare:
        longest = max(bare, key=len)
        if len(core) - len(longest) >= 2:
            return core[len(longest):]
    return core


def lookup_name(name: str, as_of: date, *, limit: int = 10) -> tuple[str, list[Candidate]]:
    """The normalised name and the subjects with something on record that match it, best first."""
    key = name_key(name)
    core = core_of(key)
    connection = current_connection()
    variants = dict(zip(_VARIANT_NAMES, suffix_variants(core), strict=True))
    scored = _scored(key, core, _rows(_BY_VARIANT, connection, **variants))
    exact = [k for k, s in scored.items() if s[2] == "exact"]
    standing = subject_statuses(exact, as_of) if exact else {}
    # An exact name on record needs no more candidates. One with nothing on record must
    # not change the answer, or the answer would tell that such a subject exists.
    if not any(s.status != "nothing_on_record" for s in standing.values()):
        prefix = core[:PREFIX_CHARS]
        more = _scored(key, core, _rows(_BY_PREFIX, connection, low=prefix, high=prefix + _TOP))
        scored.update({k: v for k, v in more.items() if k not in scored})
    if not any(s[1] >= 0.6 for s in scored.values()) and len(body := _body(connection, core)) >= 2:
        # Most often the region is missing or partial ("星汇箱包" for "北京市星汇箱包",
        # "五华区…" for "昆明市五华区…", "南京祥远" for "南京市祥远"): names on file whose
        # part after their regions starts with this name's, then with its first characters.
        for start in dict.fromkeys((body, body[:PREFIX_CHARS])):
            more = _scored(key, core, _rows(_BY_BODY, connection, low=start, high=start + _TOP))
            scored.update({k: v for k, v in more.items() if k not in scored})
            if any(s[1] >= 0.6 for s in scored.values()):
                break
        else:
            escaped = body.replace("/", "//").replace("%", "/%").replace("_", "/_")
            more = _scored(key, core, _rows(_BY_PART, connection, pattern=f"%{escaped}%"))
            scored.update({k: v for k, v in more.items() if k not in scored})
    best = sorted(scored.values(), key=lambda s: (-s[1], s[0].name_key))[: limit * 2]
    standing.update(subject_statuses([s[0].id for s in best if s[0].id not in standing],
                                     as_of))
    found = [Candidate(row.id, row.uscc, row.name, score, match, reason, standing[row.id])
             for row, score, match, reason in best
             if standing[row.id].status != "nothing_on_record"]
    return key, found[:limit]
