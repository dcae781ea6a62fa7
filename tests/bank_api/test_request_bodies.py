"""Bodies that are not a JSON object get a 400 problem saying why, on every JSON endpoint."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.accounts.keys import create_api_client
from service.accounts.models import ApiClient
from service.core.actors import Actor
from service.core.db import db
from service.register.identifiers import complete_uscc
from service.register.models import Authority
from tests.bank_api.conftest import NOW

NESTED = '{"codes": ' + "[" * 5000 + "]" * 5000 + "}"
REPORT_NESTED = '{"number": "CR-20261101-ABCDEFGH", "report": {"a": ' + "[" * 5000 \
    + "]" * 5000 + "}}"


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code
    return body


@pytest.fixture
def bearer(make_key):
    _client, key = make_key(scopes=("check", "monitor", "report"))
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/api/v1/checks/batch", NESTED),
    ("put", "/api/v1/watchlist", NESTED),
    ("put", "/api/v1/webhook", '{"url": ' + "[" * 5000 + "]" * 5000 + "}"),
    ("post", "/api/v1/reports", '{"uscc": ' + "[" * 5000 + "]" * 5000 + "}"),
])
def test_a_deeply_nested_body_is_refused_not_a_crash(client, bearer, method, path, body):
    response = getattr(client, method)(path, data=body, headers=bearer,
                                       content_type="application/json")
    assert "nested too deeply" in _problem(response, 400, "invalid_json")["detail"]


def test_the_public_verify_endpoint_refuses_a_nested_body_without_a_key(client):
    response = client.post("/api/v1/reports/verify", data=REPORT_NESTED,
                           content_type="application/json")
    _problem(response, 400, "invalid_json")


def test_malformed_json_says_so_instead_of_missing_fields(client, bearer):
    response = client.post("/api/v1/checks/batch", data='{"codes": ["91110000',
                           headers=bearer, content_type="application/json")
    detail = _problem(response, 400, "invalid_json")["detail"]
    assert "not valid JSON" in detail
    assert "char" in detail


def test_a_body_that_is_not_json_names_the_content_type(client, bearer):
    response = client.post("/api/v1/checks/batch", data="codes=91110000",
                           headers=bearer, content_type="text/plain")
    assert "Content-Type: application/json" in _problem(response, 400, "invalid_body")["detail"]


@pytest.mark.parametrize(("body", "kind"), [("[]", "an array"), ('"x"', "a string"),
                                            ("null", "null"), ("3", "a number")])
def test_a_body_that_is_not_an_object_names_what_it_is(client, bearer, body, kind):
    response = client.post("/api/v1/checks/batch", data=body, headers=bearer,
                           content_type="application/json")
    assert f"not {kind}" in _problem(response, 400, "invalid_body")["detail"]


def test_an_object_still_reaches_field_validation(client, bearer):
    response = client.post("/api/v1/checks/batch", json={"codes": []}, headers=bearer)
    assert response.status_code == 400
    assert "codes" in response.get_json()["errors"]


def test_the_submission_api_refuses_a_nested_body(client, session):
    authority = Authority(name="天津市北辰区市场监督管理局", region_code="120113",
                          uscc=complete_uscc("11120113000000001"), created_at=NOW)
    session.add(authority)
    session.flush()
    _client, key = create_api_client("办案系统", ["submit"], actor=Actor.cli("test"), now=NOW,
                                     authority_id=authority.id)
    session.commit()
    response = client.post("/api/v1/register/decisions", data=NESTED,
                           headers={"Authorization": f"Bearer {key}"},
                           content_type="application/json")
    _problem(response, 400, "invalid_json")


def _clients() -> int:
    return db.session.scalar(select(func.count()).select_from(ApiClient))


@pytest.mark.parametrize("limit", ["abc", "10/fortnight", "0/minute", "/minute", "1/second;2/hour"])
def test_a_malformed_rate_limit_is_refused_before_a_client_is_made(app, session, limit):
    before = _clients()
    result = app.test_cli_runner().invoke(args=[
        "accounts", "create-client", "某银行", "--scope", "check", "--rate-limit", limit])
    assert result.exit_code == 2, result.output
    assert "--rate-limit" in result.output
    assert "600/minute" in result.output
    with pytest.raises(ValueError, match="rate limit"):
        create_api_client("某银行", ["check"], actor=Actor.cli("test"), now=NOW,
                          rate_limit=limit)
    assert _clients() == before


@pytest.mark.parametrize("limit", ["600/minute", "100000000/minute", "10 per hour"])
def test_a_well_formed_rate_limit_makes_a_client(app, session, limit):
    result = app.test_cli_runner().invoke(args=[
        "accounts", "create-client", "某银行", "--scope", "check", "--rate-limit", limit])
    assert result.exit_code == 0, result.output
    assert "API key" in result.output
