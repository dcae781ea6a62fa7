"""Credit reports through the API and the public pages: issue, fetch, verify, print."""

import json
import re
from datetime import date

from sqlalchemy import select

from service.bank_api.models import BankQuery
from service.bank_api.reports import canonical_json, signature_valid
from tests.console.helpers import post_form
from tests.factories import make_decision, make_entry, make_subject, make_uscc


def issue(bank, uscc, *, base_url=None, **kw):
    headers = kw.pop("headers", {})
    return bank.post("/api/v1/reports", json={"uscc": uscc, **kw}, headers=headers,
                     base_url=base_url)


def test_a_report_is_issued_signed_logged_and_verifiable(bank, session):
    subject = make_subject()
    make_decision(subject, decided_on=date(2026, 3, 1), fine="150")
    make_entry(subject, starts_on=date(2026, 3, 20))
    session.commit()

    response = issue(bank, subject.uscc.lower(), as_of="2026-06-30")

    assert response.status_code == 201
    body = response.get_json()
    assert re.fullmatch(r"CR-\d{8}-[0-9A-Z]{8}", body["number"])
    report = body["report"]
    assert (report["uscc"], report["status"], report["as_of"]) == (
        subject.uscc, "blacklisted", "2026-06-30")
    assert report["report_number"] == body["number"]
    assert report["issued_to"] == "中国工商银行"
    assert body["html_url"].endswith(f"/reports/{body['number']}")
    [logged] = session.scalars(select(BankQuery).where(BankQuery.kind == "report")).all()
    assert (logged.query, logged.status, logged.subject_id) == (
        subject.uscc, "blacklisted", subject.id)
    assert logged.answer["report_number"] == body["number"]

    verified = bank.post("/api/v1/reports/verify", json={
        "number": body["number"], "report": report})
    assert verified.get_json()["result"] == "genuine"
    assert bank.get(f"/api/v1/reports/{body['number']}").get_json() == body


def test_report_links_name_public_base_url_not_the_host_header(app, bank, session, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://credit.example.gov.cn")

    body = issue(bank, make_subject().uscc, base_url="http://evil.example").get_json()
    page = bank.get(f"/reports/{body['number']}", base_url="http://evil.example")

    base = "https://credit.example.gov.cn/reports"
    assert body["html_url"] == f"{base}/{body['number']}"
    assert body["verify_url"] == f"{base}/verify?number={body['number']}"
    assert f"{base}/verify" in page.get_data(as_text=True)
    assert "evil.example" not in page.get_data(as_text=True)


def test_verification_is_public_and_detects_tampering(bank, client, session):
    body = issue(bank, make_subject().uscc).get_json()
    client.environ_base.pop("HTTP_AUTHORIZATION", None)
    number, signature = body["number"], body["signature"]["value"]

    def post(**payload):
        return client.post("/api/v1/reports/verify", json={"number": number, **payload})

    assert post(report=body["report"]).get_json()["genuine"] is True
    tampered = dict(body["report"], status="red_list")
    answer = post(report=tampered).get_json()
    assert (answer["result"], answer["genuine"]) == ("altered", False)
    by_signature = client.get("/api/v1/reports/verify",
                              query_string={"number": number, "signature": signature})
    assert by_signature.get_json()["result"] == "genuine"
    wrong = client.get("/api/v1/reports/verify",
                       query_string={"number": number, "signature": signature[::-1]})
    assert wrong.get_json()["result"] == "signature_mismatch"
    issued = client.get("/api/v1/reports/verify", query_string={"number": number}).get_json()
    assert (issued["result"], issued["genuine"], issued["uscc"]) == (
        "issued", False, body["report"]["uscc"])
    missing = client.get("/api/v1/reports/verify?number=CR-20260101-00000000").get_json()
    assert (missing["result"], missing["uscc"]) == ("not_found", None)
    assert client.post("/api/v1/reports/verify", json={"report": {}}).status_code == 400
    keys = client.get("/api/v1/reports/keys").get_json()["keys"]
    assert body["signature"]["key_id"] in [k["key_id"] for k in keys]
    [key] = client.get("/api/v1/reports/keys",
                       query_string={"key_id": body["signature"]["key_id"]}).get_json()["keys"]
    assert signature_valid(key["public_key"], canonical_json(body["report"]), signature)


def test_the_idempotency_key_returns_the_same_report(bank, session):
    code = make_uscc()
    first = issue(bank, code, headers={"Idempotency-Key": "loan-7"})
    again = issue(bank, code, headers={"Idempotency-Key": "loan-7"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    # The replay is a query too: logged again, marked as a replay of the same report.
    logged = session.scalars(select(BankQuery).where(BankQuery.kind == "report")
                             .order_by(BankQuery.id)).all()
    assert [(q.query, q.answer["report_number"]) for q in logged] == [
        (code, first.get_json()["number"])] * 2
    assert ["replayed" in q.answer for q in logged] == [False, True]
    conflict = issue(bank, make_uscc(), headers={"Idempotency-Key": "loan-7"})
    assert conflict.status_code == 422
    assert conflict.get_json()["code"] == "idempotency_key_reused"


def test_bad_report_requests_name_the_field(bank, client, make_key):
    bad = issue(bank, "91110105MA1213619")
    assert (bad.status_code, bad.get_json()["code"]) == (400, "uscc_bad_length")
    future = issue(bank, make_uscc(), as_of="2999-01-01")
    assert future.get_json()["code"] == "as_of_in_future"
    _, key = make_key(("check",))
    refused = client.post("/api/v1/reports", json={"uscc": make_uscc()},
                          headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 403


def test_another_client_cannot_fetch_a_report(bank, client, make_key):
    number = issue(bank, make_uscc()).get_json()["number"]
    _, key = make_key(("report",), name="建设银行")
    response = client.get(f"/api/v1/reports/{number}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 404


def test_the_printable_page_shows_the_report_signature_and_how_to_verify(bank, session):
    subject = make_subject(name="北京市星汇箱包有限公司")
    make_decision(subject, decided_on=date(2026, 3, 1))
    session.commit()
    body = issue(bank, subject.uscc).get_json()
    bank.environ_base.pop("HTTP_AUTHORIZATION")

    page = bank.get(f"/reports/{body['number']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "知识产权领域信用报告" in html
    assert body["number"] in html
    assert body["signature"]["value"] in html
    assert "北京市星汇箱包有限公司" in html
    assert "有公示中的行政处罚" in html
    assert "张三" not in html  # the legal representative is not printed
    assert "report.css" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    assert bank.get("/reports/CR-20260101-00000000").status_code == 404


def test_the_verify_page_checks_pasted_content_and_signatures(bank):
    body = issue(bank, make_uscc()).get_json()
    bank.environ_base.pop("HTTP_AUTHORIZATION")
    number = body["number"]

    empty = bank.get("/reports/verify").get_data(as_text=True)
    assert "信用报告核验" in empty
    assert "data-result" not in empty

    pasted = post_form(bank, "/reports/verify", {
        "number": number, "content": json.dumps(body["report"], ensure_ascii=False, indent=2)})
    assert 'data-result="genuine"' in pasted.get_data(as_text=True)

    changed = dict(body["report"], name="别的公司")
    altered = post_form(bank, "/reports/verify", {"number": number,
                                                 "content": json.dumps(changed)})
    assert 'data-result="altered"' in altered.get_data(as_text=True)

    linked = bank.get("/reports/verify", query_string={
        "number": number, "signature": body["signature"]["value"]})
    assert 'data-result="genuine"' in linked.get_data(as_text=True)

    number_only = bank.get("/reports/verify", query_string={"number": number})
    assert 'data-result="issued"' in number_only.get_data(as_text=True)
    unknown = post_form(bank, "/reports/verify", {"number": "CR-20260101-ZZZZZZZZ"})
    assert 'data-result="not_found"' in unknown.get_data(as_text=True)
    broken = post_form(bank, "/reports/verify", {"number": number, "content": "{oops"})
    assert "不是有效的 JSON" in broken.get_data(as_text=True)


def _report_log(session) -> list[tuple]:
    return [(q.query, q.status, (q.answer or {}).get("fetched")) for q in session.scalars(
        select(BankQuery).where(BankQuery.kind == "report").order_by(BankQuery.id))]


def test_a_refused_report_request_is_logged_with_its_reason(bank, session):
    bad = issue(bank, "91110105MA1213619")
    assert bad.status_code == 400
    assert bad.mimetype == "application/problem+json"
    assert bad.get_json()["errors"] == {"uscc": [bad.get_json()["detail"].split(": ", 1)[1]]}
    assert _report_log(session) == [("91110105MA1213619", "uscc_bad_length", None)]


def test_fetching_a_report_is_logged_found_or_not(bank, client, make_key, session):
    subject = make_subject()
    make_decision(subject, decided_on=date(2026, 3, 1))
    session.commit()
    number = issue(bank, subject.uscc).get_json()["number"]
    assert bank.get(f"/api/v1/reports/{number}").status_code == 200
    _, key = make_key(("report",), name="建设银行")
    other = client.get(f"/api/v1/reports/{number}", headers={"Authorization": f"Bearer {key}"})
    assert other.status_code == 404
    assert other.get_json()["code"] == "report_not_found"
    assert _report_log(session) == [(subject.uscc, "disclosed_penalties", None),
                                    (subject.uscc, "disclosed_penalties", True),
                                    (number, "report_not_found", None)]


def test_the_whole_api_answer_pasted_as_received_is_genuine(bank):
    body = issue(bank, make_uscc()).get_json()
    bank.environ_base.pop("HTTP_AUTHORIZATION")

    pasted = post_form(bank, "/reports/verify", {
        "number": body["number"], "content": json.dumps(body, ensure_ascii=False, indent=2)})

    assert 'data-result="genuine"' in pasted.get_data(as_text=True)
    altered = dict(body, report=dict(body["report"], name="别的公司"))
    again = post_form(bank, "/reports/verify", {"number": body["number"],
                                               "content": json.dumps(altered)})
    assert 'data-result="altered"' in again.get_data(as_text=True)
