"""register.bulk.insert_rows: rows it writes through the driver (COPY on PostgreSQL, executemany
on SQLite) are stored exactly as rows INSERTed one by one through Core: every column, read back
as text, is the same."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import String, cast, select

from service.audit.models import AuditEvent
from service.core.bulk import insert_rows, reserve_ids, update_rows
from service.core.db import db
from service.register.models import Decision, DecisionRevision
from tests.factories import make_decision

AT = datetime(2026, 11, 2, 3, 4, 5, 678901, tzinfo=UTC)


def stored(table, after: int, upto: int | None, skip=("id",)) -> list[tuple]:
    """Rows with ids in (after, upto], each column as the database's text of it (NULL: None)."""
    columns = [c for c in table.c if c.name not in skip]
    query = select(*(cast(c, String) for c in columns)).where(table.c.id > after)
    if upto is not None:
        query = query.where(table.c.id <= upto)
    return [tuple(row) for row in db.session.execute(query.order_by(table.c.id))]


def last_id(table) -> int:
    return db.session.scalar(select(table.c.id).order_by(table.c.id.desc()).limit(1)) or 0


def inserted_both_ways(model, rows: list[dict], skip=("id",)) -> tuple[list, list]:
    """(rows written by insert_rows in one call, the same rows written by one INSERT each).

    Split by id, not by position: other test processes may take ids in between.
    """
    table = model.__table__
    start = last_id(table)
    insert_rows(model, rows[:len(rows) // 2])
    middle = last_id(table)
    for row in rows[len(rows) // 2:]:
        db.session.execute(table.insert(), [row])  # one parameter set: never COPY
    db.session.flush()
    return stored(table, start, middle, skip), stored(table, middle, None, skip)


def test_json_null_sql_null_and_timestamps_are_stored_alike(session):
    decision = make_decision()
    rows = [{"decision_id": decision.id, "seq": 10 + i, "action": "corrected", "actor": "t",
             "at": AT, "reason": reason, "before": before, "after": {"金额": "1.50", "n": [1, 2]}}
            for i, (reason, before) in enumerate([(None, None), ("改正", {"a": None})] * 2)]
    copied, inserted = inserted_both_ways(DecisionRevision, rows, skip=("id", "seq"))
    assert copied == inserted
    _decision, _action, _actor, at, reason, before, after = copied[0]
    assert (reason, before) == (None, "null")  # text None: SQL NULL; JSON None: JSON null
    assert at.startswith("2026-11-02 03:04:05.678901")
    assert "1.50" in after


def test_audit_events_with_left_out_columns_take_the_same_defaults(session):
    rows = [{"actor": "import:x.csv", "action": "decision.create", "object_type": "decision",
             "object_id": i, "details": {"row": 1}} for i in range(4)]  # no `at`: utcnow
    copied, inserted = inserted_both_ways(AuditEvent, rows, skip=("id", "at", "object_id"))
    assert copied == inserted
    assert db.session.scalar(select(AuditEvent.at).order_by(AuditEvent.id.desc())
                             .limit(1)) is not None


def test_decisions_keep_every_column_type(session):
    decision = make_decision(fine="12.3456", confiscated_amount="0.5")
    table = Decision.__table__
    template = dict(db.session.execute(select(table).where(table.c.id == decision.id))
                    .mappings().one())
    del template["id"]
    template.update(created_at=AT, updated_at=AT, published_at=AT,
                    responsible_persons=[{"name": "张三", "id_type": "身份证",
                                          "id_number_masked": "1101**********1234"}])
    rows = []
    for i in range(4):
        row = dict(template, number=f"{template['number']}-{i}")
        if i % 2:
            row["responsible_persons"] = None  # none_as_null: SQL NULL
        rows.append(row)
    copied, inserted = inserted_both_ways(Decision, rows, skip=("id", "number"))
    assert copied == inserted
    assert len(copied) == 2


def test_update_rows_stores_what_one_update_per_row_stores(session):
    decisions = [make_decision(fine=f"{i}.00") for i in range(4)]
    table = Decision.__table__
    new = [{"id": d.id, "severity": "serious", "disclosure_ends_on": date(2031, 1, i + 1),
            "is_disclosable": bool(i % 2)} for i, d in enumerate(decisions)]
    update_rows(Decision, new[:3])  # several rows: COPY + UPDATE ... FROM on PostgreSQL
    update_rows(Decision, new[3:])  # one row: a plain UPDATE
    stored_rows = db.session.execute(
        select(table.c.id, table.c.severity, table.c.disclosure_ends_on, table.c.is_disclosable,
               table.c.fine_amount).where(table.c.id.in_([d.id for d in decisions]))
        .order_by(table.c.id)).all()
    assert [(r.severity, r.disclosure_ends_on, r.is_disclosable) for r in stored_rows] == [
        ("serious", date(2031, 1, i + 1), bool(i % 2)) for i in range(4)]
    assert [r.fine_amount for r in stored_rows] == [Decimal(i) for i in range(4)]  # untouched
    update_rows(Decision, new[:2])  # again in the same transaction: the staging table is gone
    db.session.flush()


def test_reserved_ids_are_new_and_the_rows_keep_them(session):
    decision = make_decision()
    ids = reserve_ids(Decision, 3)
    if not db.is_postgresql:
        assert ids is None  # SQLite's callers find their rows by natural key
        return
    assert ids == sorted(set(ids))
    assert len(ids) == 3
    assert min(ids) > decision.id
    table = Decision.__table__
    template = dict(db.session.execute(select(table).where(table.c.id == decision.id))
                    .mappings().one())
    insert_rows(Decision, [dict(template, id=i, number=f"{template['number']}-{i}")
                           for i in ids])
    assert db.session.scalars(select(table.c.id).where(table.c.id.in_(ids))
                              .order_by(table.c.id)).all() == ids
    assert make_decision().id > max(ids)  # the sequence moved past them
