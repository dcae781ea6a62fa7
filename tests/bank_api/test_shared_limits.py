"""With REDIS_URL set, the gunicorn workers share each client's rate-limit budget.

A real deployment: `gunicorn --workers 2 wsgi:app` on each backend, Redis at
127.0.0.1:6379 (database 14 or 15, emptied first). Each request opens a new connection,
so either worker may answer; the access log names the worker (its pid).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from service.accounts.keys import create_api_client
from service.core.actors import Actor
from service.core.db import db
from tests.conftest import TEST_SECRET, _free_port, fresh_database, make_test_app

redis = pytest.importorskip("redis")

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
REDIS_DATABASES = {"sqlite": 14, "postgresql": 15}  # the two may run at once (pytest -n)
LIMIT = 5


@pytest.fixture
def redis_url(backend):
    return f"redis://127.0.0.1:6379/{REDIS_DATABASES[backend]}"


@pytest.fixture
def redis_db(redis_url):
    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def server(backend, tmp_path, redis_url, redis_db):
    """(base URL, key, access log) of gunicorn --workers 2 sharing limits through Redis."""
    with fresh_database(backend, tmp_path) as url:
        app = make_test_app(url, tmp_path)
        with app.app_context():
            _, key = create_api_client(f"共享限额银行{uuid.uuid4().hex[:4]}", ["check"],
                                       actor=Actor.cli("test"), now=datetime.now(UTC),
                                       rate_limit=f"{LIMIT}/minute")
            db.session.commit()
        app.extensions["db_engine"].dispose()
        port, access = _free_port(), tmp_path / "access.log"
        env = {**os.environ, "DATABASE_URL": url, "INSTANCE_DIR": str(tmp_path),
               "SECRET_KEY": TEST_SECRET, "REDIS_URL": redis_url, "SEARCH_BACKEND": "null"}
        log = (tmp_path / "gunicorn.log").open("w")
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--no-control-socket", "--access-logfile", str(access),
             "--access-logformat", "%(p)s %(U)s %(s)s", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while _get(f"{base}/api/v1/openapi.json")[0] != 200:
                assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)
            _wait_for_both_workers(base, access, deadline=time.monotonic() + 30)
            yield base, key, access
        finally:
            process.terminate()
            process.wait(10)
            log.close()


def _workers_seen(access: Path, path: str) -> set[str]:
    return {line.split()[0] for line in access.read_text().splitlines() if f" {path} " in line}


def _wait_for_both_workers(base: str, access: Path, deadline: float) -> None:
    """Until each worker has answered once: the second may still be importing the app
    when the first answers (seen on a loaded CI machine), and would then take none of
    the test's requests."""
    with ThreadPoolExecutor(8) as pool:
        while len(_workers_seen(access, "/api/v1/openapi.json")) < 2:
            assert time.monotonic() < deadline, "the second gunicorn worker never answered"
            list(pool.map(lambda _: _get(f"{base}/api/v1/openapi.json"), range(16)))
            time.sleep(0.1)  # the access log is written after the answer


def _get(url: str, key: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"X-API-Key": key} if key else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)
    except OSError:
        return 0, {}


def test_two_workers_count_one_budget_in_redis(server, redis_db):
    base, key, access = server
    with ThreadPoolExecutor(16) as pool:  # concurrent, so that both workers take requests
        answers = list(pool.map(lambda _: _get(f"{base}/api/v1/me", key), range(200)))
    passed = [headers for status, headers in answers if status == 200]
    assert len(passed) == LIMIT
    assert sorted(h["RateLimit-Remaining"] for h in passed) == [str(n) for n in range(LIMIT)]
    assert {status for status, _ in answers} == {200, 429}
    assert any(b"bank_api" in k for k in redis_db.keys("*"))  # the counter lives in Redis
    time.sleep(0.3)  # the access log is written after the answer
    workers = _workers_seen(access, "/api/v1/me")
    assert len(workers) == 2, "both workers answered (else the test proves nothing)"
