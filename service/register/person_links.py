"""The responsible persons (直接责任人员) of a batch of imported decisions, in bulk.

As operations._sync_persons does for one decision: each person is found by the
keyed digest of their ID (the same subject as when they are a party or a legal
representative) or created, with a few queries per batch, and becomes a
DecisionPerson row with the role responsible_person.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from service.core.db import db
from service.register.bulk import chunks, insert_rows
from service.register.identifiers import mask_id_number
from service.register.models import PartyKind, Subject
from service.register.names import name_key
from service.register.operations import responsible_digests

ROLE = "responsible_person"


def responsible_links(rows: list, ids: list[int], *, secret: str, now: datetime) -> list[dict]:
    """DecisionPerson rows for new decisions `ids` made from the valid import `rows`."""
    named = [(decision_id, digest, person)
             for row, decision_id in zip(rows, ids, strict=True)
             for person, digest in zip(row.data.get("responsible_persons") or (),
                                       responsible_digests(row.data, secret), strict=True)]
    if not named:
        return []
    found = _by_digest({digest for _i, digest, _p in named})
    missing = {}
    for _i, digest, person in named:
        if digest not in found and digest not in missing:
            missing[digest] = {
                "kind": PartyKind.PERSON.value, "name": person["name"],
                "name_key": name_key(person["name"]), "uscc": None, "legacy_code": None,
                "id_type": person["id_type"],
                "id_number_masked": mask_id_number(person["id_number"]), "id_digest": digest,
                "legal_representative": None, "region_code": None,
                "created_at": now, "updated_at": now}
    if missing:
        insert_rows(Subject, list(missing.values()))
        found.update(_by_digest(set(missing)))
    return [{"decision_id": decision_id, "subject_id": found[digest], "role": ROLE}
            for decision_id, digest, _p in named]


def _by_digest(digests: set[str]) -> dict[str, int]:
    found = {}
    for chunk in chunks(sorted(digests), 500):
        found.update(db.session.execute(select(Subject.id_digest, Subject.id)
                                        .where(Subject.id_digest.in_(chunk))).all())
    return found
