"""gunicorn's access log (as `make run` and production write it) masks ID card numbers a
visitor typed into the public search box: in the request line and in the referer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from service.core.serving import redact_url
from tests.conftest import TEST_SECRET, _free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
ID_NUMBER = "11010519491231002X"  # a valid 居民身份证号码 (check character X)


def _get(url: str, headers: dict | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (loopback)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_the_access_log_masks_id_numbers_typed_into_the_search_box(tmp_path):
    port, access = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
           "INSTANCE_DIR": str(tmp_path), "INDEX_DIR": str(tmp_path / "index"),
           "SECRET_KEY": TEST_SECRET, "SEARCH_BACKEND": "null"}
    subprocess.run([sys.executable, "-m", "service", "setup"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)
    with (tmp_path / "gunicorn.log").open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (our own gunicorn, as `make run` starts it)
            [str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--no-control-socket", "--access-logfile", str(access), "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while _get(f"{base}/") == 0:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)
        _get(f"{base}/search?q={ID_NUMBER}&page=1")
        _get(f"{base}/search?q=%E5%BC%A0%E4%B8%89+1101+0519+4912+3100+2X",  # 张三 + spaced ID
             {"Referer": f"{base}/search?q={ID_NUMBER}"})
        _get(f"{base}/search?q=%E5%8D%8E%E4%B8%BA")  # 华为: nothing to mask
    finally:
        process.terminate()
        process.wait(timeout=20)
    lines = access.read_text().splitlines()
    searches = [line for line in lines if "/search?" in line]
    assert len(searches) == 3
    assert not [line for line in lines if ID_NUMBER in line or "1101+0519" in line]
    assert "q=110105********002X&page=1" in searches[0]
    assert "q=%E5%BC%A0%E4%B8%89+110105********002X" in searches[1]
    assert f"{base}/search?q=110105********002X" in searches[1]  # the referer
    assert "q=%E5%8D%8E%E4%B8%BA" in searches[2]  # as the client sent it


def test_a_url_without_an_id_number_is_logged_byte_for_byte():
    for text in ("GET /search?q=%e5%8d%8e&sort=date HTTP/1.1", "GET / HTTP/1.1", "-",
                 "https://example.org/list?page=2", "q=12345678"):
        assert redact_url(text) == text
