"""The OpenAPI document describes every endpoint, and the API keeps to it (schemathesis)."""

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.bank_api.openapi import OPERATIONS
from tests.factories import make_decision, make_entry, make_subject


@pytest.fixture
def fuzz_key(make_key, session):
    """A key with every bank scope and a limit the fuzzer cannot reach, over a few records."""
    subject = make_subject("北京市星汇箱包有限公司")
    make_decision(subject)
    make_entry(make_subject("上海耀君贸易有限公司"))
    session.commit()
    return make_key(("check", "monitor", "report"), rate_limit="100000/minute")[1]


def test_api_conforms_to_its_document(app, fuzz_key):
    """Valid and invalid generated requests for every operation: no 5xx, answers as documented,
    invalid requests refused."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= len(OPERATIONS)
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            # JSON Schema cannot say "the check character must match" or "not after today",
            # so a schema-valid code or date may rightly get a 400: that one check is off.
            case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_key}"},
                                   excluded_checks=[positive_data_acceptance])

        check()


def test_document_covers_every_bank_endpoint(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {op.endpoint for op in OPERATIONS}
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("bank_api.") and rule.endpoint != "bank_api.openapi_json"}
    assert routes <= documented, f"undocumented endpoints: {routes - documented}"
    batch = document["paths"]["/api/v1/checks/batch"]["post"]
    assert set(batch["responses"]) == {"200", "400", "401", "403", "413", "422", "429"}
    assert "1 MB" in batch["responses"]["413"]["description"]
    verify = document["paths"]["/api/v1/reports/verify"]["get"]
    assert (set(verify["responses"]), verify["security"]) == ({"200", "400", "429"}, [])
    assert "RateLimit-Remaining" in verify["responses"]["200"]["headers"]
    assert "RateLimit-Remaining" in batch["responses"]["200"]["headers"]
    assert "Idempotent-Replayed" in batch["responses"]["200"]["headers"]
    assert "idempotency_key_reused" in batch["responses"]["422"]["description"]
    assert "invalid_idempotency_key" in batch["responses"]["400"]["description"]
    [key] = [p for p in batch["parameters"] if p["in"] == "header"]
    assert (key["name"], key["required"]) == ("Idempotency-Key", False)
    assert batch["responses"]["429"]["content"]["application/problem+json"]
    assert set(document["components"]["securitySchemes"]) == {"bearerKey", "apiKeyHeader"}
    status = document["components"]["schemas"]["StatusAnswer"]
    assert {"status", "as_of", "data_as_of", "blacklist", "penalties"} <= set(status["required"])


def test_documentation_page_is_served_without_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "银行信用查询接口" in page
    assert "Bank credit-check API" in page
    for path in ("/api/v1/subjects/{code}", "/api/v1/checks/batch", "/api/v1/lookup"):
        assert path in page
    assert "uscc_bad_check_character" in page
    assert "total_fine_cny" in page
    assert "<script src=\"http" not in page
    assert "cdn" not in page.lower()
