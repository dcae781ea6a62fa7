"""The subject page: where a company (or person) stands today."""

import re
from datetime import timedelta

import pytest

from service.core.db import db
from service.register.identifiers import mask_id_number
from tests.factories import make_decision, make_ric, make_subject
from tests.public.helpers import unmasked_id_numbers


def test_blacklisted_company_shows_entry_and_disclosed_decisions(client, world):
    response = client.get(f"/subjects/{world.listed.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'data-status="blacklisted"' in html
    assert "已列入严重侵权失信名单" in html
    assert world.listed.uscc in html
    entry = world.black_entry
    for value in ("重复侵权", entry.basis_text, entry.authority.name, entry.starts_on.isoformat(),
                  entry.scheduled_end_on.isoformat()):
        assert value in html
    assert f'href="/decisions/{world.disclosed.id}"' in html
    assert f'href="/decisions/{world.last_day.id}"' in html
    for hidden in (world.revoked, world.repaired):
        assert f'href="/decisions/{hidden.id}"' not in html
        assert hidden.number not in html
    assert "2 件" in html


def test_red_listed_company(client, world):
    html = client.get(f"/subjects/{world.red.id}").get_data(as_text=True)

    assert 'data-status="red_list"' in html
    assert world.red_entry.basis_text in html
    assert world.warning.number not in html  # a warning is never disclosed


def test_company_with_penalties_only(client, world):
    subject = make_subject("上海某某服饰有限公司")
    decision = make_decision(subject, world.authority, decided_on=world.today - timedelta(days=3))

    html = client.get(f"/subjects/{subject.id}").get_data(as_text=True)

    assert 'data-status="disclosed_penalties"' in html
    assert decision.number in html
    assert "严重侵权失信名单</h2>" not in html


def test_expired_company_has_no_public_page(client, world):
    response = client.get(f"/subjects/{world.expired_company.id}")
    html = response.get_data(as_text=True)

    assert response.status_code == 404
    assert world.expired_company.name not in html
    assert world.expired.number not in html


def test_list_entry_end_removes_blacklisted_status(client, world):
    world.black_entry.scheduled_end_on = world.today - timedelta(days=1)
    db.session.flush()

    html = client.get(f"/subjects/{world.listed.id}").get_data(as_text=True)

    assert 'data-status="disclosed_penalties"' in html
    assert world.black_entry.basis_text not in html


def test_natural_person_shows_name_and_masked_id_only(client, world):
    html = client.get(f"/subjects/{world.person.id}").get_data(as_text=True)

    assert world.person.name in html
    assert world.person.id_number_masked in html
    assert world.person_id_number not in html
    assert unmasked_id_numbers(html) == []
    assert "法定代表人" not in html


def test_lookup_by_code_redirects_to_the_subject(client, world):
    code = world.listed.uscc

    response = client.get(f"/subjects/by-code/{code.lower()}")

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/subjects/{world.listed.id}")
    form = client.get("/subjects/by-code", query_string={"code": f" {code} "})
    assert form.headers["Location"].endswith(f"/subjects/by-code/{code}")


def test_lookup_of_code_with_nothing_public(client, world):
    response = client.get(f"/subjects/by-code/{world.expired_company.uscc}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'data-status="nothing_on_record"' in html
    assert world.expired_company.name not in html


def test_lookup_of_mistyped_code_says_why(client, world):
    code = world.listed.uscc
    wrong = code[:17] + ("0" if code[17] != "0" else "1")

    html = client.get(f"/subjects/by-code/{wrong}").get_data(as_text=True)

    assert "校验码错误" in html
    assert 'data-status="nothing_on_record"' in html


def test_unknown_subject_is_404(client, world):
    assert client.get("/subjects/999999").status_code == 404


def test_an_id_number_typed_into_the_legal_representative_is_masked(client, world):
    number = make_ric("19790203", "110105")
    subject = make_subject("北京某某商贸有限公司", legal_representative=f"赵六（身份证{number}）")
    make_decision(subject, world.authority, decided_on=world.today - timedelta(days=3))

    html = client.get(f"/subjects/{subject.id}").get_data(as_text=True)

    assert number not in html
    assert unmasked_id_numbers(html) == []
    assert f"法定代表人：赵六（身份证{mask_id_number(number)}）" in html


@pytest.mark.parametrize("typed", ["/", "91430102/MA0424346E"])
def test_lookup_of_code_with_a_slash_answers_instead_of_404(client, world, typed):
    response = client.get("/subjects/by-code", query_string={"code": typed})
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'data-status="nothing_on_record"' in html


def test_an_individual_business_names_its_operator_not_a_legal_representative(client, world):
    """个体工商户 have an operator (经营者); only organisations have a 法定代表人."""
    shop = make_subject("南昌市东湖区某某服装店", kind="个体工商户", legal_representative="钱七")
    decision = make_decision(shop, world.authority, decided_on=world.today - timedelta(days=3))

    for path in (f"/subjects/{shop.id}", f"/decisions/{decision.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "经营者" in html, path
        assert "法定代表人" not in html, path


def test_an_id_card_number_typed_into_the_code_lookup_stays_out_of_the_url(client, world):
    """A person's number must not become a path (history, server logs) nor be shown whole."""
    number = make_ric("19850612", "110105")
    for response in (client.get("/subjects/by-code", query_string={"code": number}),
                     client.post("/subjects/by-code", data={"code": number})):
        html = response.get_data(as_text=True)
        assert response.status_code == 200  # answered here, not redirected to /by-code/<number>
        assert 'data-notice="person-id"' in html
        assert number not in html
        assert unmasked_id_numbers(html) == []
        assert response.headers["Cache-Control"] == "no-store"


def test_the_code_forms_post_so_no_typed_number_reaches_a_url(client, world):
    """The forms post the code: a 居民身份证号码 typed into them is never in a URL (browser
    history, access log); a company's USCC is then redirected to its own address (303)."""
    for path in ("/", "/subjects/by-code"):
        html = client.get(path).get_data(as_text=True)
        form = re.search(r'<form class="code-form"[^>]*>', html).group(0)
        assert 'method="post"' in form, path
    uscc = world.listed.uscc
    response = client.post("/subjects/by-code", data={"code": uscc.lower()})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/subjects/by-code/{uscc}")
