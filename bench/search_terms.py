"""Time single search terms without the answer cache: unknown Latin words, typos, names.

    nice -n 5 .venv/bin/python bench/search_terms.py --decisions 5000 [--reuse]

Loads `--decisions` synthetic rows (bench/synth.py, as bench/search.py does) into a
SQLite database under OUT, builds the index with the real `reindex`, then evaluates
each term REPEAT times on the warm snapshot (postings cached, answers not) and prints
the first, median and worst time in ms, with the number of matches. `--updates N`
first rewrites N small batches of documents, as the after-commit applier does in
production: each commit adds a segment (Whoosh merges some of them), and some costs
are paid per segment.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search import load_database
from service import create_app
from service.core import clock
from service.core.migrate import upgrade_database
from service.search.analysis import normalise
from service.search.documents import day_number
from service.search.engine import Clause, Filters
from service.search.interface import get_search

ROOT = Path(__file__).resolve().parents[1]
TERMS = ["Zyxwvut", "Qwertyuiop", "Xylophonic", "Abcd", "Adidas", "Adidsa", "AutoCDA",
         "Rollex", "耐克", "运动鞋", "有限公司", "张伟", "销售"]


def time_term(snapshot, text: str, today: int, repeat: int) -> tuple[float, float, int]:
    groups = ((Clause(normalise(text)),),)
    times, total = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        total = snapshot._evaluate(groups, Filters(), "relevance", today).total
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), total


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=None)
    parser.add_argument("--reuse", action="store_true", help="reuse OUT's database")
    parser.add_argument("--no-build", action="store_true", help="search OUT's index as it is")
    parser.add_argument("--updates", type=int, default=0, help="small index commits first")
    parser.add_argument("--terms", nargs="*", default=TERMS)
    args = parser.parse_args(argv)
    out = Path(args.out or ROOT / "bench" / "out" / f"terms-{args.decisions}")
    url = f"sqlite:///{out / 'bench.sqlite3'}"
    today = clock.today()
    if not args.reuse:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        upgrade_database(url)
        load_database(url, args.decisions, args.seed, today)
    app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(out / "index"),
                      "INSTANCE_DIR": str(out), "SEARCH_APPLY_AFTER_COMMIT": False})
    with app.app_context():
        search = get_search()
        if not args.no_build:
            started = time.perf_counter()
            count = search.reindex()
            size = sum(f.stat().st_size for f in search.current_dir().iterdir()) / 2**20
            print(f"indexed {count:,} decisions in {time.perf_counter() - started:.1f}s, "
                  f"{size:.1f} MB")
            for k in range(args.updates):
                search.write(range(1 + k * 20, 21 + k * 20))
        snapshot = search.snapshot()
        print(f"{len(snapshot.leaves)} segments")
        for text in args.terms:
            first, _worst, _total = time_term(snapshot, text, day_number(today), 1)
            median, worst, total = time_term(snapshot, text, day_number(today), args.repeat)
            print(f"{text:>12}  first {first:7.1f} ms  median {median:7.1f} ms  "
                  f"max {worst:7.1f} ms  {total:6d} found")


if __name__ == "__main__":
    main()
