"""Bulk writes for the importer: a batch's subjects and plain executemany INSERTs.

Core executemany without RETURNING throughout: SQLite cannot order RETURNING
rows, so SQLAlchemy would insert one row at a time; rows are found again by
their natural keys instead (one query per batch).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from sqlalchemy import func, select

from service.audit.operations import STANDING_LATER
from service.core.amounts import exact_text
from service.core.db import db
from service.register.identifiers import mask_id_number
from service.register.models import Decision, PartyKind, Subject
from service.register.names import name_columns, name_key
from service.register.operations import responsible_digests, subject_values
from service.search.applier import note_outbox_written


def plain(value):
    """audit.operations.jsonable for the flat values of a snapshot (the hot path of an import)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return exact_text(value)
    return list(value) if isinstance(value, tuple) else value


def insert_rows(model, params: list[dict]) -> None:
    """Many rows in one go, with no per-row ORM or Core bookkeeping.

    PostgreSQL: COPY; SQLite: the driver's executemany. Each value is bound as a
    Core INSERT binds it (same types, same defaults), but without compiling the
    parameters of every row. Tables whose inserts other parts watch through the
    session (the search outbox, the data changes) and single rows go through
    session.execute, where those hooks see them; inside standing_noted_later()
    (the importer's batches: it notes the bank changes feed itself) the watched
    tables are written past the session too, and the search applier told here.
    """
    if not params:
        return
    table = model.__table__
    watched = table.name in _WATCHED
    if len(params) == 1 or (watched and not db.session.info.get(STANDING_LATER)) \
            or not _bound_rows(table, params):
        db.session.execute(table.insert(), params)
    elif table.name == "search_outbox":
        note_outbox_written()


# Inserts noticed by session hooks (search.applier, bank monitoring).
_WATCHED = frozenset({"search_outbox", "data_changes"})


def _bound_rows(table, params: list[dict]) -> bool:
    """Write the rows straight through the driver; False (nothing written) if Core must."""
    connection = db.session.connection()
    dialect = connection.dialect
    given = list(params[0])
    # Columns the rows leave out take their Python-side default, as an INSERT would.
    defaulted = [(c, c.default) for c in table.c
                 if c.name not in params[0] and c.default is not None and not c.primary_key]
    if dialect.name not in ("postgresql", "sqlite") or any(
            not (d.is_scalar or d.is_callable) for _c, d in defaulted):
        return False
    columns = [table.c[name] for name in given] + [c for c, _d in defaulted]
    processors = [_remembered(c.type.dialect_impl(dialect).bind_processor(dialect))
                  for c in columns]

    def values(row: dict) -> list:
        raw = [row[name] for name in given]
        raw += [d.arg if d.is_scalar else d.arg(None) for _c, d in defaulted]
        # None too: a JSON column binds it as JSON null, as the INSERT does.
        return [v if p is None else p(v) for v, p in zip(raw, processors, strict=True)]

    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c.name) for c in columns)
    target = f"{dialect.identifier_preparer.format_table(table)} ({names})"
    driver = connection.connection.driver_connection
    if dialect.name == "postgresql":  # one COPY instead of 1,000 executions
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in params:
                copy.write_row(values(row))
    else:
        marks = ", ".join("?" * len(columns))
        driver.executemany(f"INSERT INTO {target} VALUES ({marks})", map(values, params))
    return True


_REMEMBERED = frozenset({date, datetime})


def _remembered(processor):
    """The processor, computing each scalar value once per call of insert_rows.

    A batch binds the same timestamp (the import's `now`), the same dates and many
    JSON nulls thousands of times. Only None, dates and timestamps are remembered:
    equal Decimals (1.0, 1.00) or True and 1 must not share a bound value.
    """
    if processor is None:
        return None
    done: dict = {}

    def process(value):
        if value is not None and value.__class__ not in _REMEMBERED:
            return processor(value)
        try:
            return done[value]
        except KeyError:
            done[value] = bound = processor(value)
            return bound

    return process


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

    def find(self, keys: set[tuple]) -> dict[tuple, Subject]:
        by_kind: dict[str, set] = {"d": set(), "u": set(), "l": set(), "n": set()}
        for key in keys:
            by_kind[key[0]].add(key[1])
        found: dict[tuple, Subject] = {}
        columns = (("d", Subject.id_digest), ("u", Subject.uscc), ("l", Subject.legacy_code),
                   ("n", Subject.name_key))
        for kind, column in columns:
            for chunk in chunks(sorted(by_kind[kind]), 500):
                query = select(Subject).where(column.in_(chunk)).order_by(Subject.id)
                for subject in db.session.scalars(
                        query.execution_options(populate_existing=True)):
                    key = self.subject_key(kind, subject)
                    if key in keys:
                        found.setdefault(key, subject)
        return found

    @staticmethod
    def subject_key(kind: str, subject: Subject) -> tuple:
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
            .where(Decision.subject_id.in_(sorted(newest))).group_by(Decision.subject_id)).all())
        subjects = {s.id: s for s in found.values()}
        for sid, i in newest.items():
            data = rows[i].data
            if sid in stored and data["decided_on"] < stored[sid]:
                continue
            subject = subjects[sid]
            rep = None if data["party_kind"] == PartyKind.PERSON else data.get(
                "legal_representative")
            if subject.name != data["party_name"] or (rep and subject.legal_representative != rep):
                subject.rename(data["party_name"])
                subject.legal_representative = rep or subject.legal_representative
                subject.updated_at = self.now


def chunks(items: list, size: int) -> Iterable[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
