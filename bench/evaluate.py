"""Time `evaluate_all` on a synthetic register (not a test).

    .venv/bin/python bench/evaluate.py --subjects 5000                # SQLite file in /tmp
    .venv/bin/python bench/evaluate.py --subjects 5000 --postgresql   # a scratch PG database

Builds a fresh migrated database, bulk-loads subjects with 0-4 decisions each
(some repeats, large fines, criminal transfers), a few listings and red-list
entries, then runs evaluate_all twice: the first run reclassifies and proposes,
the second must change nothing. Prints subjects per second and the time 300,000
subjects would take at that rate.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service import create_app
from service.core.actors import Actor
from service.core.db import db
from service.core.migrate import upgrade_database
from service.lists.models import ListEntry, list_entry_decisions
from service.lists.operations import evaluate_all
from service.register.identifiers import complete_uscc
from service.register.models import Authority, Decision, Subject
from service.rules.disclosure import DecisionFacts, classify
from service.rules.policy import default_policy

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TODAY = date(2026, 7, 1)
TYPES = ["侵犯注册商标专用权", "侵犯著作权", "假冒专利", "制售假冒伪劣商品", "侵犯商业秘密"]


def synthetic_rows(n_subjects: int, seed: int = 7):
    """Subjects, decisions and entries as plain dicts for bulk inserts."""
    rng = random.Random(seed)
    policy = default_policy()
    subjects, decisions, entries, links = [], [], [], []
    decision_id = entry_id = 0
    for sid in range(1, n_subjects + 1):
        code = complete_uscc(f"91110105{sid:09d}")
        subjects.append({"id": sid, "kind": "法人及非法人组织", "name": f"北京测试{sid}有限公司",
                         "name_key": f"北京测试{sid}有限公司",
                         "name_body": f"测试{sid}有限公司", "uscc": code,
                         "region_code": "110105"})
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3, 4])):
            decision_id += 1
            decided = TODAY - timedelta(days=rng.randint(0, 6 * 365))
            fine = Decimal(rng.choice(["2", "5.5", "20", "150"] if rng.random() < 0.05
                                      else ["0.5", "2", "5.5", "20"]))
            facts = DecisionFacts(decided_on=decided, categories=frozenset({"罚款"}),
                                  violation_type=rng.choice(TYPES), fine_amount=fine,
                                  is_criminal_transfer=rng.random() < 0.01)
            c = classify(facts, policy)
            decisions.append({
                "id": decision_id, "authority_id": 1 + sid % 20,
                "number": f"京市监罚〔{decision_id}〕号",
                "subject_id": sid, "status": "published", "party_name": f"北京测试{sid}有限公司",
                "party_kind": "法人及非法人组织", "violation_type": facts.violation_type,
                "facts": "销售侵权商品", "legal_basis": "《商标法》第六十条",
                "penalty_categories": ["罚款"], "penalty_content": "罚款", "fine_amount": fine,
                "decided_on": decided, "is_criminal_transfer": facts.is_criminal_transfer,
                "severity": c.severity, "is_disclosable": c.is_disclosable,
                "disclosure_ends_on": c.disclosure_ends_on, "is_repairable": c.is_repairable,
                "repair_earliest_on": c.repair_earliest_on,
                "published_at": datetime.combine(decided, datetime.min.time(), UTC),
            })
            if rng.random() < 0.03:  # an official listed some of them earlier
                entry_id += 1
                start = decided + timedelta(days=30)
                entries.append({"id": entry_id, "list_kind": "black", "subject_id": sid,
                                "status": "active", "basis": "manual", "basis_text": "基准",
                                "starts_on": start,
                                "scheduled_end_on": policy.blacklist.duration.last_day_from(start)})
                links.append({"list_entry_id": entry_id, "decision_id": decision_id})
        if rng.random() < 0.01:
            entry_id += 1
            entries.append({"id": entry_id, "list_kind": "red", "subject_id": sid,
                            "status": "active", "basis": "nomination", "basis_text": "示范企业",
                            "starts_on": date(2023, 1, 1)})
    return subjects, decisions, entries, links


def load(n_subjects: int) -> tuple[int, int]:
    subjects, decisions, entries, links = synthetic_rows(n_subjects)
    db.session.execute(insert(Authority), [{"id": i, "name": f"测试市场监管局{i}"}
                                           for i in range(1, 21)])
    for table, rows in ((Subject, subjects), (Decision, decisions), (ListEntry, entries)):
        for start in range(0, len(rows), 5000):
            db.session.execute(insert(table), rows[start:start + 5000])
    if links:
        db.session.execute(insert(list_entry_decisions), links)
    if db.is_postgresql:  # rows were inserted with their ids: move the sequences past them
        for table in ("authorities", "subjects", "decisions", "list_entries"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT coalesce(max(id), 1) FROM {table}))"))
    db.session.commit()
    return len(decisions), len(entries)


def timed_run(label: str, n_subjects: int) -> float:
    started = time.perf_counter()
    summary = evaluate_all(actor=Actor.cli("bench"), now=datetime.now(UTC), today=TODAY,
                           checkpoint=db.session.commit)
    db.session.commit()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f}s, {n_subjects / seconds:,.0f} subjects/s, "
          f"300,000 subjects ≈ {300_000 / (n_subjects / seconds) / 60:.1f} min; "
          f"proposed {summary.proposed}, extended {summary.extended}, ended {summary.ended}, "
          f"expired {summary.expired}, reclassified {summary.reclassified}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=3000)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.subjects <= 200_000:
        parser.error("--subjects must be between 1 and 200000")
    workdir = Path(tempfile.mkdtemp(prefix="bench-evaluate-"))
    admin, name = None, f"bench_{uuid.uuid4().hex[:10]}"
    if args.postgresql:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    try:
        upgrade_database(url)
        app = create_app({"DATABASE_URL": url, "INSTANCE_DIR": str(workdir),
                          "INDEX_DIR": str(workdir / "index"), "SECRET_KEY": "bench-" * 4})
        with app.app_context():
            n_decisions, n_entries = load(args.subjects)
            print(f"{url.split(':')[0]}: {args.subjects} subjects, {n_decisions} decisions, "
                  f"{n_entries} entries")
            timed_run("first run ", args.subjects)
            timed_run("second run", args.subjects)
            db.session.remove()
        app.extensions["db_engine"].dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
