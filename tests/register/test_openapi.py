"""The submission API's OpenAPI document: generated from the schemas, and true to the answers."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.accounts.keys import create_api_client
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.register.api import DecisionStatusSchema
from service.register.identifiers import complete_ric, complete_uscc
from service.register.models import Authority
from service.register.responsible import COLUMNS, ResponsiblePersonSchema
from service.register.schemas import DecisionSchema

URL = "/api/v1/register/openapi.json"


@pytest.fixture
def submit_key(session):
    authority = Authority(name="天津市北辰区市场监督管理局",
                          uscc=complete_uscc("11120113000000001"), region_code="120113",
                          department="市场监管", created_at=clock.now())
    db.session.add(authority)
    db.session.flush()
    _client, key = create_api_client("北辰办案系统", ["submit"], actor=Actor.cli("test"),
                                     now=clock.now(), authority_id=authority.id)
    db.session.commit()
    return key


def test_the_body_documents_every_field_of_the_schema(client):
    document = client.get(URL).get_json()
    assert document["openapi"].startswith("3.")
    body = document["components"]["schemas"]["DecisionSubmission"]
    fields = set(DecisionSchema().fields) - set(COLUMNS[1:])
    assert set(body["properties"]) == fields | {"correction_reason"}
    required = {n for n, f in DecisionSchema().fields.items() if f.required}
    assert set(body["required"]) == required - {"authority_name", "authority_uscc"}
    persons = body["properties"]["responsible_persons"]
    assert persons["type"] == "array"
    assert persons["items"] == {"$ref": "#/components/schemas/ResponsiblePerson"}
    person = document["components"]["schemas"]["ResponsiblePerson"]
    assert set(person["properties"]) == set(ResponsiblePersonSchema().fields)
    assert set(person["required"]) == {"name", "id_type", "id_number"}
    assert person["additionalProperties"] is False
    status = document["components"]["schemas"]["DecisionStatus"]
    assert status["properties"]["responsible_persons"]["items"] == {
        "$ref": "#/components/schemas/NamedPerson"}


def test_a_real_answer_has_exactly_the_documented_fields(client, submit_key):
    document = client.get(URL).get_json()
    body = {
        "party_name": "天津市鑫源贸易有限公司", "party_kind": "法人及非法人组织",
        "uscc": complete_uscc("91120113MA05XY001"), "legal_representative": "王伟",
        "number": "津北辰市监处罚〔2026〕18号", "violation_type": "侵犯注册商标专用权",
        "facts": "当事人销售侵犯“耐克”注册商标专用权的运动鞋120双。",
        "legal_basis": "《中华人民共和国商标法》第六十条第二款", "penalty_categories": ["警告"],
        "penalty_content": "警告", "decided_on": clock.today().replace(day=1).isoformat(),
        "responsible_persons": [{"name": "李四", "id_type": "身份证",
                                 "id_number": complete_ric("44030319900101123")}]}
    answer = client.post("/api/v1/register/decisions", json=body,
                         headers={"Authorization": f"Bearer {submit_key}"}).get_json()
    documented = set(document["components"]["schemas"]["DecisionStatus"]["properties"])
    assert set(answer) == documented | {"result"}
    assert set(DecisionStatusSchema().fields) == documented
    named = document["components"]["schemas"]["NamedPerson"]["properties"]
    assert set(answer["responsible_persons"][0]) == set(named)


def test_the_api_conforms_to_its_document(app, submit_key):
    """Generated requests, valid and invalid: no 5xx, every answer as documented."""
    schema = schemathesis.openapi.from_wsgi(URL, app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=8, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            # JSON Schema cannot say "the check character must match" or "not after today".
            case.call_and_validate(headers={"Authorization": f"Bearer {submit_key}"},
                                   excluded_checks=[positive_data_acceptance])

        check()
