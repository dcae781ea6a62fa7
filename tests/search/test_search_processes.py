"""Searches served by several gunicorn workers while another process imports decisions.

A real deployment: `gunicorn --workers 2 wsgi:app` on one SQLite file and one
index directory, and `python -m service register import FILE` run beside it
(the CLI applies its outbox rows to the index when the command ends). Every
search must answer 200 throughout, and the workers must see the new decisions
as soon as the import has written them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from service.core import clock
from service.core.db import db
from service.search.interface import get_search
from tests.conftest import (
    TEST_SECRET,
    UNLIMITED_PUBLIC,
    _free_port,
    fresh_database,
    make_test_app,
)
from tests.factories import make_authority, make_decision, make_subject
from tests.search.conftest import close_app, write_import_file

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
SEEDED, IMPORTED = 5, 12
OLD_QUERY, NEW_QUERY = "多进程既有测试", "多进程导入测试"


@pytest.fixture
def deployment(tmp_path):
    """A migrated SQLite file and the environment the server and the CLI run with."""
    with fresh_database("sqlite", tmp_path) as url:
        yield {**os.environ, "DATABASE_URL": url, "INDEX_DIR": str(tmp_path / "index"),
               "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": TEST_SECRET, **UNLIMITED_PUBLIC}


def _seed(env: dict, directory: Path) -> None:
    app = make_test_app(env["DATABASE_URL"], directory, INDEX_DIR=env["INDEX_DIR"])
    with app.app_context():
        authority = make_authority("天津市北辰区市场监督管理局", region_code="120113")
        for i in range(SEEDED):
            make_decision(make_subject(f"天津{OLD_QUERY}{i}有限公司"), authority,
                          decided_on=clock.today() - timedelta(days=i + 1))
        db.session.commit()
        get_search().reindex()
    close_app(app)


@pytest.fixture
def server(deployment, tmp_path):
    """(base URL, access log) of `gunicorn --workers 2` on the seeded deployment.

    The access log names the worker (its pid) that answered each request.
    """
    port, access = _free_port(), tmp_path / "access.log"
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
        [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket",
         "--access-logfile", str(access), "--access-logformat", "%(p)s %(U)s %(s)s", "wsgi:app"],
        cwd=ROOT, env=deployment, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _seed(deployment, tmp_path)  # while the workers boot
        deadline = time.monotonic() + 20
        while _search(base, OLD_QUERY) != (200, SEEDED):
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        with ThreadPoolExecutor(4) as pool:  # until both have answered: one may still be booting
            while len(_workers(access)) < 2:
                assert time.monotonic() < deadline + 30, "the second gunicorn worker never answered"
                list(pool.map(lambda _: _search(base, OLD_QUERY), range(8)))
                time.sleep(0.1)  # the access log is written after the answer
        yield base, access
    finally:
        process.terminate()
        process.wait(10)
        log.close()


def _search(base: str, query: str) -> tuple[int, int | None]:
    """(status, data-total) of one search on a new connection (any worker may take it)."""
    try:
        url = f"{base}/search?q={quote(query)}"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (http://127.0.0.1)
            html = response.read().decode()
            return response.status, int(re.search(r'data-total="(\d+)"', html).group(1))
    except urllib.error.HTTPError as exc:
        return exc.code, None
    except OSError:
        return 0, None


def _workers(access: Path, start: int = 0) -> set[str]:
    """The pids of the workers that answered /search, from line `start` of the access log."""
    lines = access.read_text().splitlines()[start:]
    return {line.split()[0] for line in lines if " /search " in line}


def test_workers_keep_answering_while_another_process_imports(server, deployment, tmp_path):
    base, access = server
    booted = len(access.read_text().splitlines())  # the fixture's warm-up answers come before
    path = tmp_path / "decisions.csv"
    write_import_file(path, clock.today(), NEW_QUERY, IMPORTED)
    answers: list[tuple[str, int, int | None]] = []
    stop = threading.Event()

    def keep_searching():
        while not stop.is_set():
            for query in (OLD_QUERY, NEW_QUERY):
                answers.append((query, *_search(base, query)))
            time.sleep(0.03)  # leave the importer some CPU

    searchers = [threading.Thread(target=keep_searching) for _ in range(2)]
    for thread in searchers:
        thread.start()
    try:
        time.sleep(0.3)
        started = time.monotonic()
        imported = subprocess.run(  # noqa: S603 (our own CLI)
            [sys.executable, "-m", "service", "register", "import", str(path)],
            cwd=ROOT, env=deployment, capture_output=True, text=True, timeout=60)
        assert imported.returncode == 0, imported.stderr
        assert f"{IMPORTED} created" in imported.stdout
        done = time.monotonic()
        while (NEW_QUERY, 200, IMPORTED) not in answers[-4:]:
            assert time.monotonic() - done < 5, "the imported decisions were not found in 5 s"
            time.sleep(0.02)
        latency = time.monotonic() - done
    finally:
        stop.set()
        for thread in searchers:
            thread.join(15)
    during = _workers(access, booted)
    offset = len(access.read_text().splitlines())
    with ThreadPoolExecutor(4) as pool:  # concurrent, so that both workers take some
        after = list(pool.map(lambda _: _search(base, NEW_QUERY), range(24)))

    print(f"\n{len(answers)} searches on 2 workers; the import took {done - started:.1f} s, "
          f"its decisions were found {latency * 1000:.0f} ms after it ended")
    assert [a for a in answers if a[1] != 200] == []
    assert {a[2] for a in answers if a[0] == OLD_QUERY} == {SEEDED}
    assert {a[2] for a in answers if a[0] == NEW_QUERY} == {0, IMPORTED}  # before and after
    assert len(during) == 2
    assert after == [(200, IMPORTED)] * 24
    assert len(_workers(access, offset)) == 2  # both workers see the other process's writes
