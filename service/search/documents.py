"""What goes into the index: the schema, one document per decision, and which decisions.

The index holds every decision that could be public on some day (published,
not revoked, not repaired, disclosable); the day-dependent part of the rule
(published by then, decided by then, not past its last public day) is a filter
over the date columns at query time, so a record expires without anyone acting.
`indexable()` and `disclosed_mask()` together are the twin of
register.queries.disclosed_on: tests/search checks that they agree.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import joinedload
from whoosh import columns, fields, formats
from whoosh.codec import whoosh3

from service.core.clock import local_date
from service.public.redaction import redact_id_numbers
from service.register.models import Decision
from service.register.schemas import PENALTY_CATEGORIES, VIOLATION_TYPES
from service.search.analysis import (
    bigram_analyzer,
    chinese_bigram_analyzer,
    code_analyzer,
    jieba_analyzer,
)

EPOCH = date(1970, 1, 1)
OTHER_VIOLATION = len(VIOLATION_TYPES)  # code of a type outside the standard list
CATEGORY_BITS = {name: 1 << i for i, name in enumerate(PENALTY_CATEGORIES)}

# Facet and date columns, read as numpy arrays by the engine (int32, big-endian on disk).
COLUMNS = ("did", "violation", "cats", "authority", "region", "year",
           "decided", "published", "ends")


def day_number(day: date | None) -> int:
    return (day - EPOCH).days if day else 0


def _cached_has_column(self, fieldname: str) -> bool:
    """W3PerDocReader.has_column without a stat() per call (a segment's files never change).

    Whoosh asks it for every posting while writing a segment (for field
    lengths we do not store): one stat per posting was a third of the build time.
    """
    cache = self.__dict__.setdefault("_has_column_cache", {})
    if fieldname not in cache:
        cache[fieldname] = _has_column(self, fieldname)
    return cache[fieldname]


_has_column = whoosh3.W3PerDocReader.has_column
whoosh3.W3PerDocReader.has_column = _cached_has_column


def _terms(analyzer) -> fields.FieldType:
    """A field of bare terms: no frequencies, positions or lengths.

    The engine scores by field weight and idf itself, so Whoosh need not store
    what its own scorers would read; it makes the index smaller and the build faster.
    """
    return fields.FieldType(formats.Existence(), analyzer, scorable=False)


def make_schema() -> fields.Schema:
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        stamp=fields.STORED(),  # fingerprint of the document: `search check` finds stale ones
        name=_terms(jieba_analyzer()),
        name_bigrams=_terms(bigram_analyzer()),
        codes=_terms(code_analyzer()),
        authority_text=_terms(jieba_analyzer()),
        body=_terms(jieba_analyzer()),
        body_bigrams=_terms(chinese_bigram_analyzer()),  # names jieba cuts apart in the facts
        persons=_terms(code_analyzer()),  # 法定代表人, 直接责任人员: whole names, as shown
        basis=_terms(jieba_analyzer(search_mode=False)),  # law names and articles, whole
    )
    for name in COLUMNS:
        schema.add(name, fields.COLUMN(columns.NumericColumn("i", default=0)))
    return schema


def indexable() -> ColumnElement[bool]:
    """The day-independent half of disclosed_on: decisions that may be public on some day."""
    return and_(
        Decision.status == "published",
        Decision.revoked_at.is_(None),
        Decision.repaired_on.is_(None),
        Decision.is_disclosable.is_(True),
        Decision.published_at.is_not(None),
        Decision.disclosure_ends_on.is_not(None),
    )


def is_indexable(decision: Decision) -> bool:
    return (decision.status == "published" and decision.revoked_at is None
            and decision.repaired_on is None and bool(decision.is_disclosable)
            and decision.published_at is not None and decision.disclosure_ends_on is not None)


def indexable_query(ids=None):
    """SELECT the indexable decisions (optionally among `ids`) with what documents need."""
    stmt = select(Decision).where(indexable()).options(joinedload(Decision.authority),
                                                       joinedload(Decision.subject))
    if ids is not None:
        stmt = stmt.where(Decision.id.in_(list(ids)))
    return stmt.order_by(Decision.id)


def violation_code(violation_type: str) -> int:
    try:
        return VIOLATION_TYPES.index(violation_type)
    except ValueError:
        return OTHER_VIOLATION


def category_mask(categories) -> int:
    mask = 0
    for name in categories or ():
        mask |= CATEGORY_BITS.get(name, CATEGORY_BITS["其他"])
    return mask


def public_person_names(decision: Decision) -> list[str]:
    """The persons' names the public decision page shows (templates/public/decision.html).

    A natural person's decision shows no legal representative; responsible persons are
    named (their ID numbers only masked, and never indexed). Names pass the same ID
    redaction as on the page, in case an official typed a number into one.
    """
    names = []
    if decision.party_kind != "自然人" and decision.legal_representative:
        names.append(decision.legal_representative)
    names.extend(p.get("name") or "" for p in decision.responsible_persons or ())
    return [redact_id_numbers(n) for n in names if n]


def document(decision: Decision) -> dict:
    """The index document of one decision (only public fields; ID numbers never enter)."""
    authority = decision.authority
    region = (decision.subject.region_code if decision.subject else None) or (
        authority.region_code if authority else None)
    codes = "\n".join(filter(None, (decision.uscc, decision.legacy_code, decision.number,
                                    authority.name if authority else None)))
    # Free text may hold a full ID number typed by an official: only its mask is indexed.
    facts = redact_id_numbers(decision.facts or "")
    rest = (decision.penalty_content, decision.licence_info, decision.remarks)
    body = " ".join(filter(None, (decision.violation_type, facts,
                                  *(redact_id_numbers(text) for text in rest if text))))
    doc = {
        "id": str(decision.id),
        "name": decision.party_name,
        "name_bigrams": decision.party_name,
        "codes": codes,
        "authority_text": " ".join(dict.fromkeys(filter(None, (
            authority.name if authority else None, decision.source_unit, decision.number)))),
        "body": body,
        # The facts only: the names jieba cuts apart are there; the pairs of the formulaic
        # penalty text, the violation type and the remarks cost build time (50k decisions:
        # 64.7 → 59.2 s) and find little that the words of `body` do not.
        "body_bigrams": facts,
        "persons": "\n".join(public_person_names(decision)),
        "basis": decision.legal_basis or "",
        "did": decision.id,
        "violation": violation_code(decision.violation_type),
        "cats": category_mask(decision.penalty_categories),
        "authority": decision.authority_id or 0,
        "region": int(region) if region and region.isdigit() else 0,
        "year": decision.decided_on.year,
        "decided": day_number(decision.decided_on),
        "published": day_number(local_date(decision.published_at)),
        "ends": day_number(decision.disclosure_ends_on),
    }
    doc["stamp"] = stamp(doc)
    return doc


def stamp(doc: dict) -> str:
    """A short fingerprint of a document's indexed values."""
    text = json.dumps([doc[k] for k in sorted(doc) if k != "stamp"], ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=10).hexdigest()
