
"""The watch list, changes feed, webhook and deliveries endpoints, through the test client."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent
from service.bank_api.models import BankQuery
from service.bank_api.monitor_schemas import ChangeSchema
from service.bank_api.watch_models import WebhookDelivery
from service.bank_api.webhooks import deliver_webhooks, verify_signature
from service.core import clock
from service.core.actors import Actor
from service.register.operations import publish_decision, revoke_decision
from tests.bank_watch.receiver import Receiver
from tests.factories import make_decision, make_subject, make_uscc

ACTOR = Actor.system("test")


def publish_for(session, subject, **kw):
    decision = make_decision(subject, decided_on=kw.pop("decided_on", date(2026, 6, 20)),
                             published=False, **kw)
    publish_decision(decision, actor=ACTOR, now=clock.now(), today=clock.today())
    session.commit()
    return decision


def test_watching_reports_each_code_on_its_own(bank, session):
    good, other = make_uscc(), make_uscc()
    response = bank.put("/api/v1/watchlist", json={"codes": [
        good, good.lower(), other[:-1] + ("0" if other[-1] != "0" else "1"), "123", other]})
    assert response.status_code == 200
    body = response.get_json()
    assert [i["result"] for i in body["items"]] == [
        "added", "already_watched", "invalid", "invalid", "added"]
    assert body["items"][2]["error"]["code"] == "uscc_bad_check_character"
    assert body["items"][3]["error"]["code"] == "uscc_bad_length"
    assert body["items"][1]["uscc"] == good
    assert (body["count"], body["changed"], body["invalid"], body["watching"]) == (5, 2, 2, 2)

    listed = bank.get("/api/v1/watchlist").get_json()
    assert [w["uscc"] for w in listed["items"]] == [good, other]
    assert listed["next_after"] is None

    removed = bank.delete("/api/v1/watchlist", json={"codes": [good, make_uscc()]}).get_json()
    assert [i["result"] for i in removed["items"]] == ["removed", "not_watched"]
    assert removed["watching"] == 1
    actions = session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("watch.%")).order_by(AuditEvent.id)).all()
    assert actions == ["watch.add", "watch.remove"]


def test_the_watchlist_pages(bank):
    codes = [make_uscc() for _ in range(5)]
    bank.put("/api/v1/watchlist", json={"codes": codes})
    first = bank.get("/api/v1/watchlist?limit=3").get_json()
    second = bank.get(f"/api/v1/watchlist?limit=3&after={first['next_after']}").get_json()
    assert [w["uscc"] for w in first["items"] + second["items"]] == codes
    assert (first["total"], second["next_after"]) == (5, None)


def test_a_batch_over_1000_codes_is_refused_naming_the_field(bank):
    response = bank.put("/api/v1/watchlist", json={"codes": [make_uscc()] * 1001})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "batch_too_large"
    assert "codes" in body["errors"]


def test_monitoring_needs_the_monitor_scope(client, make_key):
    _, key = make_key(("check",))
    response = client.get("/api/v1/changes", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "insufficient_scope"
    assert client.get("/api/v1/changes").status_code == 401


def test_the_feed_returns_changes_of_watched_codes_after_the_cursor(bank, session):
    watched, unwatched = make_subject(), make_subject()
    bank.put("/api/v1/watchlist", json={"codes": [watched.uscc]})
    decision = publish_for(session, watched)
    publish_for(session, unwatched)

    page = bank.get("/api/v1/changes?cursor=0").get_json()
    [change] = page["items"]
    assert ChangeSchema().validate(change) == {}  # rendered without the schema: still matches
    fines = change["summary"]["penalties"]
    report = bank.post("/api/v1/reports", json={"uscc": watched.uscc}).get_json()["report"]
    assert fines["total_fine_cny"] == report["penalties"]["total_fine_cny"]  # the same unit
    assert Decimal(fines["total_fine_cny"]) == Decimal(fines["total_fine"]) * 10000 > 0
    assert (change["uscc"], change["from_status"], change["to_status"]) == (
        watched.uscc, "nothing_on_record", "disclosed_penalties")
    assert page["next_cursor"] == change["sequence"]
    assert page["has_more"] is False

    empty = bank.get(f"/api/v1/changes?cursor={page['next_cursor']}").get_json()
    assert (empty["items"], empty["next_cursor"]) == ([], page["next_cursor"])

    revoke_decision(decision, kind="行政复议", reason="撤销", actor=ACTOR, now=clock.now(),
                    today=clock.today())
    session.commit()
    later = bank.get(f"/api/v1/changes?cursor={page['next_cursor']}").get_json()
    assert [c["to_status"] for c in later["items"]] == ["nothing_on_record"]
    assert later["items"][0]["sequence"] > page["next_cursor"]

    logged = session.scalars(select(BankQuery).where(BankQuery.kind == "changes")
                             .order_by(BankQuery.id)).all()
    assert [(q.query, q.status, q.subject_id) for q in logged] == [
        (watched.uscc, "disclosed_penalties", watched.id),
        (watched.uscc, "nothing_on_record", watched.id)]


def test_each_change_names_the_data_version_a_check_answered_from(bank, client, make_key,
                                                                 session):
    _, check_key = make_key(("check",))

    def checked_version(subject):
        answer = client.get(f"/api/v1/subjects/{subject.uscc}",
                            headers={"Authorization": f"Bearer {check_key}"}).get_json()
        return answer["data_version"]

    watched = make_subject()
    bank.put("/api/v1/watchlist", json={"codes": [watched.uscc]})
    decision = publish_for(session, watched)
    published = checked_version(watched)
    publish_for(session, make_subject())  # a later change elsewhere: a higher version
    revoke_decision(decision, kind="行政复议", reason="撤销", actor=ACTOR, now=clock.now(),
                    today=clock.today())
    session.commit()
    revoked = checked_version(watched)

    items = bank.get("/api/v1/changes?cursor=0").get_json()["items"]
    assert [(c["to_status"], c["data_version"]) for c in items] == [
        ("disclosed_penalties", published), ("nothing_on_record", revoked)]
    assert published < revoked
    logged = session.scalars(select(BankQuery.data_version).where(
        BankQuery.kind == "changes")).all()
    assert logged == [published, revoked]  # each logged with what it told the bank


def test_the_feed_pages_without_skipping_or_repeating(bank, session):
    subjects = [make_subject() for _ in range(3)]
    bank.put("/api/v1/watchlist", json={"codes": [s.uscc for s in subjects]})
    for subject in subjects:
        publish_for(session, subject)
    seen, cursor = [], 0
    while True:
        page = bank.get(f"/api/v1/changes?cursor={cursor}&limit=2").get_json()
        seen += [c["uscc"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [s.uscc for s in subjects]


def test_bad_feed_arguments_are_refused(bank):
    response = bank.get("/api/v1/changes?cursor=-1&limit=9999")
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"cursor", "limit"}


def test_webhook_set_show_deliveries_and_delete(bank, session, app, monkeypatch):
    assert bank.get("/api/v1/webhook").status_code == 404
    refused = bank.put("/api/v1/webhook", json={"url": "http://bank.example/hook"})
    assert refused.status_code == 400
    assert "https" in refused.get_json()["errors"]["url"][0]
    private = bank.put("/api/v1/webhook", json={"url": "https://10.0.0.1/hook"})
    assert (private.status_code, private.get_json()["code"]) == (400, "invalid_webhook_url")
    assert "private address" in private.get_json()["errors"]["url"][0]

    monkeypatch.setitem(app.config, "BANK_WEBHOOK_ALLOW_HTTP", True)  # a local receiver
    with Receiver(statuses=(500, 200)) as receiver:
        created = bank.put("/api/v1/webhook", json={"url": receiver.url})
        assert created.status_code == 200
        secret = created.get_json()["secret"]
        shown = bank.get("/api/v1/webhook").get_json()
        assert shown["url"] == receiver.url
        assert "secret" not in shown

        subject = make_subject()
        bank.put("/api/v1/watchlist", json={"codes": [subject.uscc]})
        publish_for(session, subject)
        deliver_webhooks(clock=clock.now, commit=session.commit)

        [failed] = bank.get("/api/v1/webhook/deliveries").get_json()["items"]
        assert (failed["status"], failed["attempts"], failed["last_status_code"]) == (
            "pending", 1, 500)
        assert failed["next_attempt_at"] is not None

        delivery = session.scalar(select(WebhookDelivery))
        later = delivery.next_attempt_at
        deliver_webhooks(clock=lambda: later, commit=session.commit)
        [done] = bank.get("/api/v1/webhook/deliveries?status=delivered").get_json()["items"]
        assert (done["attempts"], done["change_count"]) == (2, 1)
        headers, body = receiver.requests[-1]
        assert verify_signature(secret, headers, body, now=later.timestamp())

    assert bank.delete("/api/v1/webhook").status_code == 204
    assert bank.get("/api/v1/webhook").status_code == 404
    assert session.scalar(select(WebhookDelivery)) is None


@pytest.mark.usefixtures("loopback_webhooks")
def test_a_failed_delivery_can_be_sent_again(bank, session):
    from datetime import timedelta

    from service.bank_api.webhooks import MAX_ATTEMPTS

    with Receiver(statuses=(500,)) as receiver:
        bank.put("/api/v1/webhook", json={"url": receiver.url})
        subject = make_subject()
        bank.put("/api/v1/watchlist", json={"codes": [subject.uscc]})
        publish_for(session, subject)
        delivery = None
        moments = [clock.now()]
        for _ in range(MAX_ATTEMPTS):
            deliver_webhooks(clock=lambda: moments[-1], commit=session.commit)
            delivery = session.scalar(select(WebhookDelivery))
            moments.append(delivery.next_attempt_at or moments[-1])
        moment = moments[-1]
        assert delivery.status == "failed"

        receiver.statuses = [204]
        retried = bank.post(f"/api/v1/webhook/deliveries/{delivery.id}/retry")
        assert retried.status_code == 200
        assert (retried.get_json()["status"], retried.get_json()["attempts"]) == ("pending", 0)
        deliver_webhooks(clock=lambda: moment + timedelta(seconds=1), commit=session.commit)
    assert delivery.status == "delivered"
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1  # the same message
    again = bank.post(f"/api/v1/webhook/deliveries/{delivery.id}/retry")
    assert (again.status_code, again.get_json()["code"]) == (409, "already_delivered")
    missing = bank.post(f"/api/v1/webhook/deliveries/{delivery.id + 100}/retry")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "delivery_not_found")


@pytest.mark.parametrize("method", ["put", "delete"])
def test_odd_watch_list_items_get_answers_not_server_errors(bank, method):
    """A lone surrogate (JSON may escape one; UTF-8 cannot hold it) is an invalid code;
    items that are not strings make the request a 400 naming each item, as documented."""
    good = make_uscc()
    send = getattr(bank, method)
    response = send("/api/v1/watchlist", data='{"codes": ["\\ud800", "' + good + '"]}',
                    content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)
    first, second = response.get_json()["items"]
    assert first["result"] == "invalid"
    assert first["error"]["code"].startswith("uscc_")
    assert second["uscc"] == good
    refused = send("/api/v1/watchlist", data='{"codes": [12, null, "' + good + '"]}',
                   content_type="application/json")
    assert refused.status_code == 400
    assert refused.mimetype == "application/problem+json"
    assert set(refused.get_json()["errors"]) == {"codes[0]", "codes[1]"}
