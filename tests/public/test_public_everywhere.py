"""Rules that hold on every public page and download at once."""

from datetime import UTC, datetime, timedelta

import pytest

from service.core.db import db
from service.search.interface import get_search
from tests.factories import make_decision, make_subject
from tests.public.helpers import unmasked_id_numbers


def _public_urls(world):
    urls = ["/", "/blacklist", "/redlist", "/statistics", "/statistics.csv", "/open-data",
            "/open-data/decisions.csv", "/open-data/decisions.json", "/open-data/blacklist.csv",
            "/open-data/blacklist.json", "/open-data/redlist.csv", "/open-data/redlist.json",
            "/feed.atom", f"/subjects/by-code/{world.listed.uscc}",
            f"/subjects/by-code/{world.person_id_number}",
            # search results that hold the natural person's decision
            "/search?q=王五", "/search?q=盗版图书", "/search?q=侵犯著作权&sort=date"]
    urls += [f"/decisions/{d.id}" for d in (world.disclosed, world.last_day, world.expired,
                                              world.revoked, world.repaired, world.warning,
                                              world.person_decision)]
    urls += [f"/subjects/{s.id}" for s in (world.listed, world.expired_company, world.person,
                                             world.red)]
    return urls


def test_no_public_response_contains_an_id_number(client, world):
    # an official typed the number into free text of several fields as well
    world.person_decision.remarks = f"身份证号：{world.person_id_number}"
    world.person_decision.penalty_content = f"对{world.person_id_number}罚款"
    db.session.flush()
    search = get_search()
    search.write([world.person_decision.id, world.disclosed.id])
    try:
        assert f"/decisions/{world.person_decision.id}" in client.get(
            "/search?q=王五").get_data(as_text=True)

        for url in _public_urls(world):
            response = client.get(url, follow_redirects=True)
            text = response.get_data(as_text=True)
            assert response.status_code in (200, 404, 410), url
            assert world.person_id_number not in text, url
            assert unmasked_id_numbers(text) == [], url
    finally:  # the decisions are rolled back after the test: take them out of the index
        with search._writer() as writer:
            for decision in (world.person_decision, world.disclosed):
                writer.delete_by_term("id", str(decision.id))


@pytest.mark.parametrize("how", ["expired_yesterday", "revoked_now"])
def test_withdrawn_decision_is_absent_everywhere(client, world, today, how):
    subject = make_subject("北京消失商贸有限公司")
    decision = make_decision(subject, world.authority, decided_on=today - timedelta(days=100),
                             number="京朝市监处罚〔2026〕999号")
    before = client.get("/open-data/decisions.csv").get_data(as_text=True)
    assert decision.number in before
    if how == "expired_yesterday":
        decision.disclosure_ends_on = today - timedelta(days=1)
    else:
        decision.revoked_at = datetime.now(UTC)
    db.session.flush()

    for url in ("/", "/blacklist", "/open-data/decisions.csv", "/open-data/decisions.json",
                "/feed.atom", f"/subjects/{subject.id}"):
        text = client.get(url).get_data(as_text=True)
        assert decision.number not in text, url
        assert subject.name not in text, url
    assert client.get(f"/decisions/{decision.id}").status_code == 410
    assert client.get(f"/subjects/{subject.id}").status_code == 404
    assert '"nothing_on_record"' in client.get(
        f"/subjects/by-code/{subject.uscc}").get_data(as_text=True)
