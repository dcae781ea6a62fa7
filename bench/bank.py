"""Benchmark the bank credit-check API with `wrk` against gunicorn (2 workers).

    python bench/bank.py                       # SQLite and PostgreSQL, 1,000,000 decisions
    python bench/bank.py --backend sqlite --duration 10
    python bench/bank.py --decisions 50000     # a quick run on a small database

The database (1,000,000 decisions over about 300,000 subjects from
bench/synth.py, with blacklist and red-list entries) is built once with bulk
inserts (executemany on SQLite, COPY on PostgreSQL) and reused from disk
(bench/out/bank-<n>.sqlite3, PostgreSQL database bench_bank_<n>).

Measured, in the same run and on the same server:
- a bare Flask JSON route (`/bench/ok`, {"ok": true}, no database) and single
  checks (GET /api/v1/subjects/{code}, codes rotated by a wrk Lua script):
  the throughput ratio (target >= 0.5) and the p99 latency (target <= 10 ms);
- a batch of 1,000 codes: server time from the Server-Timing header
  (target <= 150 ms);
- name lookup (GET /api/v1/lookup, names rotated): p95 (target <= 50 ms).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __package__ in (None, ""):  # run as a script: make `service` and `bench` importable
    sys.path.insert(0, str(ROOT))

from bench.synth import iter_rows  # noqa: E402

OUT = ROOT / "bench" / "out"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SEED = 7
BENCH_ID_KEY = "bench-id-digest-key"
CHUNK = 20_000


# --- the app gunicorn serves -----------------------------------------------------------------

def bench_app():
    """The service app plus the bare JSON route the checks are compared with."""
    from flask import g

    from service import create_app

    app = create_app()

    @app.get("/bench/ok")
    def bench_ok():
        return {"ok": True}

    _floor_routes(app)

    # CPU time spent in Flask per request: a figure the other loads on the machine
    # cannot inflate (wall-clock latency under wrk can be).
    @app.before_request
    def _started():
        g.bench_cpu = time.thread_time()

    @app.after_request
    def _spent(response):
        response.headers["X-Bench-CPU-ms"] = f"{(time.thread_time() - g.bench_cpu) * 1000:.3f}"
        return response

    from service.core.serving import ready_to_serve

    return ready_to_serve(app)  # as wsgi.py serves it


def _floor_routes(app) -> None:
    """`/bench/floor/<code>`: the least any audited check must do, as lean as Python gets.

    One indexed read of the subject by its code, one query-log row, one commit, on a
    DBAPI connection the worker keeps (no SQLAlchemy session, no pool checkout, no key,
    no rate-limit count, no answer to build). `--floor` measures its throughput beside
    the bare route's: if even this stays under half the bare route, the single-check
    ratio target cannot be met by any check that logs each query durably, on this
    machine, under Flask and gunicorn. `/bench/floor-read/<code>` is the read alone,
    `/bench/floor-one/<code>` the read and the log row in one autocommitted statement.
    """
    import threading

    engine = app.extensions["db_engine"]
    sqlite = engine.dialect.name == "sqlite"
    held = threading.local()

    def connection(autocommit: bool = False):
        """This worker thread's own DBAPI connection (one per mode), opened on first use."""
        name = "autocommit" if autocommit else "transactional"
        if getattr(held, name, None) is None:
            raw = engine.raw_connection()
            if autocommit:
                raw.driver_connection.autocommit = True
            setattr(held, name, raw)
        return getattr(held, name)

    def mark(sql: str) -> str:
        return sql if sqlite else sql.replace("?", "%s")

    def stamps() -> tuple:
        """(at, as_of, request id) as the log row binds them on this backend."""
        now = datetime.now(UTC)
        return (now.isoformat(sep=" ") if sqlite else now, now.date().isoformat(),
                os.urandom(8).hex())

    log_columns = ("INSERT INTO bank_queries (at, client_id, request_id, kind, query, subject_id, "
                   "as_of, data_version, status, answer) ")
    select_sql = mark("SELECT id FROM subjects WHERE uscc = ?")
    insert_sql = mark(log_columns + "VALUES (?, 1, ?, 'status', ?, ?, ?, 1, ?, NULL)")
    one_sql = mark(log_columns + "SELECT ?, 1, ?, 'status', ?, "
                   "(SELECT id FROM subjects WHERE uscc = ?), ?, 1, 'checked', NULL "
                   "RETURNING subject_id")

    @app.get("/bench/floor-read/<code>")
    def bench_floor_read(code):
        held_connection = connection()
        cur = held_connection.cursor()
        cur.execute(select_sql, (code,))
        row = cur.fetchone()
        cur.close()
        held_connection.rollback()  # end the read transaction, as a request would
        return {"ok": True, "found": row is not None}

    @app.get("/bench/floor/<code>")
    def bench_floor(code):
        held_connection = connection()
        cur = held_connection.cursor()
        cur.execute(select_sql, (code,))
        row = cur.fetchone()
        at, as_of, request_id = stamps()
        cur.execute(insert_sql, (at, request_id, code, row[0] if row else None, as_of,
                                 "found" if row else "nothing_on_record"))
        cur.close()
        held_connection.commit()
        return {"ok": True, "found": row is not None}

    @app.get("/bench/floor-one/<code>")
    def bench_floor_one(code):
        """The read and the log row in one statement, committed by autocommit: one round trip."""
        cur = connection(autocommit=True).cursor()
        at, as_of, request_id = stamps()
        cur.execute(one_sql, (at, request_id, code, code, as_of))
        row = cur.fetchone()
        cur.close()
        return {"ok": True, "found": row[0] is not None}


# --- building the database -------------------------------------------------------------------

_DECISION_COLUMNS = (
    "id", "authority_id", "number", "subject_id", "status", "party_name", "party_kind", "uscc",
    "legal_representative", "id_type", "id_number_masked", "id_digest", "violation_type",
    "facts", "legal_basis", "penalty_categories", "penalty_content", "fine_amount",
    "confiscated_amount", "decided_on", "source_unit", "source_unit_uscc", "remarks",
    "is_simple_procedure", "is_criminal_transfer", "is_nonperformance", "is_intentional",
    "severity", "is_disclosable", "disclosure_ends_on", "is_repairable", "repair_earliest_on",
    "created_at", "updated_at", "published_at",
)
_SUBJECT_COLUMNS = ("id", "kind", "name", "name_key", "uscc", "id_type", "id_number_masked",
                    "id_digest", "legal_representative", "region_code", "created_at",
                    "updated_at", "name_body")
_AUTHORITY_COLUMNS = ("id", "name", "uscc", "region_code", "department", "created_at")
_ENTRY_COLUMNS = ("id", "list_kind", "subject_id", "status", "basis", "basis_text",
                  "authority_id", "starts_on", "scheduled_end_on", "confirmed_at",
                  "created_at", "updated_at")


def _money(text: str) -> Decimal | None:
    return Decimal(text) if text else None


class _Builder:
    """Turns synthetic rows into table rows: ids, subjects, classification, list entries."""

    def __init__(self) -> None:
        from service.rules.policy import default_policy

        self.policy = default_policy()
        self.subjects: dict[str, int] = {}
        self.subject_rows: list[tuple] = []
        self.authorities: dict[str, int] = {}
        self.authority_rows: list[tuple] = []
        self.history: dict[int, list[tuple]] = {}
        self.now = datetime(2026, 11, 1, tzinfo=UTC)

    def _subject(self, row: dict) -> int:
        from service.register.identifiers import mask_id_number
        from service.register.names import name_body, name_key

        uscc = row["统一社会信用代码"] or None
        digest = None
        if uscc is None:
            digest = hmac.new(BENCH_ID_KEY.encode(), f"身份证|{row['证件号码']}".encode(),
                              hashlib.sha256).hexdigest()
        key = uscc or digest
        found = self.subjects.get(key)
        if found is None:
            found = self.subjects[key] = len(self.subject_rows) + 1
            person = uscc is None
            self.subject_rows.append((
                found, row["行政相对人类别"], row["行政相对人名称"],
                name_key(row["行政相对人名称"]), uscc, "身份证" if person else None,
                mask_id_number(row["证件号码"]) if person else None, digest,
                row["法定代表人"] or None, uscc[2:8] if uscc else None, self.now, self.now,
                name_body(name_key(row["行政相对人名称"]))))
        return found

    def _authority(self, row: dict) -> int:
        name = row["处罚机关"]
        found = self.authorities.get(name)
        if found is None:
            found = self.authorities[name] = len(self.authority_rows) + 1
            code = row["处罚机关统一社会信用代码"] or None
            self.authority_rows.append((found, name, code, code[2:8] if code else None,
                                        "市场监管", self.now))
        return found

    def decision(self, n: int, row: dict) -> tuple:
        from service.rules.disclosure import DecisionFacts, classify

        subject_id = self._subject(row)
        authority_id = self._authority(row)
        decided = date.fromisoformat(row["处罚决定日期"])
        categories = [c for c in re.split(r"[、,，;；]", row["处罚类别"]) if c]
        fine = _money(row["罚款金额（万元）"])
        transfer = row["是否移送司法机关"] == "是"
        c = classify(DecisionFacts(decided_on=decided, categories=frozenset(categories),
                                   violation_type=row["违法行为类型"], fine_amount=fine,
                                   is_criminal_transfer=transfer,
                                   is_intentional=row["是否故意侵权"] == "是"), self.policy)
        self.history.setdefault(subject_id, []).append((decided, n, fine, transfer,
                                                        authority_id))
        published = datetime.combine(decided + timedelta(days=1), datetime.min.time(), UTC)
        person = not row["统一社会信用代码"]
        return (
            n, authority_id, row["行政处罚决定书文号"], subject_id, "published",
            row["行政相对人名称"], row["行政相对人类别"], row["统一社会信用代码"] or None,
            row["法定代表人"] or None, "身份证" if person else None,
            self.subject_rows[subject_id - 1][6], self.subject_rows[subject_id - 1][7],
            row["违法行为类型"], row["违法事实"], row["处罚依据"], json.dumps(categories,
                                                                       ensure_ascii=False),
            row["处罚内容"], fine, _money(row["没收违法所得、没收非法财物的金额（万元）"]),
            decided, row["数据来源单位"] or None, row["数据来源单位统一社会信用代码"] or None,
            row["备注"] or None, False, transfer, False, row["是否故意侵权"] == "是",
            c.severity, c.is_disclosable, c.disclosure_ends_on, c.is_repairable,
            c.repair_earliest_on, self.now, self.now, published,
        )

    def entries(self) -> tuple[list[tuple], list[tuple]]:
        """Blacklist entries by the policy's triggers (simplified), red-list nominations."""
        entries, links = [], []
        three_years = timedelta(days=3 * 365)
        for subject_id, history in self.history.items():
            history.sort()
            trigger = None
            for i, (day, decision_id, fine, transfer, authority_id) in enumerate(history):
                repeat = i > 0 and (day - history[i - 1][0]) <= timedelta(days=5 * 365)
                large = fine is not None and fine >= 100
                if repeat or large or transfer:
                    basis = ("criminal_transfer" if transfer else "large_fine" if large
                             else "repeat_infringement")
                    trigger = (day, decision_id, basis, authority_id)
            if trigger is not None:
                day, decision_id, basis, authority_id = trigger
                starts = day + timedelta(days=30)
                entry_id = len(entries) + 1
                entries.append((entry_id, "black", subject_id, "active", basis,
                                "依据严重侵权失信名单认定规则列入", authority_id, starts,
                                starts + three_years - timedelta(days=1), self.now, self.now,
                                self.now))
                links.append((entry_id, decision_id))
            elif history[-1][0] < date(2023, 6, 1) and subject_id % 7 == 0:
                entries.append((len(entries) + 1, "red", subject_id, "active", "nomination",
                                "知识产权示范企业", history[-1][4], date(2024, 1, 1), None,
                                self.now, self.now, self.now))
        return entries, links


def _iter_decisions(builder: _Builder, n: int):
    for i, row in enumerate(iter_rows(n, seed=SEED), start=1):
        yield builder.decision(i, row)
        if i % 100_000 == 0:
            print(f"  {i:,} decisions", flush=True)


def _placeholders(columns) -> str:
    return ", ".join("?" for _ in columns)


def build_sqlite(path: Path, n: int) -> None:
    from service.core.migrate import upgrade_database

    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    upgrade_database(f"sqlite:///{tmp}")
    con = sqlite3.connect(tmp, isolation_level=None)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("BEGIN")
    builder = _Builder()
    sql = (f"INSERT INTO decisions ({', '.join(_DECISION_COLUMNS)}) "
           f"VALUES ({_placeholders(_DECISION_COLUMNS)})")
    chunk = []
    for row in _iter_decisions(builder, n):
        chunk.append(_sqlite_row(row))
        if len(chunk) >= CHUNK:
            con.executemany(sql, chunk)
            chunk.clear()
    con.executemany(sql, chunk)
    _sqlite_rest(con, builder)
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.close()
    tmp.rename(path)


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)  # SQLAlchemy's Numeric on SQLite stores REAL
    return value


def _sqlite_row(row: tuple) -> tuple:
    return tuple(_sqlite_value(v) for v in row)


def _sqlite_rest(con, builder: _Builder) -> None:
    for table, columns, rows in _other_tables(builder):
        con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({_placeholders(columns)})", [_sqlite_row(r) for r in rows])


def _other_tables(builder: _Builder):
    entries, links = builder.entries()
    return (("authorities", _AUTHORITY_COLUMNS, builder.authority_rows),
            ("subjects", _SUBJECT_COLUMNS, builder.subject_rows),
            ("list_entries", _ENTRY_COLUMNS, entries),
            ("list_entry_decisions", ("list_entry_id", "decision_id"), links),
            ("data_changes", ("id", "at", "kind"), [(1, builder.now, "bench.load")]))


_COPIED_TABLES = ("authorities", "subjects", "decisions", "list_entries", "list_entry_decisions",
                  "data_changes")


def copy_sqlite_to_postgresql(source: Path, url: str) -> None:
    """Fill a migrated PostgreSQL database from the built SQLite one with COPY (same rows)."""
    import psycopg

    from service.core.migrate import upgrade_database

    upgrade_database(url)
    lite = sqlite3.connect(source)
    with psycopg.connect(url.replace("+psycopg", "")) as con, con.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")  # SQLite keeps naive UTC timestamps
        cur.execute("SET session_replication_role = replica")
        for table in _COPIED_TABLES:
            columns = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
            booleans = {r[1] for r in lite.execute(f"PRAGMA table_info({table})")
                        if r[2].upper() == "BOOLEAN"}
            flags = [i for i, c in enumerate(columns) if c in booleans]
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in lite.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                    if flags:
                        row = list(row)
                        for i in flags:
                            row[i] = None if row[i] is None else bool(row[i])
                    copy.write_row(row)
            print(f"  copied {table}", flush=True)
        for table in ("decisions", "subjects", "authorities", "list_entries", "data_changes"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        con.commit()
    lite.close()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as con:
        con.execute("VACUUM ANALYZE")


def build_postgresql(url: str, n: int) -> None:
    import psycopg

    from service.core.migrate import upgrade_database

    upgrade_database(url)
    builder = _Builder()
    with psycopg.connect(url.replace("+psycopg", "")) as con, con.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # FKs checked by construction
        with cur.copy(f"COPY decisions ({', '.join(_DECISION_COLUMNS)}) FROM STDIN") as copy:
            for row in _iter_decisions(builder, n):
                copy.write_row(row)
        for table, columns, rows in _other_tables(builder):
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        for table in ("decisions", "subjects", "authorities", "list_entries", "data_changes"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))")
        con.commit()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as con:
        con.execute("VACUUM ANALYZE")


def _upgrade(url: str) -> None:
    from service.core.migrate import upgrade_database

    upgrade_database(url)


def ensure_database(backend: str, n: int) -> str:
    """The URL of a built database with `n` decisions, building it on first use."""
    OUT.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = OUT / f"bank-{n}.sqlite3"
        if not path.exists():
            print(f"building {path} ({n:,} decisions)...", flush=True)
            started = time.perf_counter()
            build_sqlite(path, n)
            print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
        else:
            _upgrade(f"sqlite:///{path}")  # built by an older revision: migrate it
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text

    name = f"bench_bank_{n}"
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists:
            done = create_engine(url)
            with done.connect() as c:
                count = c.scalar(text("SELECT count(*) FROM decisions"))
                has_log = c.scalar(text("SELECT to_regclass('bank_queries')"))
            done.dispose()
            if count == n and has_log:
                admin.dispose()
                _upgrade(url)
                return url
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    print(f"building PostgreSQL {name} ({n:,} decisions)...", flush=True)
    started = time.perf_counter()
    built = OUT / f"bank-{n}.sqlite3"
    if built.exists():
        copy_sqlite_to_postgresql(built, url)  # the same rows, without generating them again
    else:
        build_postgresql(url, n)
    print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    return url


# --- running the server and the load --------------------------------------------------------

def _make_key(url: str, instance: Path) -> str:
    from service import create_app
    from service.accounts.keys import create_api_client
    from service.core.actors import Actor
    from service.core.db import db

    app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(instance),
                      "SEARCH_BACKEND": "null"})
    with app.app_context():
        _, key = create_api_client("基准测试银行", ["check", "report", "monitor"],
                                   actor=Actor.cli("bench"), now=datetime.now(UTC),
                                   rate_limit="100000000/minute")
        db.session.commit()
    app.extensions["db_engine"].dispose()
    return key


def _sample(url: str, count: int) -> tuple[list[str], list[str]]:
    """Codes (90% known subjects, 10% valid codes nobody holds) and names to look up."""
    from sqlalchemy import create_engine, text

    from service.register.identifiers import complete_uscc

    engine = create_engine(url)
    rnd = random.Random(SEED)
    with engine.connect() as conn:
        top = conn.scalar(text("SELECT max(id) FROM subjects"))
        ids = [rnd.randint(1, top) for _ in range(count * 3)]
        rows = conn.execute(text("SELECT uscc, name FROM subjects WHERE id IN "
                                 f"({', '.join(map(str, ids))}) AND uscc IS NOT NULL")).all()
    engine.dispose()
    codes = [r.uscc for r in rows][: int(count * 0.9)]
    codes += [complete_uscc(f"91110105MB{rnd.randint(0, 10**7 - 1):07d}")
              for _ in range(count - len(codes))]
    rnd.shuffle(codes)
    names = []
    for i, row in enumerate(rows[:count]):
        name = row.name
        if i % 3 == 1:  # another legal-form suffix, full-width brackets
            name = name.replace("有限公司", "有限责任公司").replace("(", "（")
        elif i % 3 == 2:  # without the leading city
            name = re.sub(r"^.{1,4}?市", "", name)
        names.append(name)
    return codes, names


_LUA = """
local items = {}
local i = 0
local prefix = "%(prefix)s"
local key = "%(key)s"
init = function(args)
  for line in io.lines("%(file)s") do table.insert(items, line) end
end
request = function()
  i = (i %% #items) + 1
  return wrk.format("GET", prefix .. items[i], {["Authorization"] = "Bearer " .. key})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%f %%f %%f %%f %%f\\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout, summary.duration / 1e6,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3))
end
"""


def _wrk(port: int, prefix: str, items: list[str], key: str, *, duration: int, connections: int,
         work: Path) -> dict:
    from urllib.parse import quote

    listing = work / f"items-{abs(hash(prefix))}.txt"
    listing.write_text("\n".join(quote(item, safe="") for item in items) + "\n")
    script = work / f"script-{abs(hash(prefix))}.lua"
    script.write_text(_LUA % {"prefix": prefix, "key": key, "file": listing})
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s",
         str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, bad_status, socket_errors, seconds, p50, p95, p99, worst = line.split()[1:]
    return {"requests": int(requests), "non_2xx": int(bad_status),
            "socket_errors": int(socket_errors), "rps": round(int(requests) / float(seconds), 1),
            "p50_ms": round(float(p50), 2), "p95_ms": round(float(p95), 2),
            "p99_ms": round(float(p99), 2), "max_ms": round(float(worst), 2)}


def _cpu_per_request(port: int, prefix: str, items: list[str], key: str, n: int) -> dict:
    """Median and p95 CPU milliseconds the app spends on one request (sequential requests)."""
    from urllib.parse import quote

    spent = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for item in (items * (n // len(items) + 1))[:n]:
        conn.request("GET", prefix + quote(item, safe=""),
                     headers={"Authorization": f"Bearer {key}"})
        response = conn.getresponse()
        response.read()
        spent.append(float(response.getheader("X-Bench-CPU-ms")))
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    spent.sort()
    return {"requests": n, "cpu_median_ms": round(statistics.median(spent), 3),
            "cpu_p95_ms": round(spent[int(0.95 * (n - 1))], 3)}


def _batch_times(port: int, codes: list[str], key: str, rounds: int) -> dict:
    server, wall, cpu = [], [], []
    rnd = random.Random(SEED)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(rounds):
        body = json.dumps({"codes": rnd.sample(codes, 1000)})
        started = time.perf_counter()
        conn.request("POST", "/api/v1/checks/batch", body=body,
                     headers={"Authorization": f"Bearer {key}",
                              "Content-Type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        wall.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"batch answered {response.status}: {payload[:300]!r}")
        timing = response.getheader("Server-Timing", "")
        server.append(float(re.search(r"dur=([\d.]+)", timing).group(1)))
        cpu.append(float(response.getheader("X-Bench-CPU-ms")))
    conn.close()
    server.sort()
    return {"rounds": rounds, "server_median_ms": round(statistics.median(server), 1),
            "server_p95_ms": round(server[int(0.95 * (len(server) - 1))], 1),
            "server_max_ms": round(server[-1], 1),
            "client_median_ms": round(statistics.median(wall), 1),
            "cpu_median_ms": round(statistics.median(cpu), 1)}


def _serve(url: str, port: int, instance: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "INSTANCE_DIR": str(instance),
           "SEARCH_BACKEND": "null", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "bench.bank:bench_app()"],
        cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/bench/ok")
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def run_backend(backend: str, args) -> dict:
    url = ensure_database(backend, args.decisions)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        key = _make_key(url, work)
        codes, names = _sample(url, 5000)
        port = 18_000 + (1 if backend == "sqlite" else 2)
        # The other backend's run leaves dirty pages behind; flushed meanwhile, they made
        # PostgreSQL's commit fsyncs stall (single-check p99 ~190 ms instead of ~6 ms).
        os.sync()
        time.sleep(2)
        server = _serve(url, port, work)
        try:
            common = {"duration": args.duration, "connections": args.connections, "work": work}
            warm = {**common, "duration": 3}
            _wrk(port, "/bench/ok?", ["x"], key, **warm)
            _wrk(port, "/api/v1/subjects/", codes, key, **warm)
            _wrk(port, "/api/v1/lookup?name=", names, key, **warm)
            result = {
                "backend": backend, "decisions": args.decisions,
                "bare": _wrk(port, "/bench/ok?", ["x"], key, **common),
                "single": _wrk(port, "/api/v1/subjects/", codes, key, **common),
                "lookup": _wrk(port, "/api/v1/lookup?name=", names, key, **common),
                "batch": _batch_times(port, codes, key, args.batch_rounds),
                "cpu": {"bare": _cpu_per_request(port, "/bench/ok?", ["x"], key, 300),
                        "single": _cpu_per_request(port, "/api/v1/subjects/", codes, key, 300),
                        "lookup": _cpu_per_request(port, "/api/v1/lookup?name=", names, key,
                                                   150)},
            }
            if args.floor:
                _wrk(port, "/bench/floor/", codes, key, **warm)
                result["floor_read"] = _wrk(port, "/bench/floor-read/", codes, key, **common)
                result["floor"] = _wrk(port, "/bench/floor/", codes, key, **common)
                _wrk(port, "/bench/floor-one/", codes, key, **warm)
                result["floor_one"] = _wrk(port, "/bench/floor-one/", codes, key, **common)
                result["bare_again"] = _wrk(port, "/bench/ok?", ["x"], key, **common)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
    if args.floor:
        bare = (result["bare"]["rps"] + result["bare_again"]["rps"]) / 2
        result["floor_ratio"] = round(result["floor"]["rps"] / bare, 3)
        result["floor_read_ratio"] = round(result["floor_read"]["rps"] / bare, 3)
        result["floor_one_ratio"] = round(result["floor_one"]["rps"] / bare, 3)
    result["ratio"] = round(result["single"]["rps"] / max(result["bare"]["rps"], 0.001), 3)
    cpu = result["cpu"]
    result["cpu_ratio"] = round(cpu["bare"]["cpu_median_ms"] / cpu["single"]["cpu_median_ms"], 3)
    return result


def _report(result: dict) -> None:
    b, s, lk, bt = result["bare"], result["single"], result["lookup"], result["batch"]
    print(f"\n== {result['backend']} ({result['decisions']:,} decisions) ==")
    print(f"bare /bench/ok      {b['rps']:>8} req/s  p99 {b['p99_ms']} ms")
    print(f"single check        {s['rps']:>8} req/s  p99 {s['p99_ms']} ms  "
          f"(ratio {result['ratio']}, target >= 0.5; p99 target <= 10 ms; "
          f"non-2xx {s['non_2xx']})")
    print(f"name lookup         {lk['rps']:>8} req/s  p95 {lk['p95_ms']} ms (target <= 50 ms)")
    print(f"batch of 1,000      server median {bt['server_median_ms']} ms, "
          f"p95 {bt['server_p95_ms']} ms (target <= 150 ms); client {bt['client_median_ms']} ms, "
          f"app CPU {bt['cpu_median_ms']} ms")
    if "floor" in result:
        print(f"floor: read + log row + commit {result['floor']['rps']:>8} req/s "
              f"(ratio {result['floor_ratio']}), read alone {result['floor_read']['rps']} req/s "
              f"(ratio {result['floor_read_ratio']}), both in one autocommitted statement "
              f"{result['floor_one']['rps']} req/s (ratio {result['floor_one_ratio']}); "
              f"bare again {result['bare_again']['rps']}")
    cpu = result["cpu"]
    print(f"app CPU per request (median / p95, ms): bare {cpu['bare']['cpu_median_ms']} / "
          f"{cpu['bare']['cpu_p95_ms']}, single {cpu['single']['cpu_median_ms']} / "
          f"{cpu['single']['cpu_p95_ms']}, lookup {cpu['lookup']['cpu_median_ms']} / "
          f"{cpu['lookup']['cpu_p95_ms']}; CPU ratio bare/single {result['cpu_ratio']}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=2,
                        help="wrk connections (default: one per gunicorn worker)")
    parser.add_argument("--batch-rounds", type=int, default=20)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--floor", action="store_true",
                        help="also measure the least an audited check must do (/bench/floor)")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    if not args.build_only and shutil.which("wrk") is None:
        sys.exit("bench/bank.py needs wrk: apt-get install wrk")
    if args.build_only:
        for backend in backends:
            print(ensure_database(backend, args.decisions))
        return
    results = [run_backend(backend, args) for backend in backends]
    for result in results:
        _report(result)
    out = OUT / "bank-results.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nresults in {out}")


if __name__ == "__main__":
    main()
