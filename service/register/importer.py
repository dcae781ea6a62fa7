"""Bulk import of penalty decisions from CSV or XLSX files (the 双公示 standard layout).

The file is streamed a batch at a time (never held in memory) and each batch is
committed on its own, so a crash loses at most one batch and running the same
file again converges: the natural key is authority + decision number, a row
equal to the stored decision changes nothing, a row with different content
becomes a correction (a new revision, reason CORRECTION_REASON), never a
duplicate.

Bulk files come from officials' own case systems, where the decision was
already approved, so imported decisions are published at once (the console's
review step is for decisions typed in by hand). Each new decision gets the
same records as `create_decision(status="published")`: revisions created and
published, audit events decision.create and decision.publish (naming the file
and row), a data version bump and search outbox rows. The per-row work is done
in bulk per batch.

The lists rules run once per subject at the end of the file, not once per
batch: a repeat offender named in many batches had its whole history read and
evaluated again in each of them. Each batch marks its subjects pending in its
own transaction (service.lists.models.PendingEvaluation), so the rules are
never skipped: an import that stops leaves its marks to the next import or to
`rules evaluate`. As when a decision is published on its own, the rules then
reclassify a repeat infringer's new decision (decision.reclassify) and propose
or extend its listing.

Invalid rows are not stored: they go to a rejects CSV with their original
columns plus 错误原因, and every error names the row (as a spreadsheet numbers
it: the header is row 1), the field (the header the file used) and the reason.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Literal

import orjson
from flask import current_app
from sqlalchemy import Integer, Select, String, and_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY

from service.audit.models import AuditEvent, DataChange
from service.audit.operations import log_event, standing_noted_later
from service.bank_api.monitoring import note_subjects
from service.core.actors import Actor
from service.core.bulk import insert_rows, reserve_ids
from service.core.clock import local_date
from service.core.db import db
from service.lists.models import PendingEvaluation
from service.lists.operations import count_pending, evaluate_pending
from service.register.bulk import Subjects
from service.register.models import (
    Authority,
    Decision,
    DecisionPerson,
    DecisionRevision,
)
from service.register.operations import (
    RegisterError,
    correct_decision,
    find_or_create_authority,
)
from service.register.pipeline import (
    Rejected,
    Row,
    RowChecker,
    checked_chunks,
    rows_checked_here,
)
from service.register.schemas import HEADERS, describe_errors, field_for_header
from service.register.tabular import FileFormatError, open_table
from service.rules.policy import current_policy
from service.search.applier import apply_deferred
from service.search.models import SearchOutbox

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_ERRORS = 100
CORRECTION_REASON = "批量导入更正（文件中同一文号的内容与已存记录不同）"  # shown in the history
REASON_HEADER = "错误原因"
REQUIRED_FIELDS = ("party_name", "party_kind", "number", "violation_type", "facts",
                   "legal_basis", "penalty_categories", "penalty_content", "decided_on",
                   "authority_name", "authority_uscc")

__all__ = ["FileFormatError", "ImportSummary", "import_file"]


@dataclass
class ImportSummary:
    """What an import did. `errors` holds (row, field, reason) for the first ~100 errors."""

    rows: int = 0
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    rejected: int = 0
    evaluated: int = 0  # subjects the lists rules ran for at the end
    rejects_path: Path | None = None
    errors: list[tuple[int, str, str]] = field(default_factory=list)


class _Rejects:
    """The rejects CSV (utf-8 with BOM, so Excel opens it), written on the first reject."""

    def __init__(self, path: Path, headers: list[str]) -> None:
        self.path, self.headers = path, headers
        self._handle = self._writer = None

    def write(self, values: list, reason: str) -> None:
        if self._writer is None:
            self._handle = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
            self._writer = csv.writer(self._handle)
            self._writer.writerow([*self.headers, REASON_HEADER])
        cells = ["" if v is None else v for v in values]
        cells += [""] * (len(self.headers) - len(cells))
        self._writer.writerow([*cells[:len(self.headers)], reason])

    def close(self) -> Path | None:
        if self._handle is None:
            return None
        self._handle.close()
        return self.path


class _Importer:
    def __init__(self, *, actor: Actor, now: datetime, source: str, headers: list[str],
                 rejects: _Rejects, default_authority: Authority | None, dry_run: bool) -> None:
        self.actor, self.now, self.today = actor, now, local_date(now)
        self.source, self.headers, self.rejects, self.dry_run = source, headers, rejects, dry_run
        # (name, USCC) only: ORM objects do not outlive a batch (see _run).
        self.default = (default_authority.name, default_authority.uscc) if default_authority \
            else None
        self.policy = current_policy()
        self.summary = ImportSummary()
        self.seen: dict[int, int] = {}  # 8-byte hash of (authority, number) → first row
        self.authorities: dict[tuple[str, str], int | None] = {}
        given = {field_for_header(h): h for h in headers if field_for_header(h)}
        self.number_header = given.get("number", HEADERS["number"][0])
        self.checker = RowChecker(
            headers=tuple(headers), fields=frozenset(given), default=self.default,
            today=self.today, policy=self.policy, secret=current_app.config["ID_DIGEST_KEY"])

    # ------------------------------------------------------------ rows

    def reject(self, row_number: int, values: list, errors: dict[str, list[str]]) -> None:
        self.summary.rejected += 1
        self.rejects.write(values, describe_errors(errors))
        for header, reasons in errors.items():
            for reason in reasons:
                if len(self.summary.errors) < MAX_ERRORS:
                    self.summary.errors.append((row_number, header, reason))

    def take(self, checked: list[Row | Rejected]) -> list[Row]:
        """Reject the invalid rows of a checked chunk (in file order); return the valid ones."""
        valid = []
        for row in checked:
            if isinstance(row, Rejected):
                self.reject(row.number, row.values, row.errors)
            else:
                valid.append(row)
        return valid

    # ------------------------------------------------------------ batches

    def is_repeat(self, row: Row) -> bool:
        """Reject a second row with the natural key of an earlier row of this file."""
        authority = row.authority_id if row.authority_id is not None else \
            row.data["authority_uscc"]
        key = hashlib.blake2b(f"{authority}\x1f{row.data['number']}".encode(), digest_size=8)
        first = self.seen.setdefault(int.from_bytes(key.digest()), row.number)
        if first == row.number:
            return False
        self.reject(row.number, row.values, {self.number_header: [
            f"duplicate of row {first} in this file: the same authority and decision "
            "number (文件内决定书文号重复)"]})
        return True

    def run_batch(self, rows: list[Row]) -> None:
        for row in rows:
            row.authority_id = self.authority_id(row.data)
        rows = [row for row in rows if not self.is_repeat(row)]
        existing = self.existing(rows)
        new, corrections = [], []
        for row in rows:
            found = existing.get((row.authority_id, row.data["number"]))
            if found is None:
                new.append(row)
            elif found.content_digest == row.columns["content_digest"]:
                self.summary.unchanged += 1
            else:
                corrections.append((row, found.id))
        if self.dry_run:
            self.summary.created += len(new)
            self.summary.corrected += len(corrections)
            return
        for row, decision_id in corrections:
            self.correct(row, decision_id)
        if new:
            with standing_noted_later():  # noted once the rules ran (_evaluate)
                self.create(new)

    def authority_id(self, data: dict) -> int | None:
        key = (data["authority_name"], data["authority_uscc"])
        if key not in self.authorities:
            if self.dry_run:
                self.authorities[key] = db.session.scalar(select(Authority.id).where(
                    (Authority.uscc == key[1]) | (Authority.name == key[0])).limit(1))
            else:
                self.authorities[key] = find_or_create_authority(*key, now=self.now).id
        return self.authorities[key]

    def existing(self, rows: list[Row]) -> dict:
        """The stored decisions with the batch's natural keys, by (authority id, number)."""
        keys = {(r.authority_id, r.data["number"]) for r in rows if r.authority_id is not None}
        return {(d.authority_id, d.number): d for d in db.session.execute(_with_keys(
            keys, Decision.id, Decision.authority_id, Decision.number, Decision.content_digest))
        } if keys else {}

    def correct(self, row: Row, decision_id: int) -> None:
        decision = db.session.get(Decision, decision_id)
        try:
            with db.session.begin_nested():
                changed = correct_decision(decision, row.data, reason=CORRECTION_REASON,
                                           actor=self.actor, now=self.now, today=self.today)
        except RegisterError as exc:
            header = _header_for(exc.field, self.headers)
            self.reject(row.number, row.values, {header: [exc.message]})
            return
        if changed:
            self.summary.corrected += 1
        else:
            self.summary.unchanged += 1

    def create(self, rows: list[Row]) -> None:
        """Insert a batch of new, published decisions with their history, in bulk."""
        subjects = Subjects(self.now, self.checker.secret)
        subject_ids = subjects.resolve(rows)
        user_id = self.actor.id if self.actor.kind == "user" else None
        stamp = {"created_at": self.now, "updated_at": self.now, "published_at": self.now,
                 "status": "published", "created_by_id": user_id, "reviewed_by_id": user_id,
                 "corrected_at": None}
        params = [{**row.columns, **stamp, "authority_id": row.authority_id,
                   "subject_id": subject_ids[i]} for i, row in enumerate(rows)]
        # Without RETURNING (COPY has none; SQLite cannot order RETURNING rows, and
        # SQLAlchemy would then insert one row at a time): PostgreSQL's ids are taken
        # from the sequence first, SQLite's found again by the natural key.
        ids = reserve_ids(Decision, len(params))
        if ids is not None:
            for p, decision_id in zip(params, ids, strict=True):
                p["id"] = decision_id
        insert_rows(Decision, params)
        if ids is None:
            keys = {(p["authority_id"], p["number"]) for p in params}
            stored = {(r.authority_id, r.number): r.id for r in db.session.execute(
                _with_keys(keys, Decision.authority_id, Decision.number, Decision.id))}
            ids = [stored[(p["authority_id"], p["number"])] for p in params]
        insert_rows(DecisionPerson, [
            *({"decision_id": ids[i], "subject_id": person_id, "role": "legal_representative"}
              for i, person_id in subjects.representatives.items()),
            *({"decision_id": ids[i], "subject_id": person_id, "role": "responsible_person"}
              for i, person_id in subjects.responsible)])
        self.write_history(rows, ids, subject_ids)
        insert_rows(PendingEvaluation, [{"subject_id": i, "created_at": self.now}
                                        for i in sorted(set(subject_ids))])
        self.summary.created += len(rows)

    def write_history(self, rows: list[Row], ids: list[int], subject_ids: list[int]) -> None:
        """Revisions, audit events, data changes and outbox rows, as create + publish write."""
        actor, now = str(self.actor), self.now
        created, published, create_events, publish_events = [], [], [], []
        changes, outbox = [], []
        for row, decision_id, subject_id in zip(rows, ids, subject_ids, strict=True):
            columns = row.columns
            revision = {"decision_id": decision_id, "actor": actor, "at": now, "reason": None,
                        "before": None}
            created.append({**revision, "seq": 1, "action": "created",
                            "after": orjson.Fragment(row.snapshot)})
            published.append({**revision, "seq": 2, "action": "published", "after": None})
            event = {"at": now, "actor": actor, "object_type": "decision",
                     "object_id": decision_id, "authority_id": row.authority_id,
                     "before": None}
            create_events.append({**event, "action": "decision.create",
                                  "after": {"number": columns["number"]},
                                  "details": {"source": self.source, "row": row.number}})
            publish_events.append({**event, "action": "decision.publish", "details": None,
                                   "after": {"number": columns["number"],
                                             "severity": columns["severity"]}})
            changes.append({"at": now, "kind": "decision.published", "subject_id": subject_id,
                            "object_type": "decision", "object_id": decision_id})
            outbox.append({"object_type": "decision", "object_id": decision_id,
                           "created_at": now})
        outbox += [{"object_type": "subject", "object_id": sid, "created_at": now}
                   for sid in sorted(set(subject_ids))]
        for model, params in ((DecisionRevision, created), (DecisionRevision, published),
                              (AuditEvent, create_events), (AuditEvent, publish_events),
                              (DataChange, changes), (SearchOutbox, outbox)):
            insert_rows(model, params)


def _with_keys(keys: set[tuple[int, str]], *columns) -> Select:
    """SELECT the columns of the decisions with these (authority_id, number) keys, through
    the unique index on that pair.

    PostgreSQL joins the keys as one unnest() of two arrays: one index probe per key
    (an IN list on each column probed every authority with every number: 80 ms a batch).
    SQLite joins json_each() of the keys as one JSON array, probed key by key too (its
    `(authority_id, number) IN (VALUES ...)` scanned the whole index).
    """
    if db.is_postgresql:
        wanted = func.unnest(
            bindparam(None, [a for a, _n in keys], type_=ARRAY(Integer)),
            bindparam(None, [n for _a, n in keys], type_=ARRAY(String))
        ).table_valued("authority_id", "number").render_derived("wanted")
        authority_id, number = wanted.c.authority_id, wanted.c.number
    else:
        wanted = func.json_each(bindparam(None, json.dumps(sorted(keys)))).table_valued("value")
        authority_id = func.json_extract(wanted.c.value, "$[0]")
        number = func.json_extract(wanted.c.value, "$[1]")
    return select(*columns).select_from(wanted).join(Decision, and_(
        Decision.authority_id == authority_id, Decision.number == number))


def _header_for(field_name: str | None, headers: list[str]) -> str:
    for header in headers:
        if field_name and field_for_header(header) == field_name:
            return header
    return field_name or "record"


def default_rejects_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejects.csv")


def import_file(path, *, actor: Actor, now: datetime, rejects_path=None,
                progress: Callable[[int], None] | None = None,
                evaluating: Callable[[int], Callable[[int], None] | None] | None = None,
                default_authority: str | None = None, dry_run: bool = False,
                source_name: str | None = None, batch_size: int = BATCH_SIZE,
                pipeline_after: int | Literal["auto"] | None = "auto") -> ImportSummary:
    """Import a CSV or XLSX file of decisions; commit after each batch.

    Args:
        rejects_path: where to write the rejected rows (default: FILE.rejects.csv
            beside the file); written only when a row is rejected.
        progress: called with the number of rows done after each batch.
        evaluating: called with the number of subjects before the lists rules run
            for them at the end; what it returns hears of each batch of subjects done.
        default_authority: the full name of an existing authority for files
            without the 处罚机关 columns.
        dry_run: check and classify every row, write nothing but the rejects file.
        source_name: the file's name as the official knows it, for the audit log and
            the revisions (default: the name of `path`, e.g. the console's saved copy).
        pipeline_after: rows checked in process before a worker process checks the
            rest ahead of the writes (None: never; "auto": none for a large file, else
            PIPELINE_AFTER; see service.register.pipeline).

    Raises:
        FileFormatError: the file is not a readable table, or required columns are missing.
    """
    path = Path(path)
    if pipeline_after == "auto":
        pipeline_after = rows_checked_here(path)
    source = source_name or path.name
    rejects_path = Path(rejects_path) if rejects_path else default_rejects_path(path)
    authority = _default_authority(default_authority)
    authority_id = authority.id if authority else None  # read now: batches expunge it
    # The search index is updated once, when the rows and the rules' changes are stored.
    with apply_deferred(), open_table(path) as table:
        _check_columns(table.headers, authority)
        rejects = _Rejects(rejects_path, table.headers)
        importer = _Importer(actor=actor, now=now, source=source, headers=table.headers,
                             rejects=rejects, default_authority=authority, dry_run=dry_run)
        try:
            _run(importer, checked_chunks(importer.checker, table.rows, batch_size,
                                          pipeline_after=pipeline_after), progress)
        except FileFormatError as exc:  # it broke off: the batches before it are stored
            db.session.rollback()
            exc.stored = importer.summary
            if not dry_run and importer.summary.rows:
                _evaluate(importer, evaluating)
                _log_import(actor, now, authority_id, source, importer.summary, error=str(exc))
                db.session.commit()
            raise
        finally:
            importer.summary.rejects_path = rejects.close()
        summary = importer.summary
        if not dry_run:
            _evaluate(importer, evaluating)
            _log_import(actor, now, authority_id, source, summary)
            db.session.commit()
    log.info("imported %s: %s rows, %s created, %s corrected, %s unchanged, %s rejected",
             source, summary.rows, summary.created, summary.corrected, summary.unchanged,
             summary.rejected)
    return summary


def _log_import(actor: Actor, now: datetime, authority_id: int | None, source: str,
                summary: ImportSummary, error: str | None = None) -> None:
    """The import's audit record: filed under the default authority (a console upload: the
    reviewer's own), so the authority's audit log shows its imports (批量导入)."""
    details = {"file": source, "rows": summary.rows, "created": summary.created,
               "corrected": summary.corrected, "unchanged": summary.unchanged,
               "rejected": summary.rejected, "evaluated": summary.evaluated}
    if error is not None:  # the rows counted are stored; the rest of the file is not
        details["stopped"] = error
    log_event(actor, "register.import", now=now, object_type="import",
              authority_id=authority_id, details=details)


def _evaluate(importer: _Importer, evaluating) -> None:
    """Run the lists rules for the subjects the batches marked (and any a stopped import
    left), committing each batch of subjects."""
    progress = evaluating(count_pending()) if evaluating is not None else None
    done = evaluate_pending(actor=importer.actor, now=importer.now, today=importer.today,
                            progress=progress, checkpoint=_commit_batch,
                            evaluated=partial(note_subjects, at=importer.now,
                                              kind="decision.published"))
    importer.summary.evaluated = done.subjects


def _commit_batch() -> None:
    db.session.commit()
    db.session.expunge_all()  # keep memory and flushes flat: nothing earlier is needed


# PostgreSQL plans the batch lookups from table statistics, which autovacuum refreshes
# too rarely for a table an import grows from empty: the import analyses the tables it
# grows when its own rows reach this many, and again each time they double.
_ANALYZE_FROM = 2000
_GROWN_TABLES = ("subjects", "decisions", "decision_persons")


def _run(importer: _Importer, checked: Iterable[tuple[int, list]], progress) -> None:
    analyze_at = _ANALYZE_FROM
    for size, rows in checked:
        importer.summary.rows += size
        valid = importer.take(rows)
        if valid:
            importer.run_batch(valid)
        if importer.dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        db.session.expunge_all()  # keep memory flat: nothing from earlier batches is needed
        if db.is_postgresql and importer.summary.created >= analyze_at:
            # Without it the subject lookups of a fresh database scanned the whole table
            # (no statistics yet): 54 ms per lookup at 50k subjects instead of ~2.
            db.session.execute(text(f"ANALYZE {', '.join(_GROWN_TABLES)}"))
            db.session.commit()
            analyze_at *= 2
        if progress is not None:
            progress(size)


def _default_authority(name: str | None) -> Authority | None:
    if name is None:
        return None
    authority = db.session.scalar(select(Authority).where(Authority.name == name))
    if authority is None or not authority.uscc:
        raise FileFormatError(f"no authority named {name!r} with a 统一社会信用代码 "
                              "(处罚机关不存在)", f"处罚机关“{name}”不存在或未登记统一社会信用代码")
    return authority


def _check_columns(headers: list[str], default: Authority | None) -> None:
    present = {field_for_header(h) for h in headers}
    optional = {"authority_name", "authority_uscc"} if default is not None else set()
    missing = [f for f in REQUIRED_FIELDS if f not in present and f not in optional]
    filled = [h for h in headers if h]
    if missing and len(filled) == 1 and field_for_header(filled[0]) is None:
        title = filled[0][:40]  # one merged cell: a title row (行政处罚信息公示表) above
        raise FileFormatError(
            f"the first row ({title!r}) is a title, not the header row: the headers must be "
            "the first row (表头须在第一行)",
            f"第 1 行（“{title}”）不是表头：请删除表头上方的标题行，使“双公示”标准表头位于第 1 行")
    if missing:
        names = "、".join(HEADERS[f][0] for f in missing)
        raise FileFormatError(f"missing required columns: {names} (缺少必填列)",
                              f"缺少必填列：{names}（请使用“双公示”标准表头，或对应的英文列名）")
