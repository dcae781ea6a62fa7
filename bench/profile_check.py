"""Profile single checks in-process (WSGI, no network) against a built bench database.

    python bench/profile_check.py --backend sqlite --requests 3000
    python bench/profile_check.py --backend postgresql --path lookup

Prints the time per request of the bare route and of the check in the same
process, then the cProfile of the checks (top functions by cumulative and own time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):
    sys.path.insert(0, str(ROOT))

from bench.bank import _make_key, _sample, ensure_database  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--path", choices=("subjects", "lookup"), default="subjects")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--out", type=Path, help="also dump the profile here (for pstats callers)")
    args = parser.parse_args(argv)
    import os

    url = ensure_database(args.backend, args.decisions)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({"DATABASE_URL": url, "INSTANCE_DIR": tmp, "SEARCH_BACKEND": "null",
                           "LOG_LEVEL": "WARNING"})
        key = _make_key(url, Path(tmp))
        codes, names = _sample(url, 5000)
        from bench.bank import bench_app

        client = bench_app().test_client()
        headers = {"Authorization": f"Bearer {key}"}
        items = codes if args.path == "subjects" else names
        prefix = "/api/v1/subjects/" if args.path == "subjects" else "/api/v1/lookup?name="

        def run(n, bare=False):
            for i in range(n):
                url_ = "/bench/ok" if bare else prefix + items[i % len(items)]
                response = client.get(url_, headers=headers)
                if response.status_code != 200 and not (bare is False and response.status_code
                                                        == 400):
                    raise SystemExit(f"{url_}: {response.status_code} {response.data[:200]!r}")

        run(200), run(200, bare=True)  # warm
        for bare in (True, False):
            started, cpu = time.perf_counter(), time.process_time()
            run(args.requests, bare=bare)
            spent = (time.perf_counter() - started) / args.requests * 1000
            cpu = (time.process_time() - cpu) / args.requests * 1000
            print(f"{'bare' if bare else args.path:>9}: {spent:.3f} ms per request "
                  f"({cpu:.3f} ms of CPU)")
        # CPU time, so that other loads on the machine do not inflate what they preempt.
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        run(args.requests)
        profile.disable()
        if args.out:
            profile.dump_stats(args.out)
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
