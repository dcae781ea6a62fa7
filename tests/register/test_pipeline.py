"""The importer's row check in a worker process gives what the in-process check gives."""

from __future__ import annotations

import itertools

import pytest
from flask import current_app

from bench.synth import HEADERS
from service.core.db import db
from service.register import pipeline
from service.register.importer import import_file
from service.register.models import Decision
from service.register.operations import create_decision
from service.register.pipeline import Rejected, Row, RowChecker, checked_chunks
from service.register.schemas import field_for_header, load_decision
from service.rules.policy import current_policy
from tests.register.test_importer import ACTOR, NOW, TODAY, count, rows, state, write


def messy(n: int) -> list[dict]:
    """Synthetic rows with invalid ones and repeats of earlier rows among them."""
    records = rows(n, seed=21)
    for i in range(3, n, 11):
        records[i] = {**records[i], "处罚决定日期": "2030-01-01"}
    for i in range(5, n, 17):
        records[i] = {**records[i], "违法事实": ""}
    for i in range(8, n, 13):
        records.insert(i, dict(records[i - 6]))
    return records


def checker() -> RowChecker:
    fields = frozenset(f for f in map(field_for_header, HEADERS) if f)
    return RowChecker(headers=tuple(HEADERS), fields=fields, default=None, today=TODAY,
                      policy=current_policy(), secret=current_app.config["SECRET_KEY"])


def numbered(records: list[dict]) -> list[tuple[int, list]]:
    return [(i, [r[h] for h in HEADERS]) for i, r in enumerate(records, start=2)]


def test_worker_checks_as_the_importer_does(session):
    source = numbered(messy(90))
    here = list(checked_chunks(checker(), source, 10, pipeline_after=None))
    there = list(checked_chunks(checker(), source, 10, pipeline_after=15))
    assert there == here
    assert [size for size, _rows in here] == [10] * 9 + [len(source) - 90]
    checked = [row for _size, chunk in here for row in chunk]
    assert any(isinstance(r, Rejected) for r in checked)
    assert all(r.columns for r in checked if isinstance(r, Row))


def test_pipelined_import_gives_the_in_process_summary_rejects_and_rows(session, tmp_path):
    records = messy(120)
    path = write(tmp_path / "messy.csv", records)
    expected = _row_by_row(records)
    dry = import_file(path, actor=ACTOR, now=NOW, dry_run=True, pipeline_after=None,
                      batch_size=25, rejects_path=tmp_path / "in_process.csv")
    summary = import_file(path, actor=ACTOR, now=NOW, pipeline_after=30, batch_size=25,
                          rejects_path=tmp_path / "worker.csv")
    assert summary.rejected > 10
    assert (summary.rows, summary.created, summary.rejected, summary.errors) == (
        dry.rows, dry.created, dry.rejected, dry.errors)
    assert (tmp_path / "worker.csv").read_bytes() == (tmp_path / "in_process.csv").read_bytes()
    assert state() == expected
    again = import_file(path, actor=ACTOR, now=NOW, pipeline_after=30, batch_size=25,
                        rejects_path=tmp_path / "again.csv")
    assert (again.created, again.corrected, again.unchanged) == (0, 0, summary.created)
    assert state() == expected


def _row_by_row(records: list[dict]) -> dict:
    """What create_decision stores for the valid, first-seen rows (rolled back after)."""
    nested = db.session.begin_nested()
    seen = set()
    for record in records:
        data, errors = load_decision(record, today=TODAY)
        key = (record["处罚机关统一社会信用代码"], record["行政处罚决定书文号"])
        if errors is None and key not in seen:
            create_decision(data, actor=ACTOR, now=NOW, status="published", today=TODAY)
        seen.add(key)
    db.session.flush()
    expected = state()
    nested.rollback()
    db.session.expunge_all()
    assert count(Decision) == 0
    return expected


def _cannot_start(_checker) -> None:
    raise RuntimeError("no worker here")


def test_a_worker_that_cannot_start_leaves_the_check_in_process(session, monkeypatch):
    source = numbered(messy(40))
    here = list(checked_chunks(checker(), source, 10, pipeline_after=None))
    monkeypatch.setattr(pipeline, "_start_worker", _cannot_start)
    assert list(checked_chunks(checker(), source, 10, pipeline_after=5)) == here


def test_a_reading_error_comes_after_the_rows_read_before_it(session):
    source = numbered(messy(40))

    def broken_file():
        yield from source[:35]
        raise ValueError("unreadable row 37")

    checked = checked_chunks(checker(), broken_file(), 10, pipeline_after=5)
    done = [size for size, _rows in itertools.islice(checked, 3)]
    with pytest.raises(ValueError, match="row 37"):
        next(checked)
    assert done == [10, 10, 10]  # the last 5 rows never make a chunk: the file broke there


def test_a_large_file_starts_its_worker_with_the_first_chunk(tmp_path):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_text("x\n")
    with large.open("wb") as handle:
        handle.truncate(pipeline.PIPELINE_BYTES)  # sparse: the size is what counts
    assert pipeline.rows_checked_here(small) == pipeline.PIPELINE_AFTER
    assert pipeline.rows_checked_here(large) == 0
