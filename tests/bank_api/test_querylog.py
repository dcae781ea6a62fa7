"""The query log is written with the answer and cannot be rewritten."""

from datetime import date

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from service.bank_api.models import BankQuery
from service.bank_api.querylog import LoggedQuery, log_queries
from tests.bank_api.conftest import NOW


def _log(client_id, n=3):
    items = [LoggedQuery(f"code{i}", "nothing_on_record", answer={"penalties": 0})
             for i in range(n)]
    log_queries(client_id, "batch_item", items, as_of=date(2026, 11, 1), data_version=7, now=NOW)


def test_batch_is_logged_in_one_request_group(app, session, make_key):
    api_client, _ = make_key()
    with app.test_request_context():
        _log(api_client.id)
    rows = session.scalars(select(BankQuery).where(BankQuery.client_id == api_client.id)).all()
    assert [r.query for r in rows] == ["code0", "code1", "code2"]
    assert len({r.request_id for r in rows}) == 1
    assert {(r.kind, r.status, r.data_version, r.as_of) for r in rows} == {
        ("batch_item", "nothing_on_record", 7, date(2026, 11, 1))}


@pytest.mark.parametrize("statement", [
    update(BankQuery).values(status="blacklisted"),
    delete(BankQuery),
])
def test_log_rows_cannot_be_updated_or_deleted(app, session, make_key, statement):
    api_client, _ = make_key()
    with app.test_request_context():
        _log(api_client.id, 1)
    savepoint = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(statement.where(BankQuery.client_id == api_client.id))
    savepoint.rollback()
    assert session.scalar(select(BankQuery.status).where(BankQuery.client_id == api_client.id)) \
        == "nothing_on_record"


def test_unknown_kind_is_refused(app, make_key):
    api_client, _ = make_key()
    with app.test_request_context(), pytest.raises(ValueError, match="unknown query kind"):
        log_queries(api_client.id, "gossip", [LoggedQuery("x", "y")], as_of=None,
                    data_version=None, now=NOW)


def test_control_characters_are_escaped_in_the_log(api, session):
    response = api.post("/api/v1/checks/batch", json={"codes": ["9111\x00010", "x\ty"]})
    assert response.status_code == 200
    assert [i["error"]["code"] for i in response.get_json()["items"]] == [
        "uscc_bad_length", "uscc_bad_length"]
    logged = session.scalars(select(BankQuery.query).where(BankQuery.kind == "batch_item")
                             .order_by(BankQuery.id)).all()
    assert logged == ["9111\\x00010", "x\\x09y"]


def test_the_answer_names_the_request_id_its_log_rows_carry(api, session):
    first = api.post("/api/v1/checks/batch", json={"codes": ["91110000", "x"]})
    second = api.get("/api/v1/subjects/91110000")
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert ids[0] != ids[1]
    for request_id, count in zip(ids, (2, 1), strict=True):
        rows = session.scalars(select(BankQuery).where(BankQuery.request_id == request_id)).all()
        assert len(rows) == count
