"""The Whoosh implementation of the search service.

Layout of INDEX_DIR: one directory per build (`gen-<time>-<random>`) and a
symlink `current` naming the live one. `reindex` builds a new directory and
swaps the symlink atomically (rename over it), so searches keep answering
from the old index during a rebuild. Readers (any number of gunicorn
workers) notice a new commit or a swap on their next search. One writer at a
time: Whoosh's file lock, held by the reindex for the whole build so that
changes committed meanwhile stay in the outbox and go into the new index.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from whoosh import index as whoosh_index
from whoosh.index import LockError

from service.core.db import db
from service.register.models import Decision
from service.search.documents import day_number, document, indexable_query, make_schema
from service.search.engine import MAX_RESULTS, Snapshot
from service.search.interface import CheckReport, SearchRequest, SearchResults
from service.search.models import SearchOutbox
from service.search.postings import save_hot_postings
from service.search.viewfile import ViewFile  # noqa: F401 (opens segments without copying)

log = logging.getLogger(__name__)
CURRENT = "current"
OUTBOX_BATCH = 500
WRITE_LOCK_TIMEOUT = 30.0


# Bump when the schema or an analyzer changes: `setup` then rebuilds the index (the pickled
# schema of an older index may not load with the new analyzer classes).
INDEX_FORMAT = "6"
FORMAT_FILE = "INDEX_FORMAT"


class IndexBusy(RuntimeError):
    """Another process holds the index write lock (a reindex, usually); try again later."""


class WhooshSearch:
    def __init__(self, index_dir: str | Path) -> None:
        self.root = Path(index_dir)
        self._snapshot: Snapshot | None = None
        self._snapshot_key = None
        self._retired: list[tuple[float, Snapshot]] = []
        self._read_lock = threading.Lock()
        self._write_lock = threading.RLock()  # one writer per process; the file lock across

    # --- directories ----------------------------------------------------------------------

    def current_dir(self) -> Path | None:
        link = self.root / CURRENT
        return Path(os.path.realpath(link)) if link.exists() else None

    def _new_dir(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        path = self.root / f"gen-{stamp}-{secrets.token_hex(3)}"
        path.mkdir(parents=True)
        (path / FORMAT_FILE).write_text(INDEX_FORMAT)
        return path

    def is_outdated(self) -> bool:
        """True when the live index was built by code with another schema (rebuild it)."""
        path = self.current_dir()
        if path is None:
            return False
        marker = path / FORMAT_FILE
        return not marker.exists() or marker.read_text().strip() != INDEX_FORMAT

    def _point_current(self, target: Path) -> None:
        tmp = self.root / f".{CURRENT}-{secrets.token_hex(4)}"
        os.symlink(target.name, tmp)
        os.replace(tmp, self.root / CURRENT)  # atomic on POSIX

    def open_index(self):
        """The live index, created empty on first use."""
        path = self.current_dir()
        if path is None or not whoosh_index.exists_in(path):
            self.root.mkdir(parents=True, exist_ok=True)
            with self._write_lock:
                path = self.current_dir()
                if path is None or not whoosh_index.exists_in(path):
                    path = self._new_dir()
                    whoosh_index.create_in(path, make_schema())
                    self._point_current(path)
        return whoosh_index.open_dir(path)

    # --- reading --------------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The searcher of the newest commit of the live index (reopened when it changed)."""
        path = self.current_dir()
        if path is None:
            ix = self.open_index()
            path = self.current_dir()
        else:
            ix = None
        key = (path, _latest_generation(path))
        with self._read_lock:
            if self._snapshot is None or self._snapshot_key != key:
                ix = ix or whoosh_index.open_dir(path)
                if self._snapshot is not None:
                    self._retire(self._snapshot)
                self._snapshot = Snapshot(ix.searcher(), path)
                self._snapshot_key = key
            return self._snapshot

    def _retire(self, snapshot: Snapshot) -> None:
        """Close searchers replaced over a minute ago (no search takes that long)."""
        now = time.monotonic()
        self._retired.append((now, snapshot))
        while self._retired and now - self._retired[0][0] > 60:
            _at, old = self._retired.pop(0)
            old.searcher.close()

    def search(self, request: SearchRequest) -> SearchResults:
        query = request.query
        snap = self.snapshot()
        answer = snap.answer(query.groups, request.filters, request.sort,
                             day_number(request.today))
        start = (request.page - 1) * request.per_page
        return SearchResults(
            answer.ids[start:start + request.per_page], answer.total, request.page,
            request.per_page, query, answer.facets, answer.fuzzy,
            reachable=min(answer.total, MAX_RESULTS),
        )

    # --- writing --------------------------------------------------------------------------

    @contextmanager
    def _writer(self, timeout: float = WRITE_LOCK_TIMEOUT):
        """A writer on the live index; re-opened if a reindex swapped it while we waited."""
        with self._write_lock:
            deadline = time.monotonic() + timeout
            while True:
                ix = self.open_index()
                try:
                    writer = ix.writer(timeout=max(0.0, deadline - time.monotonic()), delay=0.05)
                except LockError:
                    raise IndexBusy("the search index is locked by another writer") from None
                if Path(ix.storage.folder).resolve() == self.current_dir():
                    break
                writer.cancel()  # swapped while we waited for the lock: write the new one
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    def write(self, decision_ids) -> int:
        """Bring these decisions' documents up to date (add, replace or delete)."""
        ids = sorted(set(decision_ids))
        if not ids:
            return 0
        docs = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for decision in db.session.scalars(indexable_query(chunk)).unique():
                docs[decision.id] = document(decision)
        with self._writer() as writer:
            for decision_id in ids:
                if decision_id in docs:
                    writer.update_document(**docs[decision_id])
                else:
                    writer.delete_by_term("id", str(decision_id))
        return len(ids)

    def apply_pending(self) -> int:
        """Apply the outbox: index first, then delete the rows (so a crash only repeats work)."""
        applied = 0
        while True:
            rows = db.session.execute(
                select(SearchOutbox.id, SearchOutbox.object_type, SearchOutbox.object_id)
                .order_by(SearchOutbox.id).limit(OUTBOX_BATCH)
            ).all()
            if not rows:
                return applied
            decision_ids = {r.object_id for r in rows if r.object_type == "decision"}
            subjects = {r.object_id for r in rows if r.object_type == "subject"}
            if subjects:
                decision_ids.update(db.session.scalars(
                    select(Decision.id).where(Decision.subject_id.in_(subjects))))
            self.write(decision_ids)
            # End the read transaction first: another applier may have deleted these rows
            # meanwhile, and on SQLite a write from a stale read snapshot fails (BUSY_SNAPSHOT).
            db.session.rollback()
            db.session.execute(delete(SearchOutbox).where(
                SearchOutbox.id.in_([r.id for r in rows])))
            db.session.commit()
            applied += len(rows)

    def reindex(self, progress=None, *, procs: int = 1, limitmb: int = 128) -> int:
        """Build a new index from the database beside the live one, then swap it in."""
        self.root.mkdir(parents=True, exist_ok=True)
        old = self.open_index()
        lock = old.lock("WRITELOCK")
        if not lock.acquire(blocking=True):  # changes wait in the outbox meanwhile
            raise IndexBusy("the search index is locked by another writer")
        path = self._new_dir()
        try:
            count = self._build(path, progress, procs, limitmb)
            self._point_current(path)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        finally:
            lock.release()
        self._remove_old(keep={path, Path(old.storage.folder).resolve()})
        log.info("search index rebuilt in %s: %d documents", path.name, count)
        return count

    def _build(self, path: Path, progress, procs: int, limitmb: int) -> int:
        new = whoosh_index.create_in(path, make_schema())
        total = db.session.scalar(select(func.count()).select_from(
            indexable_query().order_by(None).subquery()))
        writer = new.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1)
        count = 0
        try:
            stmt = indexable_query().execution_options(yield_per=1000)
            for decision in db.session.scalars(stmt):
                writer.add_document(**document(decision))
                count += 1
                if progress and count % 1000 == 0:
                    progress(count, total)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        with new.searcher() as searcher:
            save_hot_postings(path, searcher)
        if progress:
            progress(count, total)
        return count

    def _remove_old(self, keep: set[Path]) -> None:
        """Delete builds other than the live one and the one just replaced."""
        for path in self.root.glob("gen-*"):
            if path.resolve() not in keep:
                shutil.rmtree(path, ignore_errors=True)

    # --- checking -------------------------------------------------------------------------

    def check(self, *, repair: bool = False, progress=None) -> CheckReport:
        """Compare the index with the database; with `repair`, rewrite what differs."""
        wanted = {}
        stmt = indexable_query().execution_options(yield_per=1000)
        for decision in db.session.scalars(stmt):
            wanted[decision.id] = document(decision)["stamp"]
            if progress and len(wanted) % 1000 == 0:
                progress(len(wanted))
        indexed = {}
        with self.open_index().searcher() as searcher:
            for fields in searcher.all_stored_fields():
                indexed[int(fields["id"])] = fields.get("stamp")
        report = CheckReport(
            missing=sorted(set(wanted) - set(indexed)),
            stale=sorted(i for i in set(wanted) & set(indexed) if wanted[i] != indexed[i]),
            extra=sorted(set(indexed) - set(wanted)),
            pending=db.session.scalar(select(func.count(SearchOutbox.id))) or 0,
        )
        if repair and not report.ok:
            self.write(report.missing + report.stale + report.extra)
            report.repaired = True
        return report


def _latest_generation(path: Path) -> int:
    try:
        return whoosh_index.TOC._latest_generation(_Storage(path), whoosh_index._DEF_INDEX_NAME)
    except FileNotFoundError:
        return -1


class _Storage:
    """Just enough of a Whoosh storage to list a directory (cheaper than open_dir)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self):
        return iter(os.listdir(self.path))
