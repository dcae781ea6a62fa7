"""On a real server (no outer test transaction), concurrent checks all answer and all log."""

import http.client
import json
import threading
from datetime import UTC, datetime

from sqlalchemy import func, select

from service.accounts.keys import create_api_client
from service.bank_api.models import BankQuery
from service.core.actors import Actor
from service.core.db import db
from tests.factories import make_decision, make_subject


def test_concurrent_checks_on_sqlite_all_answer_and_are_logged(live_server):
    app = live_server.app
    with app.app_context():
        subject = make_subject()
        make_decision(subject)
        _, key = create_api_client("并发测试银行", ["check"], actor=Actor.cli(),
                                   now=datetime.now(UTC), rate_limit="100000/minute")
        db.session.commit()
        code = subject.uscc
    statuses, lock = [], threading.Lock()

    def ask(n):
        connection = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=30)
        for _ in range(n):
            connection.request("GET", f"/api/v1/subjects/{code}",
                               headers={"Authorization": f"Bearer {key}"})
            response = connection.getresponse()
            body = json.loads(response.read())
            with lock:
                statuses.append((response.status, body["status"]))
        connection.close()

    threads = [threading.Thread(target=ask, args=(15,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [(200, "disclosed_penalties")] * 60
    with app.app_context():
        logged = db.session.scalar(select(func.count(BankQuery.id))
                                   .where(BankQuery.query == code))
    assert logged == 60
