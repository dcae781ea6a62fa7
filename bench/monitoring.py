"""Time bank monitoring on a synthetic register (not a test).

    .venv/bin/python bench/monitoring.py --subjects 20000                # SQLite file in /tmp
    .venv/bin/python bench/monitoring.py --subjects 20000 --postgresql   # a scratch PG database

Loads the register of bench/evaluate.py twice (fresh databases) and measures:
- the cost of the commit hook: `evaluate_all` with status-change recording off, then on;
- `bank changes baseline` (every subject's standing; the same work as `scan --all`);
- the daily `bank changes scan` (subjects whose dates fall in the last week);
- the changes feed: GET /api/v1/changes?limit=100 for a client watching 1,000 codes,
  p50/p95 through the WSGI app (no network);
- queueing and delivering webhook messages to a local HTTP receiver.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.evaluate import PG_ADMIN, TODAY, load
from service import create_app
from service.accounts.keys import create_api_client
from service.bank_api.monitoring import baseline_states, scan_status_changes
from service.bank_api.watch_models import StatusChange
from service.bank_api.watchlist import add_watches
from service.bank_api.webhooks import deliver_webhooks, set_webhook
from service.core.actors import Actor
from service.core.db import db
from service.core.migrate import upgrade_database
from service.lists.operations import evaluate_all
from service.register.models import Subject

ACTOR = Actor.cli("bench")


class Database:
    """A fresh migrated database (SQLite file or scratch PostgreSQL), dropped afterwards."""

    def __init__(self, postgresql: bool, workdir: Path) -> None:
        self.admin = self.name = None
        if postgresql:
            self.name = f"bench_{uuid.uuid4().hex[:10]}"
            self.admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
            self.url = PG_ADMIN.rsplit("/", 1)[0] + "/" + self.name
        else:
            self.url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"
        upgrade_database(self.url)

    def drop(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


def make_app(url: str, workdir: Path):
    return create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(workdir), "TESTING": True,
                       "INDEX_DIR": str(workdir / "index"), "SECRET_KEY": "bench-" * 4,
                       "BANK_API_RATE_LIMIT": "1000000/minute"})


def evaluate(app, n: int, label: str) -> float:
    with app.app_context():
        load(n)
        started = time.perf_counter()
        evaluate_all(actor=ACTOR, now=datetime.now(UTC), today=TODAY,
                     checkpoint=db.session.commit)
        db.session.commit()
        seconds = time.perf_counter() - started
        changes = db.session.scalar(select(StatusChange.id).order_by(StatusChange.id.desc())
                                    .limit(1)) or 0
        print(f"evaluate_all, {label}: {seconds:.2f}s ({n / seconds:,.0f} subjects/s), "
              f"{changes} status changes recorded")
        return seconds


def feed_latency(app, n: int) -> None:
    rng = random.Random(3)
    with app.app_context():
        client, key = create_api_client("基准银行", ["monitor"], actor=ACTOR,
                                        now=datetime.now(UTC), rate_limit="1000000/minute")
        codes = list(db.session.scalars(select(Subject.uscc).order_by(Subject.id)
                                        .limit(min(n, 1000))))
        add_watches(client.id, codes, actor=ACTOR, now=datetime.now(UTC))
        db.session.commit()
        # Changes recorded after the watches began: a scan --all as of a later day.
        started = time.perf_counter()
        recorded = scan_status_changes(today=TODAY.replace(year=TODAY.year + 1),
                                       now=datetime.now(UTC), every_subject=True)
        db.session.commit()
        print(f"scan --all a year later: {time.perf_counter() - started:.2f}s, "
              f"{recorded} changes")
        top = db.session.scalar(select(StatusChange.id).order_by(StatusChange.id.desc())
                                .limit(1)) or 0
        client_id = client.id
    web = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    times, items = [], 0
    for _ in range(200):
        cursor = rng.randint(0, top)
        started = time.perf_counter()
        response = web.get(f"/api/v1/changes?cursor={cursor}&limit=100", headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
        items += len(response.get_json()["items"])
    times.sort()
    print(f"GET /api/v1/changes (1,000 watched codes, limit 100): p50 "
          f"{statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms, "
          f"{items / len(times):.0f} changes per answer on average")
    deliver(app, client_id)


def deliver(app, client_id: int) -> None:
    from tests.bank_watch.receiver import Receiver

    with Receiver() as receiver, app.app_context():
        webhook, _ = set_webhook(client_id, receiver.url, actor=ACTOR, now=datetime.now(UTC))
        webhook.cursor = 0  # send every change of the watched codes
        db.session.commit()
        started = time.perf_counter()
        outcome = deliver_webhooks(clock=lambda: datetime.now(UTC), commit=db.session.commit)
        seconds = time.perf_counter() - started
        print(f"deliver-webhooks: {outcome} in {seconds:.2f}s "
              f"({len(receiver.requests)} HTTP POSTs to a local receiver)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20000)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.subjects <= 200_000:
        parser.error("--subjects must be between 1 and 200000")
    workdir = Path(tempfile.mkdtemp(prefix="bench-monitoring-"))
    kind = "postgresql" if args.postgresql else "sqlite"
    print(f"{kind}: {args.subjects} subjects")
    first = Database(args.postgresql, workdir)
    second = Database(args.postgresql, workdir)
    try:
        off = make_app(first.url, workdir)
        off.extensions["bank_monitoring"] = False
        plain = evaluate(off, args.subjects, "status changes off")
        on = make_app(second.url, workdir)
        hooked = evaluate(on, args.subjects, "status changes on ")
        print(f"commit hook overhead on evaluate_all: {(hooked / plain - 1) * 100:+.0f}%")
        with off.app_context():
            started = time.perf_counter()
            count = baseline_states(today=TODAY, now=datetime.now(UTC))
            db.session.commit()
            seconds = time.perf_counter() - started
            print(f"baseline (= scan --all): {seconds:.2f}s, {args.subjects / seconds:,.0f} "
                  f"subjects/s, {count} standings; 300,000 subjects ≈ "
                  f"{300_000 / (args.subjects / seconds):.0f}s")
            started = time.perf_counter()
            count = scan_status_changes(today=TODAY, now=datetime.now(UTC))
            db.session.commit()
            print(f"daily scan (last 7 days of dates): {time.perf_counter() - started:.2f}s, "
                  f"{count} changes")
            db.session.remove()
        feed_latency(on, args.subjects)
        for app in (off, on):
            app.extensions["db_engine"].dispose()
    finally:
        first.drop()
        second.drop()


if __name__ == "__main__":
    main()
