"""Webhooks through a real HTTP server: signed messages, retries with backoff, delivery status."""

import json
import socket
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from service.accounts.keys import create_api_client
from service.audit.models import AuditEvent
from service.bank_api.watch_models import Webhook, WebhookDelivery
from service.bank_api.watchlist import add_watches
from service.bank_api.webhooks import (
    BACKOFF,
    MAX_ATTEMPTS,
    WebhookError,
    deliver_webhooks,
    list_deliveries,
    set_webhook,
    unseal,
    verify_signature,
)
from service.core.actors import Actor
from service.register.operations import publish_decision
from tests.bank_watch.receiver import Receiver
from tests.factories import make_decision, make_subject

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
TODAY = date(2026, 7, 1)
ACTOR = Actor.system("test")


class Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def bank(session):
    client, _ = create_api_client("测试银行", ["monitor"], actor=ACTOR, now=NOW)
    return client


def watched_change(session, bank, *, now=NOW):
    """A watched subject gets a published penalty: one status change."""
    subject = make_subject()
    add_watches(bank.id, [subject.uscc], actor=ACTOR, now=now)
    decision = make_decision(subject, decided_on=date(2026, 6, 20), published=False)
    publish_decision(decision, actor=ACTOR, now=now, today=TODAY)
    session.commit()
    return subject


@pytest.mark.parametrize(("url", "message"), [
    ("", "required"),
    ("ftp://bank.example/hook", r"absolute http\(s\) URL"),
    ("/relative", r"absolute http\(s\) URL"),
    ("http://bank.example/hook", "must use https"),
])
def test_a_webhook_url_must_be_https_or_loopback(session, bank, url, message):
    with pytest.raises(WebhookError, match=message):
        set_webhook(bank.id, url, actor=ACTOR, now=NOW)


def test_the_secret_is_returned_once_and_stored_encrypted(session, bank):
    webhook, secret = set_webhook(bank.id, "https://bank.example/hook", actor=ACTOR, now=NOW)
    assert secret.startswith("whsec_")
    assert secret not in webhook.secret_encrypted
    assert unseal(webhook.secret_encrypted) == secret
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "webhook.set"))
    assert secret not in json.dumps([audit.before, audit.after, audit.details])
    _, second = set_webhook(bank.id, "https://bank.example/other", actor=ACTOR, now=NOW)
    assert second != secret  # setting it again rotates the secret
    assert session.scalars(select(Webhook)).all() == [webhook]


@pytest.mark.usefixtures("loopback_webhooks")
def test_a_failed_delivery_is_retried_after_backoff_and_signed_each_time(session, bank):
    clock = Clock(NOW)
    with Receiver(statuses=(500, 204)) as receiver:
        _, secret = set_webhook(bank.id, receiver.url, actor=ACTOR, now=NOW)
        subject = watched_change(session, bank)

        first = deliver_webhooks(clock=clock, commit=session.commit)
        assert first == {"queued": 1, "delivered": 0, "retrying": 1, "failed": 0}
        [delivery] = list_deliveries(session.scalar(select(Webhook.id)))
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "pending", 1, 500)
        assert delivery.next_attempt_at == NOW + BACKOFF[0]

        clock.at = NOW + timedelta(seconds=30)  # not due yet
        assert deliver_webhooks(clock=clock, commit=session.commit)["retrying"] == 0
        assert len(receiver.requests) == 1

        clock.at = NOW + BACKOFF[0]
        assert deliver_webhooks(clock=clock, commit=session.commit)["delivered"] == 1

    assert (delivery.status, delivery.attempts, delivery.delivered_at) == (
        "delivered", 2, NOW + BACKOFF[0])
    (headers1, body1), (headers2, body2) = receiver.requests
    assert headers1["webhook-id"] == headers2["webhook-id"] == delivery.message_id
    assert body1 == body2
    assert headers2["webhook-timestamp"] == str(int(clock.at.timestamp()))
    assert verify_signature(secret, headers2, body2, now=clock.at.timestamp())
    assert not verify_signature(secret, headers2, body2 + b" ", now=clock.at.timestamp())
    assert not verify_signature(secret, headers2, body2, now=clock.at.timestamp() + 301)
    message = json.loads(body2)
    [change] = message["data"]["changes"]
    assert (change["uscc"], change["to_status"]) == (subject.uscc, "disclosed_penalties")
    assert message["data"]["next_cursor"] == change["sequence"]
    # Nothing new: a further run sends nothing.
    clock.at += timedelta(hours=1)
    assert deliver_webhooks(clock=clock, commit=session.commit) == {
        "queued": 0, "delivered": 0, "retrying": 0, "failed": 0}


@pytest.mark.usefixtures("loopback_webhooks")
def test_a_receiver_that_keeps_failing_ends_as_failed_after_the_last_attempt(session, bank):
    clock = Clock(NOW)
    with Receiver(statuses=(503,)) as receiver:
        set_webhook(bank.id, receiver.url, actor=ACTOR, now=NOW)
        watched_change(session, bank)
        for wait in (timedelta(0), *BACKOFF):
            clock.at += wait
            deliver_webhooks(clock=clock, commit=session.commit)
    delivery = session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "failed", MAX_ATTEMPTS, None)
    assert len(receiver.requests) == MAX_ATTEMPTS
    assert delivery.last_error == "HTTP 503"


@pytest.mark.usefixtures("loopback_webhooks")
def test_an_unreachable_url_is_recorded_as_an_error(session, bank):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens
    set_webhook(bank.id, f"http://127.0.0.1:{port}/hook", actor=ACTOR, now=NOW)
    watched_change(session, bank)
    deliver_webhooks(clock=Clock(NOW), commit=session.commit)
    delivery = session.scalar(select(WebhookDelivery))
    assert delivery.last_status_code is None
    assert "Connection refused" in delivery.last_error or "URLError" in delivery.last_error


@pytest.mark.usefixtures("loopback_webhooks")
def test_changes_of_unwatched_subjects_and_before_the_webhook_are_not_sent(session, bank):
    watched_change(session, bank)  # before the webhook existed: stays in the feed only
    with Receiver() as receiver:
        set_webhook(bank.id, receiver.url, actor=ACTOR, now=NOW)
        other = make_subject()
        publish_decision(make_decision(other, decided_on=date(2026, 6, 20), published=False),
                         actor=ACTOR, now=NOW, today=TODAY)
        session.commit()
        assert deliver_webhooks(clock=Clock(NOW), commit=session.commit)["queued"] == 0
        watched_change(session, bank)
        assert deliver_webhooks(clock=Clock(NOW), commit=session.commit)["delivered"] == 1
    assert len(receiver.requests) == 1
