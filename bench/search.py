"""Benchmark the search: build time, index size, query latency, publish → searchable.

    nice -n 5 .venv/bin/python bench/search.py --decisions 1000000 [--procs 2] [--http]

Steps (figures printed as they come, and written to OUT/results.json):
1. generate `--decisions` rows with bench/synth.py and bulk-load them into a
   fresh SQLite database (Core inserts: the register operations would take
   hours for a million rows; the rule-derived columns come from the same
   rules.disclosure.classify);
2. build the index with the real `reindex` (from the database, optionally
   with a multiprocessing writer) and measure its time and size on disk;
3. run a labelled query set drawn from the generated rows (full and partial
   names, USCCs, decision numbers, goods, trademarks, authorities, Latin typos,
   facet filters, page 2) through the search function, cold then warm, and
   report p50/p95 and recall@10;
4. with --http, the same queries through gunicorn (2 workers) on /search;
5. publish decisions through the register operations and time until each is
   searchable (the after-commit applier, as in production).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bench.synth import iter_rows
from service import create_app
from service.core import clock
from service.core.db import db, make_engine
from service.core.migrate import upgrade_database
from service.register.identifiers import mask_id_number, uscc_region
from service.register.models import Authority, Decision, Subject
from service.register.names import name_columns
from service.rules.disclosure import DecisionFacts, classify
from service.rules.policy import default_policy
from service.search.engine import Filters
from service.search.interface import SearchRequest, get_search

ROOT = Path(__file__).resolve().parents[1]
BATCH = 5000


def _dec(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def load_database(url: str, n: int, seed: int, today: date) -> list[dict]:
    """Bulk-load `n` synthetic decisions; return a sample of the disclosed ones."""
    policy = default_policy()
    engine = make_engine(url)
    authorities: dict[str, int] = {}
    subjects: dict[tuple, int] = {}
    samples, pending_subjects, pending_decisions = [], [], []
    rng = random.Random(seed)
    stride = max(1, n // 4000)
    started = time.perf_counter()
    with engine.begin() as conn:
        for i, row in enumerate(iter_rows(n, seed, until=today), 1):
            name = row["处罚机关"]
            if name not in authorities:
                authorities[name] = len(authorities) + 1
                code = row["处罚机关统一社会信用代码"]
                conn.execute(insert(Authority), [{
                    "id": authorities[name], "name": name, "uscc": code,
                    "region_code": uscc_region(code), "department": None}])
            kind, uscc = row["行政相对人类别"], row["统一社会信用代码"] or None
            key = ("u", uscc) if uscc else ("p", row["证件号码"])
            if key not in subjects:
                subjects[key] = len(subjects) + 1
                number = row["证件号码"] if kind == "自然人" else None
                pending_subjects.append({
                    "id": subjects[key], "kind": kind, "name": row["行政相对人名称"],
                    **name_columns(row["行政相对人名称"]), "uscc": uscc,
                    "id_type": "身份证" if number else None,
                    "id_number_masked": mask_id_number(number) if number else None,
                    "id_digest": hashlib.sha256(number.encode()).hexdigest() if number else None,
                    "region_code": uscc_region(uscc) if uscc else None})
            decided = date.fromisoformat(row["处罚决定日期"])
            categories = row["处罚类别"].split("、")
            facts = DecisionFacts(
                decided_on=decided, categories=frozenset(categories),
                violation_type=row["违法行为类型"], fine_amount=_dec(row["罚款金额（万元）"]),
                is_criminal_transfer=row["是否移送司法机关"] == "是",
                is_intentional=row["是否故意侵权"] == "是")
            c = classify(facts, policy)
            published = datetime.combine(decided + timedelta(days=rng.randint(1, 7)),
                                         datetime.min.time(), UTC) + timedelta(hours=2)
            published = min(published, clock.now() - timedelta(hours=1))
            decision = {
                "id": i, "authority_id": authorities[name], "subject_id": subjects[key],
                "number": row["行政处罚决定书文号"], "status": "published",
                "party_name": row["行政相对人名称"], "party_kind": kind, "uscc": uscc,
                "legal_representative": row["法定代表人"] or None,
                "violation_type": row["违法行为类型"], "facts": row["违法事实"],
                "legal_basis": row["处罚依据"], "penalty_categories": categories,
                "penalty_content": row["处罚内容"], "fine_amount": facts.fine_amount,
                "confiscated_amount": _dec(row["没收违法所得、没收非法财物的金额（万元）"]),
                "licence_info": row["暂扣或吊销证照名称及编号"] or None,
                "decided_on": decided, "source_unit": row["数据来源单位"] or None,
                "remarks": row["备注"] or None, "is_criminal_transfer": facts.is_criminal_transfer,
                "severity": c.severity, "is_disclosable": c.is_disclosable,
                "disclosure_ends_on": c.disclosure_ends_on, "is_repairable": c.is_repairable,
                "repair_earliest_on": c.repair_earliest_on, "published_at": published,
                "created_at": published, "updated_at": published,
            }
            pending_decisions.append(decision)
            disclosed = (c.is_disclosable and c.disclosure_ends_on >= today
                         and clock.local_date(published) <= today)
            if disclosed and (i % stride == 0 or len(samples) < 50):
                samples.append({**row, "id": i})
            if len(pending_decisions) >= BATCH:
                _flush(conn, pending_subjects, pending_decisions)
            if i % 100_000 == 0:
                print(f"  loaded {i:,} rows ({time.perf_counter() - started:.0f}s)", flush=True)
        _flush(conn, pending_subjects, pending_decisions)
    engine.dispose()
    return samples


def _flush(conn, subjects: list, decisions: list) -> None:
    if subjects:
        conn.execute(insert(Subject), subjects)
    if decisions:
        conn.execute(insert(Decision), decisions)
    subjects.clear()
    decisions.clear()


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def labelled_queries(samples: list[dict], seed: int) -> list[tuple[str, str, int | None, dict]]:
    """(kind, query, expected id or None, filters) drawn from disclosed sample rows."""
    rng = random.Random(seed)
    picks = rng.sample(samples, min(len(samples), 60))
    queries = []
    for k, row in enumerate(picks):
        name, did = row["行政相对人名称"], row["id"]
        kind = k % 10
        if kind == 0:
            queries.append(("full name", name, did, {}))
        elif kind == 1:
            start = rng.randrange(0, max(1, len(name) - 5))
            queries.append(("partial name", name[start:start + 5], did, {}))
        elif kind == 2 and row["统一社会信用代码"]:
            queries.append(("USCC", row["统一社会信用代码"], did, {}))
        elif kind == 3:
            queries.append(("decision number", row["行政处罚决定书文号"], did, {}))
        elif kind == 4:
            queries.append(("name + goods", f"{name[:6]} {row['违法事实'][10:14]}", None, {}))
        elif kind == 5:
            queries.append(("authority + name", f"{row['处罚机关'][:4]} {name[-8:-4]}", None, {}))
        elif kind == 6:
            queries.append(("name, violation filter", name, did,
                            {"violation": row["违法行为类型"]}))
        elif kind == 7:
            queries.append(("name, page 2 sort date", name[2:6], None, {"page": 2, "sort": "date"}))
        else:
            queries.append(("full name", name, did, {}))
    broad = ["运动鞋", "耐克 运动鞋", "阿迪达斯", "白酒", "侵犯著作权", "有限公司", "深圳市",
             "商标法 罚款", "假冒专利", "电线电缆 不合格", "上海市 化妆品", "义乌", "海关",
             "AutoCAD", "AutoCDA", "", "\"有限公司", "OR 商标 AND", "公司 NOT 深圳"]
    queries.extend(("broad", q, None, {}) for q in broad)
    return queries


def _request(q: str, filters: dict, today: date) -> SearchRequest:
    from service.register.schemas import VIOLATION_TYPES

    f = dict(filters)
    page, sort = f.pop("page", 1), f.pop("sort", "relevance")
    violation = f.pop("violation", None)
    return SearchRequest(q=q, today=today, page=page, sort=sort, filters=Filters(
        violation=VIOLATION_TYPES.index(violation) if violation else None))


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def time_function(app, queries, today) -> dict:
    with app.app_context():
        search = get_search()
        search.search(SearchRequest(q="预热", today=today))  # open the index, load jieba
        cold, warm, hits, wanted = [], [], 0, 0
        for _kind, q, expected, filters in queries:
            request = _request(q, filters, today)
            t = time.perf_counter()
            results = search.search(request)
            cold.append((time.perf_counter() - t) * 1000)
            if expected is not None:
                wanted += 1
                hits += expected in results.ids[:10]
        for _kind, q, _expected, filters in queries:
            t = time.perf_counter()
            search.search(_request(q, filters, today))
            warm.append((time.perf_counter() - t) * 1000)
    return {"queries": len(queries), "cold_p50_ms": _pct(cold, 50), "cold_p95_ms": _pct(cold, 95),
            "cold_max_ms": max(cold), "warm_p50_ms": _pct(warm, 50),
            "warm_p95_ms": _pct(warm, 95), "recall_at_10": hits / wanted if wanted else None,
            "labelled": wanted}


def time_http(url: str, index_dir: str, queries, workers: int = 2) -> dict:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "INDEX_DIR": index_dir,
           "SECRET_KEY": "bench-secret-key-0123456789", "PYTHONPATH": str(ROOT),
           "PUBLIC_SEARCH_RATE_LIMIT": "1000000/minute"}  # one client asks every query
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/search?q=x", timeout=120).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.5)
        for _ in range(workers * 4):  # let every worker open the index and load jieba
            warm = base + "/search?" + urllib.parse.urlencode({"q": "预热"})
            urllib.request.urlopen(warm, timeout=120).read()  # noqa: S310
        timings = []
        for _kind, q, _expected, filters in queries:
            params = {"q": q, **{k: v for k, v in filters.items() if k != "violation"}}
            if "violation" in filters:
                params["violation"] = filters["violation"]
            t = time.perf_counter()
            target = base + "/search?" + urllib.parse.urlencode(params)
            with urllib.request.urlopen(target, timeout=120) as response:  # noqa: S310
                response.read()
                assert response.status == 200
            timings.append((time.perf_counter() - t) * 1000)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    return {"http_p50_ms": _pct(timings, 50), "http_p95_ms": _pct(timings, 95),
            "http_max_ms": max(timings), "workers": workers}


def time_publication(app, today: date, rounds: int = 5) -> list[float]:
    from service.core.actors import Actor
    from service.register.identifiers import complete_uscc
    from service.register.operations import create_decision
    from service.register.schemas import load_decision

    latencies = []
    with app.app_context():
        search = get_search()
        for k in range(rounds):
            tag = f"延迟测量{k}号{random.randrange(10**6)}"
            raw = {
                "party_name": f"北京{tag}科技有限公司", "party_kind": "法人及非法人组织",
                "uscc": complete_uscc(f"91110105MA{random.randrange(10**7):07d}"),
                "legal_representative": "王伟", "number": f"京朝市监处罚〔2026〕{tag}",
                "violation_type": "侵犯注册商标专用权",
                "facts": "当事人销售侵犯注册商标专用权的运动鞋。",
                "legal_basis": "《中华人民共和国商标法》第六十条", "penalty_categories": "罚款",
                "penalty_content": "罚款1万元", "fine_amount": "1",
                "decided_on": (today - timedelta(days=1)).isoformat(),
                "authority_name": "北京市朝阳区市场监督管理局",
                "authority_uscc": "11110105MA0000001A"}
            data, errors = load_decision(raw, today=today)
            assert errors is None, errors
            decision = create_decision(data, actor=Actor.system("bench"), now=clock.now(),
                                       status="published", today=today)
            db.session.commit()
            started = time.perf_counter()
            while decision.id not in search.search(SearchRequest(q=tag, today=today)).ids:
                if time.perf_counter() - started > 60:
                    break
                time.sleep(0.01)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decisions", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--limitmb", type=int, default=256)
    parser.add_argument("--out", default=None)
    parser.add_argument("--http", action="store_true", help="also time /search via gunicorn")
    parser.add_argument("--reuse", action="store_true", help="reuse OUT's database and index")
    parser.add_argument("--reuse-database", action="store_true",
                        help="reuse OUT's database, build the index again")
    args = parser.parse_args(argv)
    out = Path(args.out or ROOT / "bench" / "out" / f"search-{args.decisions}")
    today = clock.today()
    url = f"sqlite:///{out / 'bench.sqlite3'}"
    results: dict = {"decisions": args.decisions, "today": today.isoformat(),
                     "cpus": os.cpu_count(), "load_before": os.getloadavg()}

    if not (args.reuse or args.reuse_database):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        upgrade_database(url)
        t = time.perf_counter()
        samples = load_database(url, args.decisions, args.seed, today)
        results["db_load_s"] = round(time.perf_counter() - t, 1)
        (out / "samples.json").write_text(json.dumps(samples, ensure_ascii=False))
        print(f"database loaded in {results['db_load_s']}s", flush=True)
    samples = json.loads((out / "samples.json").read_text())
    if args.reuse_database:  # the index is built from nothing, as on a fresh database
        shutil.rmtree(out / "index", ignore_errors=True)
    upgrade_database(url)  # a reused database gets tables added since it was built

    app = create_app({"DATABASE_URL": url, "INDEX_DIR": str(out / "index"),
                      "INSTANCE_DIR": str(out), "SEARCH_APPLY_AFTER_COMMIT": True})
    if not args.reuse:
        with app.app_context():
            t = time.perf_counter()
            last = [0.0]

            def progress(done, total):
                if time.perf_counter() - last[0] > 30:
                    last[0] = time.perf_counter()
                    print(f"  indexed {done:,}/{total:,} ({last[0] - t:.0f}s)", flush=True)

            cpu = _cpu_seconds()
            count = get_search().reindex(progress, procs=args.procs, limitmb=args.limitmb)
            results["build_s"] = round(time.perf_counter() - t, 1)
            # CPU seconds of this process and its writer processes: on a machine shared
            # with other work, this (not the wall time) extrapolates to an idle one.
            results["build_cpu_s"] = round(_cpu_seconds() - cpu, 1)
            results["indexed"] = count
        print(f"index built in {results['build_s']}s ({results['build_cpu_s']} CPU-s)",
              flush=True)
    with app.app_context():
        index_dir = get_search().current_dir()
    results["index_mb"] = round(sum(f.stat().st_size for f in index_dir.iterdir()) / 2**20, 1)
    results["db_mb"] = round((out / "bench.sqlite3").stat().st_size / 2**20, 1)

    queries = labelled_queries(samples, args.seed)
    results["function"] = time_function(app, queries, today)
    print(json.dumps(results["function"]), flush=True)
    if args.http:
        results["http"] = time_http(url, str(out / "index"), queries)
        print(json.dumps(results["http"]), flush=True)
    latencies = time_publication(app, today)
    results["publish_to_searchable_ms"] = [round(x) for x in latencies]
    results["load_after"] = os.getloadavg()
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
