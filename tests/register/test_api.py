"""The submission API: officials' systems submit decisions for their own authority."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.accounts.keys import create_api_client
from service.audit.models import AuditEvent
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.register.identifiers import complete_ric, complete_uscc
from service.register.models import Authority, Decision, DecisionRevision

URL = "/api/v1/register/decisions"
ADMIN = Actor.cli("test")


def record(**changes) -> dict:
    decided = clock.today().replace(day=1).isoformat()
    body = {
        "party_name": "天津市鑫源贸易有限公司", "party_kind": "法人及非法人组织",
        "uscc": complete_uscc("91120113MA05XY001"), "legal_representative": "王伟",
        "id_type": "身份证", "id_number": complete_ric("12011319800101001"),
        "number": "津北辰市监处罚〔2026〕18号", "violation_type": "侵犯注册商标专用权",
        "facts": "当事人销售侵犯“耐克”注册商标专用权的运动鞋120双。",
        "legal_basis": "《中华人民共和国商标法》第六十条第二款",
        "penalty_categories": ["罚款", "没收非法财物"],
        "penalty_content": "没收侵权商品，罚款3.6万元", "fine_amount": "3.6",
        "confiscated_amount": "0.5", "decided_on": decided,
    }
    body.update(changes)
    return body


@pytest.fixture
def authorities(session):
    own = Authority(name="天津市北辰区市场监督管理局", uscc=complete_uscc("11120113000000001"),
                    region_code="120113", department="市场监管", created_at=clock.now())
    other = Authority(name="深圳市知识产权局", uscc=complete_uscc("11440300000000002"),
                      region_code="440300", department="知识产权", created_at=clock.now())
    db.session.add_all([own, other])
    db.session.commit()  # a savepoint: an API error's rollback must not take the fixtures
    return own, other


@pytest.fixture
def keys(authorities):
    own, other = authorities
    submitter, key = create_api_client("北辰办案系统", ["submit"], actor=ADMIN, now=clock.now(),
                                       authority_id=own.id)
    _other, other_key = create_api_client("深圳办案系统", ["submit"], actor=ADMIN,
                                          now=clock.now(), authority_id=other.id)
    _bank, bank_key = create_api_client("某银行", ["check"], actor=ADMIN, now=clock.now())
    db.session.commit()
    return {"own": key, "other": other_key, "bank": bank_key, "client": submitter}


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_key_with_the_submit_scope_is_required(client, keys):
    missing = client.post(URL, json=record())
    assert missing.status_code == 401
    assert missing.mimetype == "application/problem+json"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post(URL, json=record(), headers=auth("ipc_nope_nope")).status_code == 401
    bank = client.post(URL, json=record(), headers=auth(keys["bank"]))
    assert bank.status_code == 403
    assert bank.json["code"] == "insufficient_scope"
    assert count(Decision) == 0


def test_submission_publishes_for_the_clients_authority(client, keys, authorities):
    response = client.post(URL, json=record(), headers=auth(keys["own"]))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["result"], body["status"], body["is_disclosed"]) == ("created", "published", True)
    assert response.headers["Location"].endswith(f"/api/v1/register/decisions/{body['id']}")
    decision = db.session.get(Decision, body["id"])
    assert decision.authority_id == authorities[0].id
    assert decision.id_number_masked.count("*") == 8
    actors = set(db.session.scalars(select(AuditEvent.actor).where(
        AuditEvent.object_type == "decision", AuditEvent.object_id == decision.id)))
    assert actors == {f"client:{keys['client'].id}"}
    assert client.get(f"/decisions/{decision.id}").status_code == 200


def test_the_same_content_again_is_unchanged(client, keys):
    first = client.post(URL, json=record(), headers=auth(keys["own"]))
    revisions = count(DecisionRevision)
    again = client.post(URL, json=record(), headers=auth(keys["own"]))
    assert again.status_code == 200
    assert (again.json["result"], again.json["id"]) == ("unchanged", first.json["id"])
    assert count(Decision) == 1
    assert count(DecisionRevision) == revisions


def test_different_content_is_a_correction(client, keys):
    first = client.post(URL, json=record(), headers=auth(keys["own"]))
    changed = record(fine_amount="4.2", penalty_content="没收侵权商品，罚款4.2万元",
                     correction_reason="罚款金额笔误")
    response = client.post(URL, json=changed, headers=auth(keys["own"]))
    assert response.status_code == 200
    assert (response.json["result"], response.json["id"]) == ("corrected", first.json["id"])
    assert response.json["revisions"][-1]["action"] == "corrected"
    assert response.json["revisions"][-1]["reason"] == "罚款金额笔误"
    assert str(db.session.get(Decision, first.json["id"]).fine_amount).startswith("4.2")
    assert count(Decision) == 1


def test_a_client_cannot_submit_for_another_authority(client, keys, authorities):
    other = authorities[1]
    response = client.post(URL, json=record(处罚机关=other.name), headers=auth(keys["own"]))
    assert response.status_code == 403
    assert response.json["code"] == "wrong_authority"
    assert "处罚机关" in response.json["errors"]
    response = client.post(URL, json=record(authority_uscc=other.uscc), headers=auth(keys["own"]))
    assert response.status_code == 403
    assert count(Decision) == 0


def test_invalid_fields_are_named_with_reasons(client, keys):
    body = record(uscc="91120113MA05XY0010", decided_on="2999-01-01")
    body.pop("facts")
    response = client.post(URL, json=body, headers=auth(keys["own"]))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.json["errors"]
    assert set(errors) >= {"uscc", "decided_on", "facts"}
    assert "future" in errors["decided_on"][0]
    assert "required" in errors["facts"][0]
    chinese = client.post(URL, json={"行政相对人名称": "某公司", "处罚决定日期": "2025-02-30"},
                          headers=auth(keys["own"]))
    assert "处罚决定日期" in chinese.json["errors"]
    assert client.post(URL, data="not json", headers=auth(keys["own"])).status_code == 400
    assert count(Decision) == 0


def test_a_key_naming_no_field_is_refused_not_dropped(client, keys):
    body = record(fine_amout="50")  # a typo: the fine would be stored without it
    body.pop("fine_amount")
    response = client.post(URL, json=body, headers=auth(keys["own"]))
    assert response.status_code == 422
    assert response.json["code"] == "validation_failed"
    assert list(response.json["errors"]) == ["fine_amout"]
    assert "'fine_amount'" in response.json["errors"]["fine_amout"][0]
    assert count(Decision) == 0
    # Chinese headers and correction_reason are fields; so is responsible_persons
    chinese = record(罚款金额="3.6")
    chinese.pop("fine_amount")
    created = client.post(URL, json={**chinese, "correction_reason": "x",
                                     "responsible_persons": []}, headers=auth(keys["own"]))
    assert created.status_code == 201, created.json
    assert count(Decision) == 1


def test_public_url_names_public_base_url_not_the_host_header(app, client, keys, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://credit.example.gov.cn")
    created = client.post(URL, json=record(), headers=auth(keys["own"]),
                          base_url="http://evil.example").json

    assert created["public_url"] == f"https://credit.example.gov.cn/decisions/{created['id']}"


def test_status_is_visible_to_the_authoritys_client_only(client, keys):
    created = client.post(URL, json=record(), headers=auth(keys["own"])).json
    own = client.get(f"{URL}/{created['id']}", headers=auth(keys["own"]))
    assert own.status_code == 200
    assert [r["action"] for r in own.json["revisions"]] == ["created", "published"]
    assert own.json["public_url"].endswith(f"/decisions/{created['id']}")
    assert client.get(f"{URL}/{created['id']}", headers=auth(keys["other"])).status_code == 404
    found = client.get(URL, query_string={"number": created["number"]}, headers=auth(keys["own"]))
    assert found.json["id"] == created["id"]
    assert client.get(URL, query_string={"number": created["number"]},
                      headers=auth(keys["other"])).status_code == 404


LI = complete_ric("44030319900101123")


def named(decision_id: int) -> set[tuple[str, str]]:
    return {(p.role, p.subject.name) for p in db.session.get(Decision, decision_id).persons}


def test_responsible_persons_are_a_list_of_objects_corrected_like_any_field(client, keys):
    body = record(responsible_persons=[{"name": "李四", "id_type": "身份证", "id_number": LI}])
    created = client.post(URL, json=body, headers=auth(keys["own"]))
    assert created.status_code == 201, created.json
    assert created.json["responsible_persons"] == [
        {"name": "李四", "id_type": "身份证", "id_number_masked": "440303********1237"}]
    assert LI not in created.get_data(as_text=True)
    decision_id = created.json["id"]
    assert named(decision_id) == {("legal_representative", "王伟"),
                                  ("responsible_person", "李四")}
    again = client.post(URL, json=body, headers=auth(keys["own"]))
    assert again.json["result"] == "unchanged"
    removed = client.post(URL, json=record(correction_reason="直接责任人员录入错误"),
                          headers=auth(keys["own"]))
    assert (removed.status_code, removed.json["result"]) == (200, "corrected")
    assert removed.json["responsible_persons"] == []
    db.session.expire_all()
    assert named(decision_id) == {("legal_representative", "王伟")}


def test_invalid_responsible_persons_are_named_by_item_and_field(client, keys):
    body = record(responsible_persons=[
        {"name": "李四", "id_type": "身份证", "id_number": LI},
        {"name": "王五", "id_type": "身份证", "id_number": LI[:-1] + "0"},
        {"name": "赵六", "id_type": "身份证"}])
    response = client.post(URL, json=body, headers=auth(keys["own"]))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.json["errors"]
    assert set(errors) == {"responsible_persons[1].id_number", "responsible_persons[2].id_number"}
    assert errors["responsible_persons[1].id_number"][0].startswith(
        "invalid 居民身份证号码: check digit is '0', expected '7'")
    assert errors["responsible_persons[2].id_number"] == ["is required (必填)"]
    person = client.post(URL, json=record(
        party_kind="自然人", party_name="赵六", uscc="", legal_representative="",
        responsible_persons=[{"name": "李四", "id_type": "身份证", "id_number": LI}]),
        headers=auth(keys["own"]))
    assert person.status_code == 422
    assert "natural person's decision names no responsible persons" in \
        person.json["errors"]["responsible_persons"][0]
    assert count(Decision) == 0


def test_values_postgresql_cannot_hold_are_refused_not_failed(client, keys):
    headers = auth(keys["own"])
    assert client.get(URL, query_string={"number": "京\x001号"}, headers=headers).status_code \
        == 404
    assert client.get(f"{URL}/4835026639", headers=headers).status_code == 404
    response = client.post(URL, json=record(facts="当事人\x00销售"), headers=headers)
    assert response.status_code == 422
    assert response.json["errors"]["facts"] == ["must not contain NUL characters"]
