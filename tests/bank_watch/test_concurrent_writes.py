"""On a real threaded server over SQLite, concurrent writing requests wait their turn.

Reports, watch lists and webhooks read before they write; in a deferred SQLite
transaction another writer in between made them fail with "database is locked"
(SQLITE_BUSY_SNAPSHOT), a 500. They take the write lock at BEGIN instead.
"""

from __future__ import annotations

import http.client
import json
import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from service.accounts.keys import create_api_client
from service.bank_api.report_models import CreditReport
from service.core.actors import Actor
from service.core.db import db
from tests.factories import make_decision, make_subject


def test_concurrent_reports_watch_lists_and_webhooks_never_fail(live_server):
    app = live_server.app
    app.config["BANK_WEBHOOK_ALLOW_HTTP"] = True
    with app.app_context():
        subjects = [make_subject() for _ in range(4)]
        for subject in subjects:
            make_decision(subject)
        _, key = create_api_client("并发写入银行", ["check", "monitor", "report"],
                                   actor=Actor.cli(), now=datetime.now(UTC),
                                   rate_limit="100000/minute")
        db.session.commit()
        codes = [s.uscc for s in subjects]
        reports_before = db.session.scalar(select(func.count()).select_from(CreditReport))
    requests = {
        "report": lambda n: ("POST", "/api/v1/reports", {"uscc": codes[n % 4]}),
        "watch": lambda n: ("PUT", "/api/v1/watchlist", {"codes": codes[: n % 4 + 1]}),
        "unwatch": lambda n: ("DELETE", "/api/v1/watchlist", {"codes": codes[n % 4:]}),
        "hook": lambda n: ("PUT", "/api/v1/webhook", {"url": f"http://127.0.0.1:9/h{n}"}),
        "batch": lambda n: ("POST", "/api/v1/checks/batch", {"codes": codes}),
    }
    answers, lock = [], threading.Lock()

    def send(kind: str, rounds: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=60)
        for n in range(rounds):
            method, path, body = requests[kind](n)
            connection.request(method, path, body=json.dumps(body),
                               headers={"Authorization": f"Bearer {key}",
                                        "Content-Type": "application/json"})
            response = connection.getresponse()
            text = response.read()
            with lock:
                answers.append((kind, response.status, text[:200]))
        connection.close()

    threads = [threading.Thread(target=send, args=(kind, 12))
               for kind in requests for _copy in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    failed = [a for a in answers if a[1] >= 500]
    assert not failed, failed[:5]
    assert len(answers) == len(threads) * 12
    assert {status for kind, status, _ in answers if kind == "report"} == {201}
    with app.app_context():
        made = db.session.scalar(select(func.count()).select_from(CreditReport))
        assert made - reports_before == 2 * 12
