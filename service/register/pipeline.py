"""The importer's row check, in process or one chunk ahead in a worker process.

Checking a row (marshmallow, identifiers) and computing its Decision columns
is a pure function of the row, `today`, the policy and the secret key, and it
costs about a quarter of an import. On a large file a worker process does it
for the next chunks while the importer writes the current batch; the results
come back in file order, so the summary, the errors and the rejects file are
the same as checked in process. Files of up to PIPELINE_AFTER rows (tests, most
console uploads) never start a worker.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import orjson

from service.core.bulk import chunks
from service.register.bulk import plain
from service.register.operations import CONTENT_COLUMNS, decision_values
from service.register.schemas import load_decision
from service.rules.policy import Policy

log = logging.getLogger(__name__)

# Rows checked in process before a worker takes over: starting one costs about a
# second, and the checked chunk in flight about a batch's memory more.
PIPELINE_AFTER = 10_000
_AHEAD = 1  # chunks the worker may be ahead of the importer (memory stays flat)
# A file this large has more rows than PIPELINE_AFTER or nearly (a CSV row of the
# standard layout is ~600 bytes, an XLSX row ~150): its worker starts at once.
PIPELINE_BYTES = 4 * 1024 * 1024

_checker: RowChecker | None = None  # the worker process's own


@dataclass
class Row:
    """A valid row: its validated data and (once computed) Decision columns."""

    number: int
    values: list
    data: dict
    columns: dict | None = None  # the Decision column values (decision_values)
    authority_id: int | None = None
    # The content columns as the JSON of its "created" revision (built with the check:
    # in the worker on a large file, where the importer's own process is the bottleneck).
    snapshot: bytes | None = None


@dataclass
class Rejected:
    number: int
    values: list
    errors: dict[str, list[str]]


@dataclass(frozen=True)
class RowChecker:
    """Everything the check needs, passed explicitly (a worker has no app or config)."""

    headers: tuple[str, ...]
    fields: frozenset[str]  # the fields the file's headers give
    default: tuple[str, str] | None  # (name, USCC) of the default authority
    today: date
    policy: Policy
    secret: str

    def check(self, number: int, values: list) -> Row | Rejected:
        raw = dict(zip(self.headers, values, strict=False))
        if self.default is not None:
            if "authority_name" not in self.fields:
                raw["authority_name"] = self.default[0]
            if "authority_uscc" not in self.fields:
                raw["authority_uscc"] = self.default[1]
        data, errors = load_decision(raw, today=self.today)
        if errors:
            return Rejected(number, values, errors)
        columns = decision_values(data, self.policy, self.secret)
        snapshot = orjson.dumps({c: plain(columns[c]) for c in CONTENT_COLUMNS})
        return Row(number, values, data, columns, snapshot=snapshot)

    def check_chunk(self, chunk: list[tuple[int, list]]) -> list[Row | Rejected]:
        return [self.check(number, values) for number, values in chunk]


def rows_checked_here(path: Path) -> int:
    """The `pipeline_after` for a file: 0 for a file of PIPELINE_BYTES or more (the
    worker takes its first chunk: checking 10,000 rows here first cost ~3 s of a
    100k-row import), else PIPELINE_AFTER."""
    return 0 if path.stat().st_size >= PIPELINE_BYTES else PIPELINE_AFTER


def checked_chunks(checker: RowChecker, rows: Iterable, batch_size: int, *,
                   pipeline_after: int | None = PIPELINE_AFTER) -> Iterator[tuple[int, list]]:
    """(rows read, checked rows) per chunk of `batch_size`, in file order.

    After `pipeline_after` rows (None: never) a worker process checks the rest.
    """
    source = chunks(rows, batch_size)
    read = 0
    for chunk in source:
        read += len(chunk)
        if pipeline_after is not None and read > pipeline_after:
            yield from _in_worker(checker, chunk, source)
            return
        yield len(chunk), checker.check_chunk(chunk)


def _in_worker(checker: RowChecker, first: list, source: Iterator[list]):
    """Check `first` here while the worker starts on the following chunks.

    A worker that cannot run (e.g. a script without an `if __name__ == "__main__"`
    guard, which spawn re-imports) costs speed, not the import: the chunks it
    did not check are checked here, and so is the rest of the file.
    """
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(checker,))
    pending: deque[tuple[list, Future | None]] = deque()
    try:
        failure = _read_ahead(pool, source, pending, _AHEAD)
        yield len(first), checker.check_chunk(first)
        while pending:
            chunk, future = pending[0]
            try:
                checked = future.result() if future is not None else None
            except BrokenProcessPool:
                checked = None
            if checked is None:
                log.warning("the row-check worker stopped: checking the rest in process")
                break
            pending.popleft()
            if failure is None:
                failure = _read_ahead(pool, source, pending, 1)
            for row, (_number, values) in zip(checked, chunk, strict=True):
                row.values = values
            yield len(chunk), checked
    finally:
        pool.shutdown(cancel_futures=True)
    for chunk, _future in pending:
        yield len(chunk), checker.check_chunk(chunk)
    if failure is not None:  # a reading error surfaces after the rows read before it
        raise failure
    for chunk in source:
        yield len(chunk), checker.check_chunk(chunk)


def _read_ahead(pool: ProcessPoolExecutor, source: Iterator[list], pending: deque,
                n: int) -> Exception | None:
    """Hand the worker up to `n` more chunks; return the error reading the file raised."""
    for _ in range(n):
        try:
            chunk = next(source, None)
        except Exception as exc:  # re-raised by the caller, in file order
            return exc
        if chunk is None:
            return None
        try:
            future = pool.submit(_check_in_worker, chunk)
        except BrokenProcessPool:
            future = None
        pending.append((chunk, future))
    return None


def _start_worker(checker: RowChecker) -> None:
    global _checker  # the worker process state, set once
    _checker = checker


def _check_in_worker(chunk: list) -> list[Row | Rejected]:
    """The chunk's checked rows without their values (the importer still holds them)."""
    checked = _checker.check_chunk(chunk)
    for row in checked:
        row.values = None
    return checked
