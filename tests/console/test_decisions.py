"""Entering and reviewing decisions through the console pages (test client, real DB)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from service.audit.models import AuditEvent
from service.core import clock
from service.core.db import db
from service.register.models import Decision, DecisionRevision
from tests.console.helpers import decision_form, logged_in, make_user, post_form
from tests.factories import make_authority


@pytest.fixture
def reviewer(authority):
    user = make_user(authority, "reviewer")
    db.session.commit()
    return user


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Decision))


def _enter(client, **overrides):
    return post_form(client, "/console/decisions/new", decision_form(**overrides))


def test_clerk_saves_a_draft(client, clerk, authority):
    logged_in(client, clerk)
    response = _enter(client, number="京朝市监处罚〔2026〕77号")
    assert response.status_code == 302
    number = "京朝市监处罚〔2026〕77号"
    decision = db.session.scalar(select(Decision).where(Decision.number == number))
    assert decision.status == "draft"
    assert decision.authority_id == authority.id
    assert decision.created_by_id == clerk.id
    assert response.headers["Location"] == f"/console/decisions/{decision.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已保存草稿" in page
    assert "北京星辰贸易有限公司" in page


def test_bad_uscc_is_explained_next_to_the_field_and_values_kept(client, clerk):
    logged_in(client, clerk)
    before = _count()
    response = _enter(client, uscc="91110105MA01ABCDE0", party_name="北京月亮贸易有限公司",
                      fine_amount="-1")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="uscc-error"' in html
    assert "统一社会信用代码校验码错误" in html or "统一社会信用代码第" in html
    assert 'id="fine_amount-error"' in html
    assert "金额不能为负" in html
    assert 'aria-invalid="true" aria-describedby="uscc-error uscc-hint"' in html
    assert 'value="北京月亮贸易有限公司"' in html
    assert 'value="91110105MA01ABCDE0"' in html
    assert 'value="罚款" checked' in html
    assert _count() == before


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"party_name": ""}, "party_name", "必填"),
    ({"decided_on": "2026-13-01"}, "decided_on", "不存在"),
    ({"decided_on": "2999-01-01"}, "decided_on", "晚于今天"),
    ({"penalty_categories": []}, "penalty_categories", "请至少选择一个处罚类别"),
    ({"fine_amount": ""}, "fine_amount", "处罚类别含“罚款”时必填"),
    ({"uscc": "9111"}, "uscc", "应为 18 位，当前为 4 位"),
    ({"legal_representative": ""}, "legal_representative", "当事人为法人及非法人组织时必填"),
    ({"party_kind": "自然人", "uscc": ""}, "id_number", "当事人为自然人时必填"),
    ({"party_kind": "个体工商户"}, "uscc", "以 92 开头，此代码以 91 开头"),
    ({"uscc": "92110105MA01ABCD36"}, "uscc", "属于个体工商户，请将行政相对人类别改为个体工商户"),
])
def test_each_error_is_in_chinese_next_to_its_field(client, clerk, overrides, field, message):
    logged_in(client, clerk)
    html = _enter(client, **overrides).get_data(as_text=True)
    start = html.index(f'id="{field}-error"')
    assert message in html[start:start + 300]


def test_duplicate_number_is_refused_on_the_number_field(client, clerk):
    logged_in(client, clerk)
    assert _enter(client, number="京朝市监处罚〔2026〕5号").status_code == 302
    before = _count()
    response = _enter(client, number="京朝市监处罚〔2026〕5号")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="number-error"' in html
    assert "文号重复" in html
    assert _count() == before


def test_clerk_cannot_enter_for_another_authority(client, clerk):
    logged_in(client, clerk)
    other = make_authority()
    assert _enter(client, authority_id=str(other.id)).status_code == 403


def test_draft_edit_keeps_a_revision_then_submit(client, clerk):
    logged_in(client, clerk)
    location = _enter(client, number="京朝市监处罚〔2026〕88号").headers["Location"]
    decision_id = int(location.rsplit("/", 1)[1])
    form = decision_form(number="京朝市监处罚〔2026〕88号", fine_amount="6", action="submit",
                         penalty_content="罚款6万元")
    response = post_form(client, f"/console/decisions/{decision_id}/edit", form)
    assert response.status_code == 302
    decision = db.session.get(Decision, decision_id)
    assert decision.status == "pending"
    assert str(decision.fine_amount.normalize()) == "6"
    assert decision.corrected_at is None  # a draft edit is not a public correction
    edited = db.session.scalar(select(DecisionRevision).where(
        DecisionRevision.decision_id == decision_id, DecisionRevision.action == "edited"))
    assert edited.before["fine_amount"].startswith("5.5")
    assert edited.after["fine_amount"].startswith("6")
    page = client.get(location).get_data(as_text=True)
    assert "修改草稿" in page
    assert "提交审核" in page


def _pending(client, clerk) -> Decision:
    logged_in(client, clerk)
    location = _enter(client, action="submit").headers["Location"]
    post_form(client, "/console/logout")
    return db.session.get(Decision, int(location.rsplit("/", 1)[1]))


def test_reviewer_returns_with_a_comment_the_clerk_sees(client, clerk, reviewer):
    decision = _pending(client, clerk)
    logged_in(client, reviewer)
    empty = post_form(client, f"/console/decisions/{decision.id}/return", {"comment": " "})
    assert empty.status_code == 400
    assert 'id="reason-error"' in empty.get_data(as_text=True)
    assert decision.status == "pending"
    response = post_form(client, f"/console/decisions/{decision.id}/return",
                         {"comment": "违法事实缺少销售数量"})
    assert response.status_code == 302
    assert decision.status == "draft"
    post_form(client, "/console/logout")
    logged_in(client, clerk)
    page = client.get(f"/console/decisions/{decision.id}/edit").get_data(as_text=True)
    assert "违法事实缺少销售数量" in page


def test_reviewer_publishes_and_it_is_public(client, clerk, reviewer):
    decision = _pending(client, clerk)
    logged_in(client, reviewer)
    response = post_form(client, f"/console/decisions/{decision.id}/publish")
    assert response.status_code == 302
    assert decision.status == "published"
    assert decision.reviewed_by_id == reviewer.id
    assert client.get(f"/decisions/{decision.id}").status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decision.publish",
                                                      AuditEvent.object_id == decision.id))


def test_an_admin_who_edited_a_clerks_draft_cannot_publish_it(client, clerk, reviewer):
    logged_in(client, clerk)
    number = "京朝市监处罚〔2026〕99号"
    decision_id = int(_enter(client, number=number).headers["Location"].rsplit("/", 1)[1])
    post_form(client, "/console/logout")
    admin = make_user(None, "admin")
    db.session.commit()
    logged_in(client, admin)
    form = decision_form(number=number, fine_amount="8", penalty_content="罚款8万元",
                         action="submit")
    assert post_form(client, f"/console/decisions/{decision_id}/edit", form).status_code == 302
    decision = db.session.get(Decision, decision_id)
    assert (decision.status, decision.created_by_id) == ("pending", clerk.id)
    page = client.get(f"/console/decisions/{decision_id}").get_data(as_text=True)
    assert "审核通过并公示" not in page
    refused = post_form(client, f"/console/decisions/{decision_id}/publish")
    assert refused.status_code == 403
    assert "不能审核发布自己录入或修改过的决定" in refused.get_data(as_text=True)
    db.session.refresh(decision)
    assert decision.status == "pending"
    post_form(client, "/console/logout")
    logged_in(client, reviewer)
    assert post_form(client, f"/console/decisions/{decision_id}/publish").status_code == 302
    db.session.refresh(decision)
    assert (decision.status, decision.reviewed_by_id) == ("published", reviewer.id)
    assert str(decision.fine_amount.normalize()) == "8"


def test_publishing_a_draft_is_refused(client, clerk, reviewer):
    logged_in(client, clerk)
    location = _enter(client).headers["Location"]
    post_form(client, "/console/logout")
    logged_in(client, reviewer)
    response = post_form(client, location + "/publish")
    assert response.status_code == 400
    assert "当前状态不允许" in response.get_data(as_text=True)


def _published(client, clerk, reviewer) -> Decision:
    decision = _pending(client, clerk)
    logged_in(client, reviewer)
    post_form(client, f"/console/decisions/{decision.id}/publish")
    return decision


def test_correction_needs_a_reason_and_shows_in_public(client, clerk, reviewer):
    decision = _published(client, clerk, reviewer)
    form = decision_form(number=decision.number, uscc=decision.uscc,
                         facts="当事人销售侵犯“星牌”注册商标专用权的运动鞋150双。")
    missing = post_form(client, f"/console/decisions/{decision.id}/correct", form)
    assert missing.status_code == 400
    assert 'id="reason-error"' in missing.get_data(as_text=True)
    assert "150双" not in decision.facts
    response = post_form(client, f"/console/decisions/{decision.id}/correct",
                         {**form, "reason": "销售数量录入错误"})
    assert response.status_code == 302
    assert "150双" in decision.facts
    assert decision.corrected_at is not None
    public = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "150双" in public
    assert "data-corrected" in public
    detail = client.get(f"/console/decisions/{decision.id}").get_data(as_text=True)
    assert "销售数量录入错误" in detail
    assert "120双" in detail
    assert "150双" in detail


def test_correction_without_change_is_refused(client, clerk, reviewer):
    decision = _published(client, clerk, reviewer)
    page = client.get(f"/console/decisions/{decision.id}/correct")
    assert page.status_code == 200
    form = decision_form(number=decision.number, uscc=decision.uscc, reason="核对")
    response = post_form(client, f"/console/decisions/{decision.id}/correct", form)
    assert response.status_code == 400
    assert "内容没有变化" in response.get_data(as_text=True)


def test_revocation_takes_the_decision_down(client, clerk, reviewer):
    decision = _published(client, clerk, reviewer)
    bad = post_form(client, f"/console/decisions/{decision.id}/revoke",
                    {"kind": "随便", "reason": "x"})
    assert bad.status_code == 400
    assert 'id="kind-error"' in bad.get_data(as_text=True)
    no_reason = post_form(client, f"/console/decisions/{decision.id}/revoke",
                          {"kind": "法院判决", "reason": ""})
    assert 'id="reason-error"' in no_reason.get_data(as_text=True)
    assert decision.status == "published"
    response = post_form(client, f"/console/decisions/{decision.id}/revoke",
                         {"kind": "行政复议", "reason": "复议决定撤销原处罚"})
    assert response.status_code == 302
    assert decision.status == "revoked"
    assert decision.revocation_kind == "行政复议"
    assert client.get(f"/decisions/{decision.id}").status_code == 410


def test_list_filters_by_status_and_searches(client, clerk):
    logged_in(client, clerk)
    _enter(client, party_name="北京甲乙贸易有限公司", number="京朝市监处罚〔2026〕901号")
    _enter(client, party_name="北京丙丁贸易有限公司", action="submit")
    html = client.get("/console/decisions?q=甲乙").get_data(as_text=True)
    assert "北京甲乙贸易有限公司" in html
    assert "北京丙丁贸易有限公司" not in html
    html = client.get("/console/decisions?q=901号").get_data(as_text=True)
    assert "北京甲乙贸易有限公司" in html
    html = client.get("/console/decisions?status=pending").get_data(as_text=True)
    assert "北京丙丁贸易有限公司" in html
    assert "北京甲乙贸易有限公司" not in html


def test_revocation_recomputes_the_lists(client, authority, reviewer):
    from datetime import date

    from service.lists.models import ListEntry
    from tests.factories import make_decision, make_entry, make_subject

    subject = make_subject()
    decision = make_decision(subject, authority, decided_on=date(2025, 12, 1), fine="150")
    listing = make_entry(subject, starts_on=date(2026, 1, 5), decisions=[decision])
    db.session.commit()
    assert 'data-status="blacklisted"' in client.get(f"/subjects/{subject.id}").get_data(
        as_text=True)
    logged_in(client, reviewer)
    response = post_form(client, f"/console/decisions/{decision.id}/revoke",
                         {"kind": "法院判决", "reason": "（2026）京01行终12号判决撤销"})
    assert response.status_code == 302
    db.session.refresh(listing)
    assert (listing.status, listing.end_reason) == ("ended", "basis_revoked")
    assert "京01行终12号" in listing.end_note
    assert db.session.scalar(select(func.count()).select_from(ListEntry).where(
        ListEntry.subject_id == subject.id, ListEntry.status == "active")) == 0
    assert 'data-status="blacklisted"' not in client.get(f"/subjects/{subject.id}").get_data(
        as_text=True)


def test_admin_chooses_the_authority(client, authority):
    admin = make_user(None, "admin")
    db.session.commit()
    logged_in(client, admin)
    page = client.get("/console/decisions/new").get_data(as_text=True)
    assert f'<option value="{authority.id}"' in page
    missing = post_form(client, "/console/decisions/new", decision_form())
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    start = html.index('id="authority_id-error"')
    assert "请选择处罚机关" in html[start:start + 200]
    number = "京朝市监处罚〔2026〕600号"
    response = post_form(client, "/console/decisions/new",
                         decision_form(authority_id=str(authority.id), number=number))
    assert response.status_code == 302
    decision = db.session.scalar(select(Decision).where(Decision.number == number))
    assert decision.authority_id == authority.id


def test_a_persons_id_number_must_be_entered_again_to_correct(client, clerk, reviewer):
    from tests.factories import make_ric

    number = make_ric()
    logged_in(client, clerk)
    form = decision_form(party_kind="自然人", party_name="王五", uscc="", legal_representative="",
                         id_type="身份证", id_number=number, action="submit")
    location = post_form(client, "/console/decisions/new", form).headers["Location"]
    decision = db.session.get(Decision, int(location.rsplit("/", 1)[1]))
    assert number not in str(decision.id_number_masked)
    post_form(client, "/console/logout")
    logged_in(client, reviewer)
    post_form(client, location + "/publish")
    page = client.get(location + "/correct").get_data(as_text=True)
    assert number not in page  # the full number is nowhere, not even in the form
    assert decision.id_number_masked in page
    corrected = {**form, "id_number": "", "facts": "更正后的违法事实。", "reason": "事实表述有误"}
    response = post_form(client, location + "/correct", corrected)
    assert response.status_code == 400
    assert 'id="id_number-error"' in response.get_data(as_text=True)
    response = post_form(client, location + "/correct", {**corrected, "id_number": number})
    assert response.status_code == 302
    assert decision.facts == "更正后的违法事实。"


def test_list_pages(client, clerk, authority):
    from tests.factories import make_decision

    for _ in range(51):
        make_decision(authority=authority, published=False)
    db.session.commit()
    logged_in(client, clerk)
    first = client.get("/console/decisions").get_data(as_text=True)
    assert first.count("data-decision=") == 50
    assert "共 51 条" in first
    assert 'rel="next" href="/console/decisions?page=2"' in first
    second = client.get("/console/decisions?page=2").get_data(as_text=True)
    assert second.count("data-decision=") == 1


def test_a_refusal_on_another_field_is_still_shown(client, authority, reviewer):
    from datetime import timedelta

    from tests.factories import make_decision

    author = make_user(authority, "clerk")
    decision = make_decision(authority=authority, published=False, created_by_id=author.id,
                             decided_on=clock.today() + timedelta(days=3))
    decision.status = "pending"
    db.session.commit()
    logged_in(client, reviewer)
    response = post_form(client, f"/console/decisions/{decision.id}/publish")
    assert response.status_code == 400
    assert "处罚决定日期晚于今天" in response.get_data(as_text=True)
    db.session.refresh(decision)
    assert decision.status == "pending"
