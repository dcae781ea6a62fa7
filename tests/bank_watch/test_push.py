"""After a commit that changes a watched subject, the webhook is sent without waiting for cron."""

import time
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from service.accounts.keys import create_api_client
from service.bank_api.watch_models import WebhookDelivery
from service.bank_api.watchlist import add_watches
from service.bank_api.webhooks import set_webhook, verify_signature
from service.core.actors import Actor
from service.core.db import db
from service.register.operations import publish_decision
from tests.bank_watch.receiver import Receiver
from tests.conftest import fresh_database, make_test_app
from tests.factories import make_decision, make_subject

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
ACTOR = Actor.system("test")


@pytest.fixture
def pushing_app(tmp_path):
    with fresh_database("sqlite", tmp_path) as url:
        app = make_test_app(url, tmp_path, BANK_WEBHOOK_PUSH=True,
                            BANK_WEBHOOK_ALLOW_HTTP=True)  # a local receiver
        yield app
        app.extensions["db_engine"].dispose()


def test_a_committed_change_is_pushed_to_the_webhook_at_once(pushing_app):
    with Receiver() as receiver, pushing_app.app_context():
        client, _ = create_api_client("测试银行", ["monitor"], actor=ACTOR, now=NOW)
        _, secret = set_webhook(client.id, receiver.url, actor=ACTOR, now=NOW)
        subject = make_subject()
        add_watches(client.id, [subject.uscc], actor=ACTOR, now=NOW)
        decision = make_decision(subject, decided_on=date(2026, 6, 20), published=False)
        db.session.commit()

        publish_decision(decision, actor=ACTOR, now=NOW, today=date(2026, 7, 1))
        db.session.commit()

        assert receiver.received.wait(10), "the webhook was not pushed after commit"
        headers, body = receiver.requests[0]
        assert verify_signature(secret, headers, body, now=int(headers["webhook-timestamp"]))
        assert subject.uscc.encode() in body
        db.session.remove()
        for _ in range(150):  # the pusher records the outcome soon after (15 s on slow CI)
            status = db.session.scalar(select(WebhookDelivery.status))
            db.session.remove()
            if status == "delivered":
                break
            time.sleep(0.1)
        assert status == "delivered"
