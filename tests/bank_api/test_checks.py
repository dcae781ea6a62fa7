"""Single and batch checks by unified social credit code."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, select

from service.bank_api.answers import batch_item, check_codes, json_text
from service.bank_api.models import BankQuery
from service.bank_api.prepared import status_by_uscc, version_and_status
from service.bank_api.schemas import BatchItemSchema
from service.core.clock import today
from service.core.db import db
from service.lists.queries import statuses_by_uscc
from tests.factories import (
    make_authority,
    make_decision,
    make_entry,
    make_subject,
    make_uscc,
    mark_revoked,
)

GOOD_UNKNOWN = make_uscc(987654321)


@pytest.fixture
def blacklisted(session):
    authority = make_authority("北京市朝阳区市场监督管理局测试")
    subject = make_subject("北京星辰贸易有限公司")
    first = make_decision(subject, authority, decided_on=date(2026, 3, 1), fine="150")
    second = make_decision(subject, authority, decided_on=date(2026, 6, 1), fine="0.123456",
                           violation_type="假冒专利")
    entry = make_entry(subject, starts_on=date(2026, 4, 1), decisions=[first],
                       authority=authority, basis="large_fine", basis_text="罚款150万元")
    session.commit()
    return subject, first, second, entry


def test_blacklisted_subject_with_entry_and_penalty_summary(api, blacklisted):
    subject, first, _second, entry = blacklisted
    response = api.get(f"/api/v1/subjects/{subject.uscc}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "blacklisted"
    assert body["name"] == "北京星辰贸易有限公司"
    assert body["as_of"] == today().isoformat()
    assert isinstance(body["data_version"], int)
    [listed] = body["blacklist"]
    assert listed["basis"] == "large_fine"
    assert listed["basis_label"] == "大额罚款"
    assert listed["authority"] == "北京市朝阳区市场监督管理局测试"
    assert listed["starts_on"] == "2026-04-01"
    assert listed["scheduled_end_on"] == entry.scheduled_end_on.isoformat()
    assert [d["number"] for d in listed["decisions"]] == [first.number]
    assert body["red_list"] == []
    assert body["penalties"] == {
        "count": 2, "latest_decided_on": "2026-06-01",
        "total_fine_cny": "1501234.56",  # 150 万元 + 0.123456 万元, exact
        "violation_types": ["侵犯注册商标专用权", "假冒专利"],
    }


def test_code_is_normalised_before_lookup(api, blacklisted):
    subject = blacklisted[0]
    messy = " " + subject.uscc[:6].lower() + "-" + subject.uscc[6:] + " "
    body = api.get(f"/api/v1/subjects/{messy}").get_json()
    assert body["uscc"] == subject.uscc
    assert body["status"] == "blacklisted"


def test_red_list_entry_has_no_scheduled_end(api, session):
    subject = make_subject()
    make_entry(subject, "red", starts_on=date(2025, 1, 1), scheduled_end_on=None,
               basis_text="知识产权示范企业")
    session.commit()
    body = api.get(f"/api/v1/subjects/{subject.uscc}").get_json()
    assert body["status"] == "red_list"
    assert body["red_list"][0]["scheduled_end_on"] is None
    assert body["red_list"][0]["basis_text"] == "知识产权示范企业"


def test_unknown_code_reads_like_a_subject_with_nothing_on_record(api, session):
    withdrawn = make_subject("撤销测试有限公司")
    mark_revoked(make_decision(withdrawn, decided_on=date(2026, 5, 1)))
    session.commit()
    unknown = api.get(f"/api/v1/subjects/{GOOD_UNKNOWN}").get_json()
    known = api.get(f"/api/v1/subjects/{withdrawn.uscc}").get_json()
    for body in (unknown, known):
        assert body["status"] == "nothing_on_record"
        assert body["name"] is None
        body.pop("uscc")
    assert unknown == known


@pytest.mark.parametrize(("code", "expected"), [
    ("91110105MA12136", "uscc_bad_length"),
    ("91110105MA1213619O", "uscc_bad_character"),
    ("91110105MA1213619A", "uscc_bad_check_character"),
])
def test_invalid_code_is_400_saying_what_is_wrong(api, session, code, expected):
    response = api.get(f"/api/v1/subjects/{code}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == expected
    assert "统一社会信用代码" in response.get_json()["detail"]
    # The field and the reason, as POST /reports names them.
    [reason] = response.get_json()["errors"]["uscc"]
    assert reason in response.get_json()["detail"]
    logged = session.scalars(select(BankQuery).where(BankQuery.query == code)).one()
    assert logged.status == expected


def test_single_check_is_logged_with_the_answer(api, blacklisted, session):
    subject = blacklisted[0]
    api.get(f"/api/v1/subjects/{subject.uscc}?as_of=2026-07-01")
    row = session.scalars(select(BankQuery).where(BankQuery.subject_id == subject.id)).one()
    assert row.kind == "status"
    assert row.query == subject.uscc
    assert row.as_of == date(2026, 7, 1)
    assert row.status == "blacklisted"
    assert row.answer == {"black": 1, "red": 0, "penalties": 2}
    assert row.data_version is not None


def test_as_of_replays_the_records_of_that_day(api, blacklisted):
    uscc = blacklisted[0].uscc

    def status(day):
        return api.get(f"/api/v1/subjects/{uscc}?as_of={day}").get_json()

    assert status("2026-02-27")["status"] == "nothing_on_record"
    before_listing = status("2026-03-15")
    assert before_listing["status"] == "disclosed_penalties"
    assert before_listing["penalties"]["count"] == 1
    assert before_listing["as_of"] == "2026-03-15"
    assert status("2026-04-01")["status"] == "blacklisted"
    assert status("2026-05-31")["penalties"]["count"] == 1


def test_as_of_never_brings_back_a_revoked_decision(api, session):
    subject = make_subject()
    mark_revoked(make_decision(subject, decided_on=date(2026, 3, 1)))
    session.commit()
    body = api.get(f"/api/v1/subjects/{subject.uscc}?as_of=2026-04-01").get_json()
    assert body["status"] == "nothing_on_record"


@pytest.mark.parametrize(("as_of", "code"), [
    ((today() + timedelta(days=1)).isoformat(), "as_of_in_future"),
    ("2026-13-01", "invalid_request"),
    ("yesterday", "invalid_request"),
    ("20260301", "invalid_request"),  # fromisoformat's compact form: not the documented one
    ("2026-W09-1", "invalid_request"),
    ("2026-3-1", "invalid_request"),
])
def test_bad_as_of_is_400_naming_the_field(api, as_of, code):
    response = api.get(f"/api/v1/subjects/{GOOD_UNKNOWN}?as_of={as_of}")
    assert response.status_code == 400
    assert response.get_json()["code"] == code
    assert "as_of" in response.get_json()["errors"]


def test_batch_answers_each_item_on_its_own(api, blacklisted, session):
    subject = blacklisted[0]
    codes = [subject.uscc, "123", GOOD_UNKNOWN, subject.uscc.lower()]
    response = api.post("/api/v1/checks/batch?as_of=2026-07-01", json={"codes": codes})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["count"], body["invalid"], body["as_of"]) == (4, 1, "2026-07-01")
    first, bad, unknown, again = body["items"]
    assert (first["index"], first["valid"], first["status"]) == (0, True, "blacklisted")
    assert bad == {"index": 1, "code": "123", "valid": False,
                   "error": {"code": "uscc_bad_length", "detail": bad["error"]["detail"]}}
    assert (unknown["status"], unknown["name"]) == ("nothing_on_record", None)
    assert again["uscc"] == subject.uscc
    assert again["status"] == "blacklisted"
    rows = session.scalars(select(BankQuery).where(BankQuery.kind == "batch_item")
                           .order_by(BankQuery.id)).all()
    assert [r.status for r in rows] == ["blacklisted", "uscc_bad_length", "nothing_on_record",
                                        "blacklisted"]
    assert len({r.request_id for r in rows}) == 1


def test_batch_of_1000_runs_a_fixed_number_of_queries(api, blacklisted, session):
    codes = [make_uscc(500_000 + i) for i in range(999)] + [blacklisted[0].uscc]
    statements = []
    engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = api.post("/api/v1/checks/batch", json={"codes": codes})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    assert response.get_json()["items"][-1]["status"] == "blacklisted"
    # Key, last use, data version, subjects, entries, their decisions, penalties, log insert.
    queries = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(queries) <= 8, "\n".join(q[:80] for q in queries)
    assert session.scalar(select(func.count(BankQuery.id))
                          .where(BankQuery.kind == "batch_item")) == 1000


@pytest.mark.parametrize(("body", "code"), [
    ({"codes": [GOOD_UNKNOWN] * 1001}, "batch_too_large"),
    ({"codes": []}, "batch_too_large"),
    ({"codes": "91110105MA1213619N"}, "invalid_request"),
    ({}, "invalid_request"),
    ({"codes": [GOOD_UNKNOWN], "extra": 1}, "invalid_request"),
])
def test_bad_batch_is_400_with_a_clear_problem(api, body, code):
    response = api.post("/api/v1/checks/batch", json=body)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == code
    assert response.get_json()["errors"]


@pytest.mark.parametrize(("item", "code", "error"), [
    (12345, "12345", "uscc_not_text"),
    (None, "null", "uscc_not_text"),
    (True, "true", "uscc_not_text"),
    (1.5, "1.5", "uscc_not_text"),
    ({"uscc": "北京"}, '{"uscc": "北京"}', "uscc_not_text"),
    ([GOOD_UNKNOWN], f'["{GOOD_UNKNOWN}"]', "uscc_not_text"),
    ("9" * 101, "9" * 101, "uscc_bad_length"),
])
def test_batch_item_that_is_no_code_is_answered_on_its_own(api, blacklisted, session, item,
                                                             code, error):
    subject = blacklisted[0]
    response = api.post("/api/v1/checks/batch", json={"codes": [subject.uscc, item]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["count"], body["invalid"]) == (2, 1)
    good, bad = body["items"]
    assert (good["valid"], good["status"]) == (True, "blacklisted")
    assert bad == {"index": 1, "code": code, "valid": False,
                   "error": {"code": error, "detail": bad["error"]["detail"]}}
    assert bad["error"]["detail"]
    logged = session.execute(select(BankQuery.query, BankQuery.status)
                             .where(BankQuery.kind == "batch_item").order_by(BankQuery.id)).all()
    assert [tuple(row) for row in logged] == [(subject.uscc, "blacklisted"), (code, error)]


def test_batch_item_with_a_lone_surrogate_is_answered_on_its_own(api, session):
    # JSON may escape a lone surrogate; UTF-8 cannot carry one, so it stays an escape.
    response = api.post("/api/v1/checks/batch", content_type="application/json",
                        data=f'{{"codes": ["\\ud800x", "{GOOD_UNKNOWN}", ["\\udfff"]]}}')
    assert response.status_code == 200, response.get_data(as_text=True)
    items = response.get_json()["items"]
    assert [(i["code"], i["valid"]) for i in items] == [
        ("\\ud800x", False), (GOOD_UNKNOWN, True), ('["\\udfff"]', False)]
    assert [i["error"]["code"] for i in items if not i["valid"]] == [
        "uscc_bad_length", "uscc_not_text"]
    logged = session.scalars(select(BankQuery.query).where(BankQuery.kind == "batch_item")
                             .order_by(BankQuery.id)).all()
    assert logged == ["\\ud800x", GOOD_UNKNOWN, '["\\udfff"]']


def test_every_check_needs_the_check_scope(client, make_key):
    _, key = make_key(("monitor",))
    headers = {"X-API-Key": key}
    for response in (client.get(f"/api/v1/subjects/{GOOD_UNKNOWN}", headers=headers),
                     client.post("/api/v1/checks/batch", json={"codes": [GOOD_UNKNOWN]},
                                 headers=headers),
                     client.get("/api/v1/lookup?name=星辰贸易", headers=headers)):
        assert response.status_code == 403
        assert response.get_json()["code"] == "insufficient_scope"


@pytest.mark.parametrize("day", [date(2026, 2, 27), date(2026, 3, 15), date(2026, 4, 1),
                                 date(2026, 6, 15), today()])
def test_single_check_hot_path_equals_the_batch_query(blacklisted, session, day):
    subject = blacklisted[0]
    red = make_subject()
    make_entry(red, "red", starts_on=date(2025, 1, 1), scheduled_end_on=None)
    for code in (subject.uscc, red.uscc, GOOD_UNKNOWN):
        expected = statuses_by_uscc([code], day).get(code)
        assert status_by_uscc(code, day) == expected
        assert version_and_status(code, day)[1] == expected  # PostgreSQL: one pipeline


def test_batch_items_render_exactly_as_their_dump_schema(app, blacklisted, session):
    subject = blacklisted[0]
    red = make_subject()
    make_entry(red, "red", starts_on=date(2025, 1, 1), scheduled_end_on=None)
    codes = [subject.uscc, red.uscc, GOOD_UNKNOWN, "123", "91110105MA1213619A", 12345, None,
             "9" * 101]
    schema = BatchItemSchema()
    for day in (date(2026, 3, 15), today()):
        for index, answer in enumerate(check_codes(codes, day)):
            item = batch_item(index, answer)
            assert json.loads(json_text(item)) == schema.dump(item)


def test_single_answers_render_exactly_as_their_dump_schema(app, blacklisted, session):
    from service.bank_api.answers import Version, check_code_with_version, status_answer
    from service.bank_api.schemas import StatusAnswerSchema

    subject = blacklisted[0]
    red = make_subject()
    make_entry(red, "red", starts_on=date(2025, 1, 1), scheduled_end_on=None)
    schema = StatusAnswerSchema()
    for version in (Version(0, None), Version(7, datetime(2026, 3, 1, 8, 30, tzinfo=UTC))):
        for day in (date(2026, 3, 15), today()):
            for code in (subject.uscc, red.uscc, GOOD_UNKNOWN):
                answer = status_answer(check_code_with_version(code, day)[0], version, day)
                assert json.loads(json_text(answer)) == schema.dump(answer)


def test_answers_cite_the_current_data_version(api, session):
    from service.audit.operations import data_version, record_change
    from service.core.clock import now

    record_change("decision.published", now=now(), subject_id=None)
    session.commit()
    number, changed_at = data_version()
    body = api.get(f"/api/v1/subjects/{GOOD_UNKNOWN}").get_json()
    assert body["data_version"] == number
    assert body["data_as_of"] == changed_at.isoformat()


def test_a_batch_logs_each_item_as_a_single_check_would(api, blacklisted, session):
    """PostgreSQL writes a batch's log rows by COPY, single checks by INSERT: same rows."""
    codes = [blacklisted[0].uscc, GOOD_UNKNOWN, "123"]
    for code in codes:
        api.get(f"/api/v1/subjects/{code}?as_of=2026-07-01")
    assert api.post("/api/v1/checks/batch?as_of=2026-07-01",
                    json={"codes": codes}).status_code == 200
    fields = (BankQuery.query, BankQuery.status, BankQuery.subject_id, BankQuery.as_of,
              BankQuery.data_version, BankQuery.answer, BankQuery.client_id)
    single = session.execute(select(*fields).where(BankQuery.kind == "status")
                             .order_by(BankQuery.id)).all()
    batch = session.execute(select(*fields).where(BankQuery.kind == "batch_item")
                            .order_by(BankQuery.id)).all()
    assert [tuple(r) for r in batch] == [tuple(r) for r in single]
    assert [r.status for r in batch] == ["blacklisted", "nothing_on_record", "uscc_bad_length"]
    assert batch[0].answer
    assert batch[0].answer == single[0].answer
    ats = session.scalars(select(BankQuery.at).where(BankQuery.kind == "batch_item")).all()
    assert len(set(ats)) == 1
    assert ats[0].tzinfo is not None
