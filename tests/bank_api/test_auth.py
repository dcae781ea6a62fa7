"""API keys, scopes, rate limits and their headers on the bank API."""

import time

import pytest
from sqlalchemy import select

from service.accounts.keys import revoke_api_client, rotate_api_key
from service.accounts.models import ApiClient
from service.core.actors import Actor
from tests.bank_api.conftest import NOW


def test_missing_key_is_401_problem_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "unauthenticated"
    assert "Authorization: Bearer" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer ipc_nope_nope", "Bearer garbage", "Basic abc", ""])
def test_wrong_key_is_401(client, make_key, header):
    make_key()
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthenticated"


def test_bearer_and_x_api_key_both_authenticate(client, make_key):
    api_client, key = make_key()
    for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["id"] == api_client.id
        assert response.get_json()["scopes"] == ["check"]


def test_missing_scope_is_403_with_stable_code_and_limit_headers(client, make_key):
    _, key = make_key(("monitor",))
    response = client.get("/api/v1/subjects/91110105MA1213619N", headers={"X-API-Key": key})
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "insufficient_scope"
    assert "'check'" in response.get_json()["detail"]
    assert response.headers["RateLimit-Limit"] == "600"


def test_rotated_and_revoked_keys_stop_working(client, make_key, session):
    api_client, key = make_key()
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200
    new_key = rotate_api_key(api_client, actor=Actor.cli(), now=NOW)
    session.commit()
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401
    assert client.get("/api/v1/me", headers={"X-API-Key": new_key}).status_code == 200
    revoke_api_client(api_client, actor=Actor.cli(), now=NOW)
    session.commit()
    assert client.get("/api/v1/me", headers={"X-API-Key": new_key}).status_code == 401


def test_key_cache_lets_revocation_take_effect_after_its_ttl(app, client, make_key, session):
    api_client, key = make_key()
    app.config["BANK_API_AUTH_CACHE_SECONDS"] = 0.3
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200
    revoke_api_client(api_client, actor=Actor.cli(), now=NOW)
    session.commit()
    # Within the TTL the cached answer stands (documented in service.bank_api.auth)...
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200
    time.sleep(0.35)
    # ...and after it the revocation holds.
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401


def test_last_used_at_is_recorded(client, make_key, session):
    api_client, key = make_key()
    assert api_client.last_used_at is None
    client.get("/api/v1/me", headers={"X-API-Key": key})
    session.expire_all()
    used = session.scalar(select(ApiClient.last_used_at).where(ApiClient.id == api_client.id))
    assert used is not None


def test_every_answer_carries_rate_limit_headers(client, make_key):
    _, key = make_key(rate_limit="5/minute")
    first = client.get("/api/v1/me", headers={"X-API-Key": key})
    second = client.get("/api/v1/me", headers={"X-API-Key": key})
    assert first.headers["RateLimit-Limit"] == "5"
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert first.headers["RateLimit-Remaining"] == "4"
    assert second.headers["RateLimit-Remaining"] == "3"
    assert second.headers["X-RateLimit-Remaining"] == "3"
    assert 0 <= int(second.headers["RateLimit-Reset"]) <= 60
    assert second.headers["RateLimit-Policy"] == "5;w=60"


def test_limit_exceeded_is_429_problem_json_per_client(client, make_key):
    _, key = make_key(rate_limit="2/minute")
    _, other_key = make_key(name="建设银行")
    codes = [client.get("/api/v1/me", headers={"X-API-Key": key}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get("/api/v1/me", headers={"X-API-Key": key})
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "rate_limited"
    assert "2 per 1 minute" in response.get_json()["detail"]
    assert int(response.headers["Retry-After"]) <= 60
    assert response.headers["RateLimit-Remaining"] == "0"
    # Another bank's budget is its own.
    assert client.get("/api/v1/me", headers={"X-API-Key": other_key}).status_code == 200


def test_default_limit_comes_from_configuration(app, client, make_key):
    _, key = make_key()
    response = client.get("/api/v1/me", headers={"X-API-Key": key})
    assert response.headers["RateLimit-Limit"] == str(
        int(app.config["BANK_API_RATE_LIMIT"].split("/")[0]))


@pytest.mark.parametrize(("setting", "value", "says"), [
    ("BANK_API_RATE_LIMIT", "lots", "600/minute"),
    ("BANK_API_AUTH_CACHE_SECONDS", "3600", "0 to 60"),
])
def test_bad_bank_settings_stop_the_start(tmp_path, setting, value, says):
    from service import create_app
    from service.core.config import ConfigError

    with pytest.raises(ConfigError, match=says):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "x" * 20, setting: value})


def test_any_key_may_ask_who_it_is(client, make_key):
    """A monitor-only key is told who it is, not refused for lacking 'check'."""
    api_client, key = make_key(scopes=("monitor",))
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert (response.get_json()["id"], response.get_json()["scopes"]) == (api_client.id,
                                                                          ["monitor"])
    assert client.get("/api/v1/me").status_code == 401
