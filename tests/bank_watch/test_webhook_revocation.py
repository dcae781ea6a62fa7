"""A revoked API client is sent nothing more: its webhook stops, queued messages stay unsent."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from service.accounts.keys import create_api_client, revoke_api_client
from service.audit.models import AuditEvent
from service.bank_api.watch_models import Webhook, WebhookDelivery
from service.bank_api.webhooks import (
    claim_due,
    deliver_webhooks,
    prepare_delivery,
    queue_deliveries,
    set_webhook,
)
from tests.bank_watch.receiver import Receiver
from tests.bank_watch.test_webhooks import ACTOR, NOW, Clock, watched_change

pytestmark = pytest.mark.usefixtures("loopback_webhooks")


@pytest.fixture
def bank(session):
    """The API client itself (not a test client sending its key)."""
    client, _ = create_api_client("测试银行", ["monitor"], actor=ACTOR, now=NOW)
    return client

NOTHING = {"queued": 0, "delivered": 0, "retrying": 0, "failed": 0}


def test_a_revoked_client_is_sent_no_new_changes(session, bank):
    with Receiver() as receiver:
        webhook, _ = set_webhook(bank.id, receiver.url, actor=ACTOR, now=NOW)
        session.commit()
        revoke_api_client(bank, actor=ACTOR, now=NOW, reason="合作终止")
        session.commit()
        watched_change(session, bank)

        outcome = deliver_webhooks(clock=Clock(NOW), commit=session.commit)

    assert outcome == NOTHING
    assert receiver.requests == []
    assert session.scalars(select(WebhookDelivery)).all() == []
    assert webhook.is_active is False
    audit = session.scalar(select(AuditEvent).where(AuditEvent.action == "api_client.revoke"))
    assert audit.details == {"reason": "合作终止", "webhook_deactivated": webhook.id}


def test_a_message_queued_before_the_revocation_is_not_sent(session, bank):
    with Receiver() as receiver:
        set_webhook(bank.id, receiver.url, actor=ACTOR, now=NOW)
        watched_change(session, bank)
        assert queue_deliveries(now=NOW) == 1
        session.commit()
        revoke_api_client(bank, actor=ACTOR, now=NOW)
        session.commit()

        later = Clock(NOW + timedelta(hours=1))
        assert deliver_webhooks(clock=later, commit=session.commit) == NOTHING

    assert receiver.requests == []
    delivery = session.scalar(select(WebhookDelivery))
    assert (delivery.status, delivery.attempts, delivery.last_attempt_at) == ("pending", 0, None)


def test_a_client_revoked_between_claim_and_send_is_not_sent_the_message(session, bank):
    set_webhook(bank.id, "http://127.0.0.1:9/hook", actor=ACTOR, now=NOW)
    watched_change(session, bank)
    queue_deliveries(now=NOW)
    [claimed] = claim_due(now=NOW)
    session.commit()
    revoke_api_client(bank, actor=ACTOR, now=NOW)
    session.commit()
    assert prepare_delivery(claimed, now=NOW) is None


def test_a_client_revoked_while_its_webhook_stayed_active_is_sent_nothing(session, bank):
    """Clients revoked before revocation stopped webhooks: the client's state decides."""
    with Receiver() as receiver:
        set_webhook(bank.id, receiver.url, actor=ACTOR, now=NOW)
        watched_change(session, bank)
        queue_deliveries(now=NOW)
        bank.is_active = False
        watched_change(session, bank)

        assert deliver_webhooks(clock=Clock(NOW), commit=session.commit) == NOTHING

    assert receiver.requests == []
    assert session.scalar(select(Webhook.is_active)) is True
    assert session.scalar(select(WebhookDelivery.attempts)) == 0
