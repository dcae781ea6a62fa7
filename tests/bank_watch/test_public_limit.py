"""The public report checks need no key, so they are limited per client address."""

import pytest

from service.bank_api.auth import limiter


@pytest.fixture
def low_public_limit(app):
    saved = app.config["PUBLIC_RATE_LIMIT"]
    app.config["PUBLIC_RATE_LIMIT"] = "3/minute"
    with app.app_context():
        limiter.reset()
    yield
    app.config["PUBLIC_RATE_LIMIT"] = saved


def test_public_verification_shares_one_budget_per_address(app, client, make_key,
                                                           low_public_limit):
    remaining = []
    for path in ("/api/v1/reports/verify?number=CR-20260101-00000000", "/api/v1/reports/keys",
                 "/reports/verify?number=CR-20260101-00000000"):
        response = client.get(path)
        assert response.status_code == 200
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]

    refused = client.get("/api/v1/reports/keys")
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert "this address" in refused.get_json()["detail"]
    assert int(refused.headers["Retry-After"]) <= 60
    page = client.get("/reports/verify?number=CR-20260101-00000000")
    assert page.status_code == 429
    assert "访问过于频繁" in page.get_data(as_text=True)
    # Another address has its own budget; a bank's key has its own too.
    other = client.get("/api/v1/reports/keys", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200
    _, key = make_key(("check",))
    assert client.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200
