"""On a real server (no outer test transaction), concurrent checks all answer and all log."""

import http.client
import json
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select

from service.accounts.keys import create_api_client
from service.bank_api.models import BankQuery, BatchAnswer
from service.core.actors import Actor
from service.core.db import db
from tests.conftest import LiveServer, fresh_database, make_test_app
from tests.factories import make_decision, make_subject


@pytest.fixture(scope="module")
def server(backend, tmp_path_factory):
    """A real server on its own committed database, of each backend."""
    directory = tmp_path_factory.mktemp(f"live-{backend}")
    with fresh_database(backend, directory) as url:
        app = make_test_app(url, directory)
        server = LiveServer(app).start()
        yield server
        server.stop()
        app.extensions["db_engine"].dispose()


def _seed(app) -> tuple[str, str]:
    """A subject with a decision and a key that no rate limit stops: (uscc, key)."""
    with app.app_context():
        subject = make_subject()
        make_decision(subject)
        _, key = create_api_client("并发测试银行", ["check"], actor=Actor.cli(),
                                   now=datetime.now(UTC), rate_limit="100000/minute")
        db.session.commit()
        return subject.uscc, key


def test_concurrent_checks_on_sqlite_all_answer_and_are_logged(live_server):
    app = live_server.app
    code, key = _seed(app)
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


def test_concurrent_keyed_batches_all_answer_and_one_key_is_answered_once(server):
    code, key = _seed(server.app)
    results, lock = [], threading.Lock()
    start = threading.Barrier(4)

    def ask(thread: int, n: int):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        start.wait()
        for i in range(n):
            idempotency_key = "same-order" if i == 0 else f"order-{thread}-{i}"
            connection.request("POST", "/api/v1/checks/batch",
                               body=json.dumps({"codes": [code, "123"]}),
                               headers={"Authorization": f"Bearer {key}",
                                        "Content-Type": "application/json",
                                        "Idempotency-Key": idempotency_key})
            response = connection.getresponse()
            body = response.read()
            with lock:
                results.append((idempotency_key, response.status,
                                response.getheader("Idempotent-Replayed"), body))
        connection.close()

    threads = [threading.Thread(target=ask, args=(t, 12)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for _, status, _, _ in results] == [200] * 48
    shared = [(replayed, body) for k, _, replayed, body in results if k == "same-order"]
    assert len({body for _, body in shared}) == 1
    assert sorted(replayed or "" for replayed, _ in shared) == ["", "true", "true", "true"]
    with server.app.app_context():
        logged = db.session.scalar(select(func.count(BankQuery.id))
                                   .where(BankQuery.query == code))
        kept = db.session.scalar(select(func.count(BatchAnswer.id)))
    assert (logged, kept) == (48, 1 + 4 * 11)


def test_a_check_reads_one_snapshot(server, backend):
    """Every read of a check sees one moment: REPEATABLE READ on PostgreSQL (SQLite's
    read transaction is one snapshot already), for the single, batch and name checks."""
    app = server.app
    code, key = _seed(app)
    seen = []

    def isolation(conn):  # each transaction the server's request threads begin
        if "process_request" in threading.current_thread().name:
            seen.append(conn.get_isolation_level() if backend == "postgresql" else "sqlite")

    engine = app.extensions["db_engine"]
    event.listen(engine, "begin", isolation)
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for method, path, body in (("GET", f"/api/v1/subjects/{code}", None),
                                   ("POST", "/api/v1/checks/batch", json.dumps({"codes": [code]})),
                                   ("GET", "/api/v1/lookup?name=%E6%98%9F%E8%BE%B0", None)):
            connection.request(method, path, body=body, headers={
                "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            assert response.status == 200
        connection.close()
    finally:
        event.remove(engine, "begin", isolation)
    expected = "REPEATABLE READ" if backend == "postgresql" else "sqlite"
    assert seen == [expected] * 3
