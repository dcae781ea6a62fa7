"""直接责任人员 in the console: entered on the form, explained in Chinese, corrected, shown."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.core.db import db
from service.register.identifiers import complete_ric
from service.register.models import Decision
from tests.console.helpers import decision_form, logged_in, make_user, post_form

LI = complete_ric("44030319900101123")  # ...1237
WANG = complete_ric("11010119851203002")  # ...0021
ZHAO = complete_ric("33010619700101001")


@pytest.fixture
def reviewer(authority):
    user = make_user(authority, "reviewer")
    db.session.commit()
    return user


def persons(decision: Decision) -> set[tuple[str, str]]:
    db.session.refresh(decision)
    return {(p.role, p.subject.name) for p in decision.persons}


def test_the_form_explains_a_bad_person_id_in_chinese_then_saves_the_fixed_one(client, clerk):
    logged_in(client, clerk)
    form = decision_form(number="京朝市监处罚〔2026〕501号", responsible_persons="李四；王五",
                         responsible_persons_id_types="身份证",
                         responsible_persons_id_numbers=f"{LI}；{WANG[:-1]}0")
    refused = post_form(client, "/console/decisions/new", form)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'id="responsible_persons_id_numbers-error"' in html
    assert "第 2 人（王五）：身份证号码校验码错误：末位是“0”，应为“1”" in html
    assert '<a href="#f-responsible_persons_id_numbers">直接责任人员证件号码</a>' in html
    assert 'value="李四；王五"' in html  # what was typed stays
    assert db.session.scalar(select(Decision)) is None

    saved = post_form(client, "/console/decisions/new",
                      {**form, "responsible_persons_id_numbers": f"{LI}；{WANG}"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    decision = db.session.scalar(select(Decision))
    assert persons(decision) == {("responsible_person", "李四"), ("responsible_person", "王五")}
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "李四（身份证 440303********1237）；王五（身份证 110101********0021）" in page
    assert LI not in page
    assert WANG not in page


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"responsible_persons_id_numbers": LI}, "responsible_persons_id_numbers",
     "填写了 1 个证件号码，但有 2 名直接责任人员"),
    ({"responsible_persons_id_types": ""}, "responsible_persons_id_types",
     "填写了直接责任人员时必填"),
    ({"responsible_persons_id_types": "身份证；驾照"}, "responsible_persons_id_types",
     "第 2 人（王五）：“驾照”不是可用的证件类型"),
    ({"responsible_persons_id_numbers": f"{LI}；{LI}"}, "responsible_persons_id_numbers",
     "第 2 人（王五）：与第 1 人的证件号码相同（重复）"),
    ({"responsible_persons": ""}, "responsible_persons_id_numbers", "请先填写直接责任人员姓名"),
    ({"party_kind": "自然人", "party_name": "赵六", "uscc": "", "legal_representative": "",
      "id_type": "身份证", "id_number": ZHAO}, "responsible_persons",
     "当事人为自然人时不填写直接责任人员"),
])
def test_each_person_error_is_shown_in_chinese_next_to_its_field(client, clerk, overrides, field,
                                                                  message):
    logged_in(client, clerk)
    form = decision_form(**{"responsible_persons": "李四；王五",
                            "responsible_persons_id_types": "身份证",
                            "responsible_persons_id_numbers": f"{LI}；{WANG}", **overrides})
    response = post_form(client, "/console/decisions/new", form)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html


def test_a_correction_asks_for_the_numbers_again_and_replaces_the_persons(client, clerk,
                                                                           reviewer):
    logged_in(client, clerk)
    form = decision_form(responsible_persons="李四", responsible_persons_id_types="身份证",
                         responsible_persons_id_numbers=LI, action="submit")
    location = post_form(client, "/console/decisions/new", form).headers["Location"]
    decision = db.session.get(Decision, int(location.rsplit("/", 1)[1]))
    post_form(client, "/console/logout")
    logged_in(client, reviewer)
    assert post_form(client, location + "/publish").status_code == 302

    page = client.get(location + "/correct").get_data(as_text=True)
    assert 'value="李四"' in page
    assert "已登记：440303********1237" in page
    assert LI not in page  # the full number is nowhere, not even in the form
    corrected = {**form, "responsible_persons_id_numbers": "", "reason": "直接责任人员有误"}
    refused = post_form(client, location + "/correct", corrected)
    assert refused.status_code == 400
    assert "填写了直接责任人员时必填" in refused.get_data(as_text=True)

    done = post_form(client, location + "/correct", {
        **corrected, "responsible_persons": "王五；赵六",
        "responsible_persons_id_numbers": f"{WANG}；{ZHAO}"})
    assert done.status_code == 302, done.get_data(as_text=True)
    assert persons(decision) == {("responsible_person", "王五"), ("responsible_person", "赵六")}
    history = client.get(location).get_data(as_text=True)
    assert "<th scope=\"row\">直接责任人员</th><td><del>李四（身份证 440303********1237）</del>" \
        in history
    assert "王五（身份证 110101********0021）；赵六" in history
