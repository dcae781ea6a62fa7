"""Signed credit reports: canonical JSON, signatures, numbers, verification, key rotation."""

import base64
import json
import re
import secrets
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.bank_api.report_models import ReportKey
from service.bank_api.reports import (
    IdempotencyConflict,
    canonical_json,
    init_reports,
    issue_report,
    report_document,
    signature_valid,
    verify_report,
)
from service.core.actors import Actor
from service.core.config import ConfigError
from tests.factories import make_decision, make_entry, make_subject, make_uscc

NOW = datetime(2026, 12, 2, 3, tzinfo=UTC)
TODAY = date(2026, 12, 2)
ACTOR = Actor.system("test-bank")


def seed() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def issue(uscc, client_id, **kw):
    return issue_report(client_id, "测试银行北京分行", uscc, as_of=kw.pop("as_of", TODAY),
                        actor=ACTOR, now=NOW, **kw)


@pytest.fixture
def bank_client(session):
    from service.accounts.keys import create_api_client

    client, _key = create_api_client("测试银行", ["report"], actor=ACTOR, now=NOW)
    return client


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_chinese():
    assert canonical_json({"b": 1, "a": {"d": "黑名单", "c": [1, 2]}}) == (
        '{"a":{"c":[1,2],"d":"黑名单"},"b":1}'.encode())


def test_a_report_is_signed_numbered_and_says_what_the_public_sees(session, bank_client):
    subject = make_subject()
    make_decision(subject, decided_on=date(2026, 6, 1), fine="150")
    make_entry(subject, starts_on=date(2026, 6, 10))

    report, created = issue(subject.uscc, bank_client.id)

    assert created
    assert re.fullmatch(r"CR-20261202-[0-9A-HJKMNP-TV-Z]{8}", report.number)
    content = json.loads(report.payload)
    assert content["report_number"] == report.number
    assert (content["status"], content["as_of"]) == ("blacklisted", "2026-12-02")
    assert (content["uscc"], content["name"]) == (subject.uscc, subject.name)
    assert content["penalties"]["count"] == 1
    assert content["penalties"]["total_fine_cny"] == "1500000.00"
    [entry] = content["blacklist"]
    assert (entry["basis"], entry["starts_on"]) == ("large_fine", "2026-06-10")
    assert canonical_json(content) == report.payload.encode()
    key = session.get(ReportKey, report.key_id)
    assert signature_valid(key.public_key, report.payload.encode(), report.signature)
    assert "张三" not in report.payload  # no legal representative or other personal data
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "report.issue"))
    assert audit.details["number"] == report.number


def test_a_code_with_nothing_on_record_gets_a_report_saying_so(session, bank_client):
    report, _ = issue(make_uscc(), bank_client.id)
    content = json.loads(report.payload)
    assert content["status"] == "nothing_on_record"
    assert content["name"] is None
    assert report.subject_id is None


def test_the_same_idempotency_key_returns_the_same_report(session, bank_client):
    code = make_uscc()
    first, _ = issue(code, bank_client.id, idempotency_key="loan-2026-0042")
    again, created = issue(code, bank_client.id, idempotency_key="loan-2026-0042")
    other, _ = issue(code, bank_client.id, idempotency_key="loan-2026-0043")
    assert (again.number, created) == (first.number, False)
    assert other.number != first.number
    with pytest.raises(IdempotencyConflict, match="loan-2026-0042"):
        issue(make_uscc(), bank_client.id, idempotency_key="loan-2026-0042")


def test_a_racing_request_with_the_same_key_gets_the_report_that_won(
        session, bank_client, monkeypatch):
    from service.bank_api import reports

    code = make_uscc()
    first, _ = issue(code, bank_client.id, idempotency_key="loan-race")
    real_replay = reports._replay
    calls = []

    def replay_that_missed_it_once(*args):  # the other request had not committed yet
        calls.append(args)
        return None if len(calls) == 1 else real_replay(*args)

    monkeypatch.setattr(reports, "_replay", replay_that_missed_it_once)
    again, created = issue(code, bank_client.id, idempotency_key="loan-race")
    assert (again.number, created, len(calls)) == (first.number, False, 2)


def test_verification_accepts_the_report_in_any_key_order_and_rejects_any_change(
        session, bank_client):
    report, _ = issue(make_subject().uscc, bank_client.id)
    document = report_document(report)
    reordered = json.loads(json.dumps(document["report"], indent=2, sort_keys=False))
    reordered = dict(reversed(list(reordered.items())))

    assert verify_report(report.number, content=reordered).result == "genuine"
    assert verify_report(report.number.lower(), content=json.dumps(document["report"])).is_genuine
    assert verify_report(report.number, content=document).is_genuine
    assert verify_report(report.number, signature=document["signature"]["value"]).is_genuine

    assert verify_report(report.number).result == "issued"  # nothing compared: not "genuine"

    tampered = dict(document["report"], status="red_list")
    assert verify_report(report.number, content=tampered).result == "altered"
    assert verify_report(report.number, content="{not json").result == "altered"
    forged = base64.b64encode(b"x" * 64).decode()
    assert verify_report(report.number, signature=forged).result == "signature_mismatch"
    assert verify_report("CR-20261202-00000000", content=document["report"]).result == (
        "not_found")


def test_reports_signed_with_a_rotated_key_still_verify(app, session, bank_client):
    old_keys = app.extensions["report_keys"]
    old_report, _ = issue(make_uscc(), bank_client.id)
    try:
        app.config.update(REPORT_SIGNING_KEYS={"2027a": seed()}, REPORT_SIGNING_KEY_ID="2027a")
        init_reports(app)  # the old key is gone from the configuration
        new_report, _ = issue(make_uscc(), bank_client.id)
    finally:
        app.config.pop("REPORT_SIGNING_KEYS")
        app.config.pop("REPORT_SIGNING_KEY_ID")
        app.extensions["report_keys"] = old_keys
    assert new_report.key_id == "2027a" != old_report.key_id
    assert verify_report(old_report.number, content=json.loads(old_report.payload)).is_genuine
    assert verify_report(new_report.number, content=json.loads(new_report.payload)).is_genuine


@pytest.mark.parametrize(("keys", "current", "message"), [
    ({"a": "not base64!"}, "a", "base64 of a 32-byte"),
    ({"a": base64.b64encode(b"short").decode()}, "a", "base64 of a 32-byte"),
    ({"a": seed()}, "b", "REPORT_SIGNING_KEY_ID='b' is not one of the keys"),
    ("[1, 2", "a", "must be a JSON object"),
])
def test_bad_signing_key_configuration_is_refused_at_start(app, keys, current, message):
    from service.app import create_app

    config = {k: app.config[k] for k in ("DATABASE_URL", "INSTANCE_DIR", "SECRET_KEY")}
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app(config | {"REPORT_SIGNING_KEYS": keys, "REPORT_SIGNING_KEY_ID": current})
