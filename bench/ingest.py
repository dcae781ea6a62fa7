"""Ingest benchmark: generate decisions with bench/synth.py, import them into a fresh database.

    python bench/ingest.py --rows 100000 --backend sqlite
    python bench/ingest.py --rows 100000 --backend postgresql [--profile | --stages]

The CSV is generated once into bench/out/ (reused when present). The import
runs in a child process on a freshly migrated database, so the reported peak
memory (ru_maxrss) is the importer's own. Search indexing is not part of the
import (the outbox rows are written; the index is built by its own step).
PostgreSQL: TEST_PG_ADMIN_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
names the server; a database bench_ingest_<random> is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `service` and `bench` importable
    sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def generate(rows: int, seed: int) -> Path:
    from bench.synth import write_csv

    path = ROOT / "bench" / "out" / f"ingest-{rows}-{seed}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".part")
        write_csv(partial, rows, seed)
        partial.rename(path)
        print(f"generated {rows:,} rows → {path} in {time.perf_counter() - started:.1f}s",
              file=sys.stderr)
    return path


@contextmanager
def fresh_database(backend: str):
    from sqlalchemy import create_engine, text

    from service.core.migrate import upgrade_database

    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ingest-") as directory:
            url = f"sqlite:///{directory}/bench.sqlite3"
            upgrade_database(url)
            yield url
        return
    name = f"bench_ingest_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        upgrade_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# The importer's stages timed by --stages: (module, owner or None, attribute, label).
_STAGES = (
    ("service.register.importer", "_Importer", "run_batch", "run_batch (all but reading/checking)"),
    ("service.register.importer", None, "insert_rows", "  insert_rows (all create's inserts)"),
    ("service.register.importer", "_Importer", "write_history", "  write_history"),
    ("service.register.bulk", "Subjects", "resolve", "  Subjects.resolve"),
    ("service.register.importer", "_Importer", "existing", "  existing (natural keys)"),
    ("service.register.importer", None, "evaluate_pending", "evaluate_pending (rules at the end)"),
    ("service.lists.operations.evaluate", None, "histories_for", "  histories_for"),
    ("service.lists.operations.evaluate", None, "plan_subject", "  plan_subject (rules)"),
    ("service.lists.operations.evaluate", None, "apply_plans", "  apply_plans (lists, proposals)"),
    ("service.lists.operations.evaluate", None, "_apply_classifications",
     "    _apply_classifications"),
    ("service.lists.operations.evaluate", None, "_apply_entry_changes",
     "    _apply_entry_changes"),
    ("service.lists.operations.evaluate", None, "_create_proposals", "    _create_proposals"),
)


def _time_stages() -> dict[str, float]:
    """Wrap the importer's stages with wall-clock timers (a cProfile run distorts the split:
    it inflates many small calls far more than a few big ones). Indented stages are part
    of the one above them; insert_rows overlaps write_history."""
    import functools
    import importlib

    spent = dict.fromkeys((label for *_, label in _STAGES), 0.0)
    for module_name, owner_name, name, label in _STAGES:
        module = importlib.import_module(module_name)
        owner = getattr(module, owner_name) if owner_name else module
        original = getattr(owner, name)

        def timed(*args, _original=original, _label=label, **kwargs):
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - started

        setattr(owner, name, functools.wraps(original)(timed))
    return spent


def run_import(path: str, url: str, profile: bool, batch_size: int,
               stages: bool = False) -> dict:
    """The child process: import the file, return the figures."""
    import resource

    from service import create_app
    from service.core.actors import Actor
    from service.core.clock import now
    from service.register.importer import import_file

    # Search indexing is not part of the import: the outbox rows are written, not applied.
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + "x" * 32,
                      "LOG_LEVEL": "WARNING", "SEARCH_APPLY_AFTER_COMMIT": False})
    spent = _time_stages() if stages else None
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with app.app_context():
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        summary = import_file(path, actor=Actor("import", None, Path(path).name), now=now(),
                              batch_size=batch_size, progress=_Progress())
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if profiler:
        import pstats

        if os.environ.get("PROFILE_OUT"):  # for pstats/snakeviz: callers, callees
            profiler.dump_stats(os.environ["PROFILE_OUT"])
        # PROFILE_SORT=tottime PROFILE_N=60 for another view of the same run
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(
            os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
            int(os.environ.get("PROFILE_N", "40")))
    if spent is not None:
        for label, seconds in spent.items():
            print(f"{label:40} {seconds:7.2f}s {100 * seconds / elapsed:5.1f}%", file=sys.stderr)
    return {"rows": summary.rows, "created": summary.created, "rejected": summary.rejected,
            "seconds": round(elapsed, 2), "rows_per_second": round(summary.rows / elapsed),
            # CPU seconds of the importing process (start-up included): on a shared machine
            # the wall clock also counts time spent waiting for a core.
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
            "rows_per_cpu_second": round(summary.rows / (usage.ru_utime + usage.ru_stime)),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


class _Progress:
    """A line on stderr every 10,000 rows (the bench runs for minutes)."""

    def __init__(self) -> None:
        self.done, self.started = 0, time.perf_counter()

    def __call__(self, n: int) -> None:
        before, self.done = self.done, self.done + n
        if before // 10_000 != self.done // 10_000:
            rate = self.done / (time.perf_counter() - self.started)
            print(f"  {self.done:,} rows, {rate:,.0f}/s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="cProfile the import (slower)")
    parser.add_argument("--stages", action="store_true",
                        help="wall time per importer stage (no profiler overhead)")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--child", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_import(*args.child, args.profile, args.batch_size, args.stages)))
        return
    path = generate(args.rows, args.seed)
    with fresh_database(args.backend) as url:
        command = [sys.executable, __file__, "--child", str(path), url,
                   "--batch-size", str(args.batch_size)]
        if args.profile:
            command.append("--profile")
        if args.stages:
            command.append("--stages")
        output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        figures = json.loads(output.stdout.strip().splitlines()[-1])
    figures["backend"] = args.backend
    print(f"{args.backend}: imported {figures['rows']:,} rows ({figures['created']:,} created, "
          f"{figures['rejected']:,} rejected) in {figures['seconds']}s = "
          f"{figures['rows_per_second']:,} decisions/s ({figures['rows_per_cpu_second']:,} per CPU "
          f"second of the importer), peak RSS {figures['peak_rss_mb']} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
