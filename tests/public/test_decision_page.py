"""The decision page: every public field, 公示至, corrections, 410 once withdrawn, and 404
for a decision that was never public."""

from datetime import UTC, datetime, timedelta

import pytest

from service.core.db import db
from tests.factories import make_decision
from tests.public.helpers import unmasked_id_numbers


def test_decision_page_shows_every_public_field(client, world):
    d = world.disclosed
    d.legacy_code = None
    d.licence_info = "食品经营许可证 JY11105000000001"
    d.effect_ends_on = world.today + timedelta(days=100)
    d.source_unit = "北京市朝阳区市场监督管理局执法大队"
    d.source_unit_uscc = "11110105000000111X"
    db.session.flush()

    response = client.get(f"/decisions/{d.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    for value in (d.party_name, d.party_kind, d.uscc, d.legal_representative, d.number,
                  d.violation_type, d.facts, d.legal_basis, "罚款；没收违法所得",
                  d.penalty_content, d.licence_info, d.decided_on.isoformat(),
                  d.effect_ends_on.isoformat(), d.authority.name, d.authority.uscc,
                  d.source_unit, d.source_unit_uscc, d.remarks):
        assert value in html, value
    assert '<span class="money">12.345678</span> 万元' in html
    assert "123,456.78 元" in html
    assert '<span class="money">0.5</span> 万元' in html
    assert f"公示至 <time datetime=\"{d.disclosure_ends_on.isoformat()}\">" in html
    assert "更正" not in html
    assert f'href="/subjects/{d.subject_id}"' in html


def test_correction_is_noted_with_its_date(client, world):
    # 17:30 UTC is 01:30 on 5 March in Beijing
    world.disclosed.corrected_at = datetime(2026, 3, 4, 17, 30, tzinfo=UTC)
    db.session.flush()

    html = client.get(f"/decisions/{world.disclosed.id}").get_data(as_text=True)

    assert "data-corrected" in html
    assert ">2026-03-05</time> 更正" in html


def test_natural_person_shows_masked_id_only(client, world):
    d = world.person_decision
    html = client.get(f"/decisions/{d.id}").get_data(as_text=True)

    assert d.id_number_masked in html
    number = world.person_id_number
    assert d.id_number_masked == number[:6] + "********" + number[-4:]
    assert world.person_id_number not in html  # not even inside the facts text
    assert unmasked_id_numbers(html) == []
    assert "统一社会信用代码</dt>" not in html.split("处罚信息")[0]


def test_last_public_day_is_inclusive(client, world):
    response = client.get(f"/decisions/{world.last_day.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"公示至 <time datetime=\"{world.today.isoformat()}\">" in html


@pytest.mark.parametrize(("which", "label"), [
    ("expired", "公示期满"),
    ("revoked", "已撤销"),
    ("repaired", "已信用修复"),
])
def test_withdrawn_decision_is_gone(client, world, which, label):
    decision = getattr(world, which)

    response = client.get(f"/decisions/{decision.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 410
    assert label in html
    assert decision.number not in html
    assert decision.party_name not in html
    assert decision.facts not in html


@pytest.mark.parametrize("which", ["draft", "pending", "warning", "simple_procedure",
                                   "revoked_warning"])
def test_a_decision_never_public_is_not_found(client, world, which):
    if which in ("draft", "pending"):
        decision = make_decision(world.listed, world.authority, decided_on=world.today,
                                 published=False)
        decision.status = which
    elif which == "simple_procedure":
        decision = make_decision(world.listed, world.authority, decided_on=world.today,
                                 categories=("罚款",), fine="0.02", is_simple_procedure=True)
    else:
        decision = world.warning
        if which == "revoked_warning":
            decision.status, decision.revoked_at = "revoked", datetime.now(UTC)
    db.session.flush()
    assert not decision.is_disclosable or decision.published_at is None

    response = client.get(f"/decisions/{decision.id}")
    html = response.get_data(as_text=True)

    # The same answer as for an id that does not exist: nothing confirms the record.
    assert response.status_code == 404
    assert html == client.get("/decisions/999999").get_data(as_text=True)
    for word in ("尚未公示", "不予公示", decision.number, decision.party_name):
        assert word not in html


def test_revocation_takes_effect_at_once(client, world):
    url = f"/decisions/{world.disclosed.id}"
    assert client.get(url).status_code == 200

    world.disclosed.revoked_at = datetime.now(UTC)
    db.session.flush()

    assert client.get(url).status_code == 410
    assert world.disclosed.number not in client.get("/").get_data(as_text=True)


def test_unknown_decision_is_404(client, world):
    assert client.get("/decisions/999999").status_code == 404
