"""Bulk writes for the importer: a batch's subjects, in a few queries.

Inserts without RETURNING throughout (service.core.bulk.insert_rows): SQLite
cannot order RETURNING rows, so SQLAlchemy would insert one row at a time; rows
are found again by their natural keys instead (one query per batch).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Row, func, select

from service.core.amounts import exact_text
from service.core.bulk import chunks, insert_rows
from service.core.db import db, one_of
from service.register.identifiers import mask_id_number
from service.register.models import Decision, PartyKind, Subject
from service.register.names import name_columns, name_key
from service.register.operations import responsible_digests, subject_values


def plain(value):
    """audit.operations.jsonable for the flat values of a snapshot (the hot path of an import)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return exact_text(value)
    return list(value) if isinstance(value, tuple) else value


# What a batch needs of each subject it finds.
_FOUND = (Subject.id, Subject.kind, Subject.uscc, Subject.legacy_code, Subject.name_key,
          Subject.id_digest, Subject.name, Subject.legal_representative)


class Subjects:
    """Find or create a batch's parties and the persons its decisions name, in a few queries.

    The same matching as operations.find_or_create_subject: organisations by
    USCC, else older code and kind, else name key and kind; natural persons
    (parties, named representatives, responsible persons) by the keyed digest of
    their ID.
    """

    def __init__(self, now: datetime, secret: str) -> None:
        self.now, self.secret = now, secret
        self.representatives: dict[int, int] = {}  # row index → person subject id
        self.responsible: list[tuple[int, int]] = []  # (row index, person subject id)

    @staticmethod
    def party_key(data: dict, digest: str | None) -> tuple:
        if data["party_kind"] == PartyKind.PERSON:
            return ("d", digest)
        if data.get("uscc"):
            return ("u", data["uscc"])
        if data.get("legacy_code"):
            return ("l", data["legacy_code"], data["party_kind"])
        return ("n", name_key(data["party_name"]), data["party_kind"])

    def resolve(self, rows: list) -> list[int]:
        parties = [self.party_key(r.data, r.columns["id_digest"]) for r in rows]
        reps = {i: ("d", r.columns["id_digest"]) for i, r in enumerate(rows)
                if r.data["party_kind"] != PartyKind.PERSON and r.columns["id_digest"]
                and r.data.get("legal_representative")}
        named = [(i, ("d", digest), person) for i, r in enumerate(rows)
                 for person, digest in zip(r.data.get("responsible_persons") or (),
                                           responsible_digests(r.data, self.secret),
                                           strict=True)]
        found = self.find(set(parties) | set(reps.values()) | {key for _i, key, _p in named})
        self.create_missing(rows, parties, reps, named, found)
        self.refresh(rows, parties, found)
        self.representatives = {i: found[key].id for i, key in reps.items()}
        self.responsible = [(i, found[key].id) for i, key, _p in named]
        return [found[key].id for key in parties]

    def find(self, keys: set[tuple]) -> dict[tuple, Row]:
        """The stored subjects with these keys, as rows (building ORM objects for every
        subject of every batch cost more than the queries)."""
        by_kind: dict[str, set] = {"d": set(), "u": set(), "l": set(), "n": set()}
        for key in keys:
            by_kind[key[0]].add(key[1])
        found: dict[tuple, Subject] = {}
        columns = (("d", Subject.id_digest), ("u", Subject.uscc), ("l", Subject.legacy_code),
                   ("n", Subject.name_key))
        for kind, column in columns:
            for chunk in chunks(sorted(by_kind[kind]), 500):
                query = select(*_FOUND).where(one_of(column, chunk)).order_by(Subject.id)
                for subject in db.session.execute(query):
                    key = self.subject_key(kind, subject)
                    if key in keys:
                        found.setdefault(key, subject)
        return found

    @staticmethod
    def subject_key(kind: str, subject: Row) -> tuple:
        if kind == "d":
            return ("d", subject.id_digest)
        if kind == "u":
            return ("u", subject.uscc)
        if kind == "l":
            return ("l", subject.legacy_code, subject.kind)
        return ("n", subject.name_key, subject.kind)

    def create_missing(self, rows, parties, reps, named, found) -> None:
        latest: dict[tuple, int] = {}
        for i, key in enumerate(parties):
            if key not in found and (key not in latest or rows[i].data["decided_on"]
                                     >= rows[latest[key]].data["decided_on"]):
                latest[key] = i
        values = {}
        for key, i in latest.items():
            data = rows[i].data
            values[key] = subject_values(data, rows[i].columns["id_digest"]
                                         if data["party_kind"] == PartyKind.PERSON else None)
            if values[key]["legal_representative"] is None and key[0] != "d":
                values[key]["legal_representative"] = next(
                    (rows[j].data.get("legal_representative") for j, k in enumerate(parties)
                     if k == key and rows[j].data.get("legal_representative")), None)
        persons = [(key, rows[i].data["legal_representative"], rows[i].data["id_type"],
                    rows[i].data["id_number"]) for i, key in reps.items()]
        persons += [(key, p["name"], p["id_type"], p["id_number"]) for _i, key, p in named]
        for key, name, id_type, id_number in persons:
            if key not in found and key not in values:
                values[key] = {"uscc": None, "legacy_code": None, "legal_representative": None,
                               "region_code": None, "kind": PartyKind.PERSON.value,
                               **name_columns(name), "id_type": id_type,
                               "id_number_masked": mask_id_number(id_number),
                               "id_digest": key[1]}
        if not values:
            return
        # Insert without RETURNING (see _Importer.create) and find the new rows by their keys.
        insert_rows(Subject, [{**v, "created_at": self.now, "updated_at": self.now}
                          for v in values.values()])
        found.update(self.find(set(values)))

    def refresh(self, rows, parties, found) -> None:
        """Keep the name and representative of each subject's newest decision."""
        newest: dict[int, int] = {}
        for i, key in enumerate(parties):
            sid = found[key].id
            if sid not in newest or rows[i].data["decided_on"] >= rows[newest[sid]].data[
                    "decided_on"]:
                newest[sid] = i
        stored = dict(db.session.execute(
            select(Decision.subject_id, func.max(Decision.decided_on))
            .where(one_of(Decision.subject_id, sorted(newest)))
            .group_by(Decision.subject_id)).all())
        subjects = {s.id: s for s in found.values()}
        renamed = {}
        for sid, i in newest.items():
            data = rows[i].data
            if sid in stored and data["decided_on"] < stored[sid]:
                continue
            subject = subjects[sid]
            rep = None if data["party_kind"] == PartyKind.PERSON else data.get(
                "legal_representative")
            if subject.name != data["party_name"] or (rep and subject.legal_representative != rep):
                renamed[sid] = (data["party_name"], rep)
        if not renamed:
            return
        for subject in db.session.scalars(select(Subject).where(
                one_of(Subject.id, sorted(renamed)))):
            name, rep = renamed[subject.id]
            subject.rename(name)
            subject.legal_representative = rep or subject.legal_representative
            subject.updated_at = self.now
