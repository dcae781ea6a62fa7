"""Batch checks under an Idempotency-Key: a repeat gets the first answer, byte for byte."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from service.audit.operations import record_change
from service.bank_api import views
from service.bank_api.answers import KEEP_ANSWERS
from service.bank_api.models import BankQuery, BatchAnswer
from service.core import clock
from tests.factories import make_decision, make_entry, make_subject, make_uscc

URL = "/api/v1/checks/batch"
GOOD_UNKNOWN = make_uscc(987654322)
_LOGGED = (BankQuery.query, BankQuery.status, BankQuery.subject_id, BankQuery.answer,
           BankQuery.as_of, BankQuery.data_version)


@pytest.fixture
def moment(monkeypatch):
    """The API's clock, to be moved on: `moment.now += timedelta(...)`."""

    class Moment:
        now = clock.now()

    monkeypatch.setattr(views, "now", lambda: Moment.now)
    return Moment


@pytest.fixture
def listed(session):
    subject = make_subject("北京星辰贸易有限公司")
    make_entry(subject, starts_on=date(2026, 1, 5), decisions=[make_decision(subject)])
    session.commit()
    return subject


def post(api, codes, key, as_of=None):
    query = f"?as_of={as_of}" if as_of else ""
    return api.post(URL + query, json={"codes": codes}, headers={"Idempotency-Key": key})


def logged_rows(session):
    return [tuple(row) for row in session.execute(
        select(*_LOGGED).where(BankQuery.kind == "batch_item").order_by(BankQuery.id))]


def kept(session):
    return session.scalar(select(func.count(BatchAnswer.id)))


def test_repeat_gets_the_first_answer_byte_for_byte(api, listed, session):
    codes = [listed.uscc, GOOD_UNKNOWN, "123", 12345]
    first = post(api, codes, "order-7f3a")
    make_decision(listed, decided_on=date(2026, 7, 1))  # the data change in between
    record_change("decision.published", now=clock.now(), subject_id=listed.id)
    session.commit()
    again = post(api, codes, "order-7f3a")
    fresh = api.post(URL, json={"codes": codes})
    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.mimetype == "application/json"
    assert again.get_data() == first.get_data()
    assert fresh.get_json()["data_version"] > first.get_json()["data_version"]
    assert fresh.get_json()["items"][0]["penalties"]["count"] == 2
    assert again.get_json()["items"][0]["penalties"]["count"] == 1
    assert kept(session) == 1


def test_replay_is_logged_again_as_the_answer_it_repeats(api, listed, session):
    codes = [listed.uscc, GOOD_UNKNOWN, "123", None]
    post(api, codes, "k1", as_of="2026-07-01")
    first = logged_rows(session)
    make_decision(listed, decided_on=date(2026, 6, 15))
    session.commit()
    post(api, codes, "k1", as_of="2026-07-01")
    rows = logged_rows(session)
    assert rows == first + first
    assert [r[1] for r in first] == ["blacklisted", "nothing_on_record", "uscc_bad_length",
                                     "uscc_not_text"]
    assert first[0][2] == listed.id
    assert first[0][3] == {"black": 1, "red": 0, "penalties": 1}
    assert first[0][4] == date(2026, 7, 1)


@pytest.mark.parametrize(("codes", "as_of"), [
    ([GOOD_UNKNOWN], None),  # other codes
    (["123", GOOD_UNKNOWN.lower()], None),  # the same codes written otherwise
    ([GOOD_UNKNOWN, "123"], None),  # other order
    (["123", GOOD_UNKNOWN], "2026-07-01"),  # other as_of
])
def test_same_key_for_another_batch_is_422(api, session, codes, as_of):
    first = post(api, ["123", GOOD_UNKNOWN], "k-reused")
    logged = len(logged_rows(session))
    response = post(api, codes, "k-reused", as_of=as_of)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "idempotency_key_reused"
    assert "k-reused" in response.get_json()["detail"]
    assert len(logged_rows(session)) == logged
    assert post(api, ["123", GOOD_UNKNOWN], "k-reused").get_data() == first.get_data()


def test_as_of_given_is_not_the_same_as_today_by_default(api, session):
    post(api, [GOOD_UNKNOWN], "k-day")
    response = post(api, [GOOD_UNKNOWN], "k-day", as_of=clock.today().isoformat())
    assert response.status_code == 422


def test_keys_belong_to_their_client(api, client, make_key, session):
    _, other = make_key(name="建设银行上海分行")
    mine = post(api, [GOOD_UNKNOWN], "shared-key")
    theirs = client.post(URL, json={"codes": ["123"]}, headers={
        "Idempotency-Key": "shared-key", "Authorization": f"Bearer {other}"})
    assert (mine.status_code, theirs.status_code) == (200, 200)
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["items"][0]["code"] == "123"
    assert kept(session) == 2


def test_without_a_key_nothing_is_kept_or_replayed(api, session):
    first = api.post(URL, json={"codes": [GOOD_UNKNOWN]})
    again = api.post(URL, json={"codes": [GOOD_UNKNOWN]})
    assert "Idempotent-Replayed" not in again.headers
    assert first.status_code == again.status_code == 200
    assert kept(session) == 0
    assert len(logged_rows(session)) == 2


@pytest.mark.parametrize("key", ["", "two words", "tab\there", "x" * 101, "caf\xe9"])
def test_malformed_key_is_400_and_nothing_is_answered(api, session, key):
    response = post(api, [GOOD_UNKNOWN], key)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "invalid_idempotency_key"
    assert (kept(session), logged_rows(session)) == (0, [])


def test_longest_key_is_accepted(api, session):
    key = "!" + "a" * 98 + "~"
    assert post(api, [GOOD_UNKNOWN], key).status_code == 200
    assert post(api, [GOOD_UNKNOWN], key).headers["Idempotent-Replayed"] == "true"


def test_refused_batch_keeps_nothing_under_its_key(api, session):
    assert post(api, [], "k-bad").status_code == 400
    response = post(api, [GOOD_UNKNOWN], "k-bad")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response.headers


def test_answer_is_replayed_for_24_hours_then_the_key_is_free(api, session, moment):
    first = post(api, [GOOD_UNKNOWN], "k-day")
    moment.now += KEEP_ANSWERS - timedelta(seconds=1)
    assert post(api, [GOOD_UNKNOWN], "k-day").get_data() == first.get_data()
    assert post(api, ["123"], "k-day").status_code == 422
    moment.now += timedelta(seconds=1)
    reused = post(api, ["123"], "k-day")
    assert reused.status_code == 200
    assert "Idempotent-Replayed" not in reused.headers
    assert reused.get_json()["items"][0]["code"] == "123"
    assert post(api, ["123"], "k-day").headers["Idempotent-Replayed"] == "true"
    assert kept(session) == 1


def test_expired_answers_are_purged_when_answers_are_kept(api, session, moment):
    for key in ("old-1", "old-2", "old-3"):
        post(api, [GOOD_UNKNOWN], key)
    moment.now += timedelta(hours=2)
    post(api, [GOOD_UNKNOWN], "recent")
    moment.now += KEEP_ANSWERS - timedelta(hours=1)
    post(api, [GOOD_UNKNOWN], "new")
    assert set(session.scalars(select(BatchAnswer.idempotency_key))) == {"recent", "new"}


def test_answer_kept_first_by_a_concurrent_request_is_replayed(api, session, monkeypatch):
    first = post(api, [GOOD_UNKNOWN], "k-race")
    # The second request looked before the first was committed: it finds the key taken
    # only when it keeps its own answer.
    monkeypatch.setattr(views, "kept_answer", lambda *args: None)
    again = post(api, [GOOD_UNKNOWN], "k-race")
    other = post(api, ["123"], "k-race")
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert other.status_code == 422
    assert kept(session) == 1
    assert len(logged_rows(session)) == 2
