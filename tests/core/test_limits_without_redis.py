"""When Redis stops answering, the API keeps answering with per-process rate limits.

Run in a child process: the rate limiter is one object per process, and pointing it
at a dead Redis must not touch the other tests' limits.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, sys
from datetime import UTC, datetime
from pathlib import Path
from tests.conftest import fresh_database, make_test_app
from service.accounts.keys import create_api_client
from service.core.actors import Actor
from service.core.db import db

with fresh_database("sqlite", Path(sys.argv[1])) as url:
    app = make_test_app(url, Path(sys.argv[1]), RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        _, key = create_api_client("无缓存银行", ["check"], actor=Actor.cli(),
                                   now=datetime.now(UTC), rate_limit="2/minute")
        db.session.commit()
    client = app.test_client()
    checks = [client.get("/api/v1/me", headers={"X-API-Key": key}) for _ in range(3)]
    public = client.get("/api/v1/reports/keys")
    print(json.dumps({"checks": [r.status_code for r in checks],
                      "remaining": [r.headers.get("RateLimit-Remaining") for r in checks],
                      "public": public.status_code}))
    app.extensions["db_engine"].dispose()
"""


def test_a_dead_redis_falls_back_to_limits_in_this_process(tmp_path):
    result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)],  # noqa: S603
                            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    answer = result.stdout.strip().splitlines()[-1]
    assert answer == '{"checks": [200, 200, 429], "remaining": ["1", "0", "0"], "public": 200}'
    assert "rate-limit storage unreachable" in result.stderr
