"""Bulk import: published rows with their history, rejects with reasons, idempotent re-runs."""

from __future__ import annotations

import csv
import tracemalloc
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bench.synth import HEADERS, iter_rows, write_csv, write_xlsx
from service.audit.models import AuditEvent, DataChange
from service.core.actors import Actor
from service.core.db import db
from service.lists.models import ListEntry, PendingEvaluation
from service.lists.operations import evaluate_all
from service.register.identifiers import complete_uscc
from service.register.importer import import_file
from service.register.models import (
    Authority,
    Decision,
    DecisionPerson,
    DecisionRevision,
    Subject,
)
from service.register.operations import create_decision
from service.register.schemas import load_decision
from service.register.tabular import FileFormatError
from service.search.models import SearchOutbox

NOW = datetime(2026, 11, 2, 3, tzinfo=UTC)
TODAY = date(2026, 11, 2)
ACTOR = Actor("import", None, "test.csv")


def rows(n: int, seed: int = 11) -> list[dict]:
    return list(iter_rows(n, seed))


def write(path, records: list[dict], encoding: str = "utf-8", headers=HEADERS):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(headers))
        writer.writeheader()
        writer.writerows(records)
    return path


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def run(path, **kwargs):
    return import_file(path, actor=ACTOR, now=NOW, **kwargs)


def state() -> dict:
    """What the register holds, independent of ids: decisions, subjects, persons, lists."""
    decisions = db.session.execute(select(
        Authority.name, Decision.number, Decision.status, Decision.severity,
        Decision.is_disclosable, Decision.disclosure_ends_on, Decision.content_digest,
        Subject.kind, Subject.name, Subject.uscc, Subject.id_digest,
        Subject.legal_representative).join(Authority).join(
        Subject, Subject.id == Decision.subject_id)).all()
    persons = db.session.execute(select(Decision.number, Subject.id_digest).join(
        DecisionPerson, DecisionPerson.decision_id == Decision.id).join(
        Subject, Subject.id == DecisionPerson.subject_id)).all()
    entries = [(e.subject.uscc or e.subject.id_digest, e.list_kind, e.status, e.basis,
                e.basis_text, tuple(sorted(d.number for d in e.decisions)))
               for e in db.session.scalars(select(ListEntry))]
    return {"decisions": sorted(map(tuple, decisions)), "persons": sorted(map(tuple, persons)),
            "entries": sorted(entries), "subjects": count(Subject)}


def test_import_publishes_rows_with_the_history_the_operations_write(session, tmp_path):
    records = rows(300)
    summary = run(write(tmp_path / "good.csv", records))
    assert (summary.rows, summary.created, summary.rejected) == (300, 300, 0)
    assert summary.rejects_path is None
    assert not (tmp_path / "good.rejects.csv").exists()
    assert count(Decision, Decision.status == "published") == 300
    assert count(DecisionRevision, DecisionRevision.action == "created") == 300
    assert count(DecisionRevision, DecisionRevision.action == "published") == 300
    assert count(AuditEvent, AuditEvent.action == "decision.publish") == 300
    created = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "decision.create").order_by(AuditEvent.id)).first()
    assert created.actor == "import:test.csv"
    assert created.details == {"source": "good.csv", "row": 2}
    assert count(DataChange, DataChange.kind == "decision.published") == 300
    assert count(SearchOutbox, SearchOutbox.object_type == "decision") >= 300
    assert count(AuditEvent, AuditEvent.action == "register.import") == 1
    # the lists rules ran for every subject: a full evaluation finds nothing left to do
    assert count(ListEntry, ListEntry.status == "proposed") > 0
    assert evaluate_all(actor=ACTOR, now=NOW, today=TODAY).changed == 0


def test_import_matches_publishing_row_by_row(session, tmp_path):
    records = rows(150, seed=4)
    nested = db.session.begin_nested()
    for record in records:
        data, errors = load_decision(record, today=TODAY)
        assert errors is None
        create_decision(data, actor=ACTOR, now=NOW, status="published", today=TODAY)
    db.session.flush()
    expected = state()
    nested.rollback()
    db.session.expunge_all()
    assert count(Decision) == 0
    run(write(tmp_path / "same.csv", records))
    assert state() == expected


def test_id_numbers_are_masked(session, tmp_path):
    records = [r for r in rows(200) if r["证件号码"]][:40]
    run(write(tmp_path / "ids.csv", records))
    numbers = {r["证件号码"] for r in records}
    stored = db.session.execute(select(Subject.id_number_masked)).scalars().all()
    stored += db.session.execute(select(Decision.id_number_masked)).scalars().all()
    stored += [str(r.after) for r in db.session.scalars(select(DecisionRevision))]
    assert any(s and "********" in s for s in stored)
    assert not any(n in str(s) or n[6:14] in str(s) for s in stored for n in numbers)


def test_bad_rows_are_rejected_with_row_field_and_reason(session, tmp_path):
    records = rows(8)
    records[1] = {**records[1], "统一社会信用代码": "91110105MA00000000"}
    records[2] = {**records[2], "处罚决定日期": "2030-01-01"}
    records[3] = {**records[3], "违法事实": ""}
    records[4] = {**records[4], "处罚类别": "警告", "罚款金额（万元）": "3"}
    records.append(dict(records[0]))  # the same decision twice
    path = write(tmp_path / "bad.csv", records)
    summary = run(path)
    assert (summary.rows, summary.created, summary.rejected) == (9, 4, 5)
    fields = {(row, field) for row, field, _reason in summary.errors}
    assert {(3, "统一社会信用代码"), (4, "处罚决定日期"), (5, "违法事实"),
            (6, "罚款金额（万元）"), (10, "行政处罚决定书文号")} <= fields
    reasons = {(row, field): reason for row, field, reason in summary.errors}
    assert "check character" in reasons[(3, "统一社会信用代码")]
    assert "future" in reasons[(4, "处罚决定日期")]
    assert "required" in reasons[(5, "违法事实")]
    assert "duplicate of row 2" in reasons[(10, "行政处罚决定书文号")]
    assert summary.rejects_path == tmp_path / "bad.rejects.csv"
    with open(summary.rejects_path, encoding="utf-8-sig", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert list(rejected[0]) == [*HEADERS, "错误原因"]
    assert [r["行政处罚决定书文号"] for r in rejected] == [
        records[i]["行政处罚决定书文号"] for i in (1, 2, 3, 4, 8)]
    assert rejected[0]["统一社会信用代码"] == "91110105MA00000000"  # as the file had it
    assert rejected[1]["错误原因"].startswith("处罚决定日期: ")
    numbers = set(db.session.scalars(select(Decision.number)))
    assert numbers == {records[i]["行政处罚决定书文号"] for i in (0, 5, 6, 7)}


def test_same_authority_under_another_code_is_still_a_duplicate(session, tmp_path):
    first = rows(1)[0]
    second = {**first, "处罚机关统一社会信用代码": complete_uscc("11990000000000999")}
    summary = run(write(tmp_path / "twice.csv", [first, second]))
    assert (summary.created, summary.rejected) == (1, 1)
    assert summary.errors[0][:2] == (3, "行政处罚决定书文号")


def test_reimport_changes_nothing(session, tmp_path):
    path = write(tmp_path / "again.csv", rows(120))
    run(path)
    before = (count(Decision), count(DecisionRevision), count(DataChange), count(SearchOutbox),
              count(AuditEvent, AuditEvent.action != "register.import"), state())
    summary = run(path)
    assert (summary.created, summary.corrected, summary.unchanged) == (0, 0, 120)
    assert (count(Decision), count(DecisionRevision), count(DataChange), count(SearchOutbox),
            count(AuditEvent, AuditEvent.action != "register.import"), state()) == before


def test_a_changed_row_becomes_a_correction(session, tmp_path):
    records = [r for r in rows(60) if r["罚款金额（万元）"]][:20]
    run(write(tmp_path / "v1.csv", records))
    changed = dict(records[5])
    changed["罚款金额（万元）"] = str(Decimal(changed["罚款金额（万元）"]) + 1)
    records[5] = changed
    summary = run(write(tmp_path / "v2.csv", records))
    assert (summary.created, summary.corrected, summary.unchanged) == (0, 1, 19)
    assert count(Decision) == 20
    decision = db.session.scalar(select(Decision).where(
        Decision.number == changed["行政处罚决定书文号"]))
    assert decision.fine_amount == Decimal(changed["罚款金额（万元）"])
    revision = decision.revisions[-1]
    assert revision.action == "corrected"
    assert revision.reason.startswith("批量导入更正")
    assert revision.after == {"fine_amount": changed["罚款金额（万元）"]}


def test_interrupted_import_resumes_and_converges(session, tmp_path):
    path = write(tmp_path / "crash.csv", rows(50))

    def crash(_n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(path, batch_size=20, progress=crash)
    assert count(Decision) == 20  # the first batch was committed
    # ... with its subjects marked for the lists rules, which had not run yet
    marked = set(db.session.scalars(select(PendingEvaluation.subject_id)))
    assert marked == set(db.session.scalars(select(Decision.subject_id)))
    summary = run(path, batch_size=20)
    assert (summary.created, summary.unchanged) == (30, 20)
    assert count(Decision) == 50
    # the second run evaluated the first run's subjects too: nothing is left to do
    assert count(PendingEvaluation) == 0
    assert summary.evaluated == len(set(db.session.scalars(select(Decision.subject_id))))
    assert evaluate_all(actor=ACTOR, now=NOW, today=TODAY).changed == 0


def test_rules_evaluate_serves_the_marks_a_stopped_import_left(session, tmp_path):
    path = write(tmp_path / "stopped.csv", rows(30, seed=8))

    def crash(_n):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(path, batch_size=30, progress=crash)
    assert count(PendingEvaluation) > 0
    assert count(ListEntry) == 0  # the rules did not run
    summary = evaluate_all(actor=ACTOR, now=NOW, today=TODAY)
    assert summary.proposed > 0
    assert count(PendingEvaluation) == 0


def test_the_rules_run_once_per_subject_at_the_end_of_the_file(session, tmp_path):
    """A repeat offender named in many batches is evaluated once, with its whole history:
    one proposal naming all its decisions, not a proposal extended batch after batch."""
    records = rows(200, seed=4)
    summary = run(write(tmp_path / "repeat.csv", records), batch_size=10)
    subjects = set(db.session.scalars(select(Decision.subject_id)))
    assert summary.evaluated == len(subjects)
    assert count(AuditEvent, AuditEvent.action.in_(("listing.extend", "listing.link"))) == 0
    assert count(AuditEvent, AuditEvent.action == "listing.propose") == count(ListEntry) > 0
    assert evaluate_all(actor=ACTOR, now=NOW, today=TODAY).changed == 0


def test_dry_run_stores_nothing(session, tmp_path):
    records = rows(10)
    records[2] = {**records[2], "处罚机关统一社会信用代码": "bad"}
    summary = run(write(tmp_path / "dry.csv", records), dry_run=True)
    assert (summary.created, summary.rejected) == (9, 1)
    assert summary.rejects_path is not None
    assert count(Decision) == count(Authority) == count(AuditEvent) == 0


def test_xlsx_with_typed_cells_equals_the_csv(session, tmp_path):
    records = [r for r in rows(40) if r["罚款金额（万元）"]][:15]
    run(write(tmp_path / "plain.csv", records))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    for record in records:
        values = dict(record)
        values["处罚决定日期"] = datetime.fromisoformat(record["处罚决定日期"])
        values["罚款金额（万元）"] = float(record["罚款金额（万元）"])
        sheet.append([values[h] or None for h in HEADERS])
    workbook.save(tmp_path / "typed.xlsx")
    summary = run(tmp_path / "typed.xlsx")
    assert (summary.rows, summary.unchanged, summary.created) == (15, 15, 0)


def test_xlsx_from_the_generator(session, tmp_path):
    write_xlsx(tmp_path / "synth.xlsx", 30, seed=2)
    summary = run(tmp_path / "synth.xlsx")
    assert (summary.rows, summary.created) == (30, 30)


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_chinese_encodings(session, tmp_path, encoding):
    records = rows(12)
    summary = run(write(tmp_path / f"{encoding}.csv", records, encoding=encoding))
    assert summary.created == 12
    names = set(db.session.scalars(select(Decision.party_name)))
    assert names == {r["行政相对人名称"] for r in records}


def test_default_authority_fills_files_without_its_columns(session, tmp_path):
    records = rows(5)
    name, uscc = records[0]["处罚机关"], records[0]["处罚机关统一社会信用代码"]
    db.session.add(Authority(name=name, uscc=uscc, created_at=NOW))
    db.session.flush()
    headers = [h for h in HEADERS if h not in ("处罚机关", "处罚机关统一社会信用代码")]
    trimmed = [{h: r[h] for h in headers} for r in records]
    path = write(tmp_path / "mine.csv", trimmed, headers=headers)
    with pytest.raises(FileFormatError, match="处罚机关"):
        run(path)
    assert run(path, default_authority=name).created == 5
    assert set(db.session.scalars(select(Authority.name).join(
        Decision, Decision.authority_id == Authority.id))) == {name}


def test_unreadable_files_are_refused(session, tmp_path):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(FileFormatError, match="unsupported"):
        run(tmp_path / "x.json")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(FileFormatError, match="empty"):
        run(tmp_path / "empty.csv")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(FileFormatError, match="XLSX"):
        run(tmp_path / "broken.xlsx")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(FileFormatError, match="missing required columns"):
        run(tmp_path / "other.csv")


def peak_memory(path) -> tuple[int, object]:
    tracemalloc.start()
    try:
        summary = run(path, dry_run=True, batch_size=500)
        return tracemalloc.get_traced_memory()[1], summary
    finally:
        tracemalloc.stop()


def test_import_streams_the_file(session, tmp_path):
    write_csv(tmp_path / "small.csv", 2_000, seed=9)
    write_csv(tmp_path / "big.csv", 10_000, seed=9)
    small, _summary = peak_memory(tmp_path / "small.csv")
    big, summary = peak_memory(tmp_path / "big.csv")
    assert summary.rows == 10_000
    assert summary.created + summary.rejected == 10_000
    # five times the rows, not five times the memory: a batch at a time, never the file
    assert big < 2 * small, f"peak {big:,} bytes for 10k rows, {small:,} for 2k"


def test_a_file_breaking_off_keeps_its_stored_batches_and_says_so(app, session, tmp_path):
    """Batches of 2: rows 2-5 are stored before row 6 cannot be read. The CLI says how many
    were stored, the audit log has the import (stopped), and running it again resumes."""
    from service.audit.models import AuditEvent

    records = rows(6)
    records[4] = {**records[4], "违法事实": "长" * 200_000}  # row 6: a cell too long to read
    path = write(tmp_path / "broken.csv", records)
    result = app.test_cli_runner().invoke(
        args=["register", "import", str(path), "--batch-size", "2"])
    assert result.exit_code == 1, result.output
    assert "row 6" in result.output
    assert "4 rows were taken and stored: 4 created" in result.output
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "register.import"))
    assert event.details["created"] == 4
    assert "row 6" in event.details["stopped"]
    records[4] = rows(6)[4]
    write(tmp_path / "broken.csv", records)
    again = app.test_cli_runner().invoke(args=["register", "import", str(path)])
    assert "6 rows: 2 created, 0 corrected, 4 unchanged, 0 rejected" in again.output


def test_cli_import(app, session, tmp_path):
    records = rows(6)
    records[1] = {**records[1], "处罚决定日期": "not a date"}
    path = write(tmp_path / "cli.csv", records)
    result = app.test_cli_runner().invoke(args=["register", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "6 rows: 5 created, 0 corrected, 0 unchanged, 1 rejected" in result.output
    assert "row 3, 处罚决定日期" in result.output
    assert "cli.rejects.csv" in result.output
    again = app.test_cli_runner().invoke(args=["register", "import", str(path), "--dry-run"])
    assert "0 created, 0 corrected, 5 unchanged, 1 rejected" in again.output


def test_the_rules_phase_reports_its_progress(session, tmp_path):
    heard: list = []

    def evaluating(total):
        heard.append(("total", total))
        return lambda n: heard.append(("done", n))

    summary = run(write(tmp_path / "progress.csv", rows(60, seed=2)), batch_size=20,
                  evaluating=evaluating)
    subjects = len(set(db.session.scalars(select(Decision.subject_id))))
    assert heard[0] == ("total", subjects)
    assert sum(n for kind, n in heard[1:] if kind == "done") == summary.evaluated == subjects
