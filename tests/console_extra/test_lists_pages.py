"""Blacklist proposals, manual listing, credit repair and the red list through the console."""

from __future__ import annotations

from sqlalchemy import select

from service.audit.models import AuditEvent
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.lists.models import ListEntry, RepairApplication
from service.lists.operations import recompute_subject
from tests.console.helpers import csrf_token, logged_in, post_form
from tests.console_extra.conftest import days_ago
from tests.factories import make_decision, make_subject


def _events(action: str, object_id: int | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    return list(db.session.scalars(stmt))


def propose(authority, *, decided_ago: int = 30):
    """A subject with a 150 万元 fine from `authority`: the rules propose it for the blacklist."""
    subject = make_subject()
    decision = make_decision(subject, authority, decided_on=days_ago(decided_ago), fine="150")
    recompute_subject(subject.id, actor=Actor.system(), now=clock.now(), today=clock.today())
    entry = db.session.scalar(select(ListEntry).where(ListEntry.subject_id == subject.id,
                                                      ListEntry.status == "proposed"))
    assert entry is not None
    db.session.commit()  # arranged data survives the rollback of a refused request
    return entry, decision


def test_proposal_is_listed_with_its_reason(as_reviewer, authority):
    entry, decision = propose(authority)
    page = as_reviewer.get("/console/lists").get_data(as_text=True)
    assert f'data-proposal="{entry.id}"' in page
    assert entry.subject.name in page
    assert "大额罚款" in page
    assert decision.number in page


def test_confirm_records_the_notice_date_and_who(as_reviewer, reviewer, authority, today):
    entry, _ = propose(authority)
    notified = days_ago(3)
    response = post_form(as_reviewer, f"/console/lists/{entry.id}/confirm",
                         {"notified_on": notified.isoformat()}, token_from="/console/lists")
    assert response.status_code == 302
    db.session.refresh(entry)
    assert (entry.status, entry.notified_on, entry.starts_on) == ("active", notified, today)
    assert entry.confirmed_by_id == reviewer.id
    [event] = _events("listing.confirm", entry.id)
    assert event.actor == f"user:{reviewer.id}"
    assert event.before["status"] == "proposed"
    assert event.after["notified_on"] == notified.isoformat()


def test_confirm_with_a_future_notice_date_is_refused_in_chinese(as_reviewer, authority):
    entry, _ = propose(authority)
    response = post_form(as_reviewer, f"/console/lists/{entry.id}/confirm",
                         {"notified_on": days_ago(-2).isoformat()}, token_from="/console/lists")
    assert response.status_code == 422
    assert "告知日期不能晚于今天" in response.get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.status == "proposed"
    assert _events("listing.confirm", entry.id) == []


def test_confirm_without_a_date_names_the_field(as_reviewer, authority):
    entry, _ = propose(authority)
    response = post_form(as_reviewer, f"/console/lists/{entry.id}/confirm", {},
                         token_from="/console/lists")
    assert response.status_code == 422
    assert "请填写陈述申辩告知日期" in response.get_data(as_text=True)


def test_reject_needs_a_reason_and_keeps_it(as_reviewer, authority):
    entry, _ = propose(authority)
    refused = post_form(as_reviewer, f"/console/lists/{entry.id}/reject", {"reason": " "},
                        token_from="/console/lists")
    assert refused.status_code == 422
    assert "请填写理由" in refused.get_data(as_text=True)
    response = post_form(as_reviewer, f"/console/lists/{entry.id}/reject",
                         {"reason": "当事人陈述申辩理由成立"}, token_from="/console/lists")
    assert response.status_code == 302
    db.session.refresh(entry)
    assert (entry.status, entry.end_note) == ("rejected", "当事人陈述申辩理由成立")
    assert len(_events("listing.reject", entry.id)) == 1


def test_manual_listing_with_basis(as_reviewer, authority, today):
    subject = make_subject("天津市某某商贸有限公司")
    decision = make_decision(subject, authority, decided_on=days_ago(40), fine="2")
    db.session.commit()
    form = as_reviewer.get(f"/console/lists/manual?subject={subject.uscc}")
    assert decision.number in form.get_data(as_text=True)
    response = post_form(as_reviewer, "/console/lists/manual", {
        "subject_id": subject.id, "decision_ids": [decision.id],
        "basis_text": "拒不履行行政处罚决定，经催告仍未缴纳罚款",
        "notified_on": days_ago(5).isoformat()}, token_from="/console/lists/manual")
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalar(select(ListEntry).where(ListEntry.subject_id == subject.id))
    assert (entry.status, entry.basis, entry.authority_id) == ("active", "manual", authority.id)
    assert [d.id for d in entry.decisions] == [decision.id]
    assert len(_events("listing.list_manually", entry.id)) == 1


def test_manual_listing_refuses_another_authoritys_decision(as_reviewer, authority,
                                                            other_authority):
    subject = make_subject()
    foreign = make_decision(subject, other_authority, decided_on=days_ago(40))
    db.session.commit()
    response = post_form(as_reviewer, "/console/lists/manual", {
        "subject_id": subject.id, "decision_ids": [foreign.id], "basis_text": "依据",
        "notified_on": days_ago(5).isoformat()}, token_from="/console/lists/manual")
    assert response.status_code == 403
    assert db.session.scalar(select(ListEntry).where(ListEntry.subject_id == subject.id)) is None


def _repair_form(decision, **values):
    return {"target": "decision", "decision_id": decision.id,
            "applicant": "天津市某某商贸有限公司", "evidence": "罚款已于缴款书所载日期缴清",
            "commitment": "本单位承诺依法经营，不再侵权。", **values}


def test_repair_before_the_minimum_period_is_refused_with_the_date(as_reviewer, authority):
    decision = make_decision(authority=authority, decided_on=days_ago(20), fine="5.5")
    db.session.commit()
    response = post_form(as_reviewer, "/console/repairs/new",
                         _repair_form(decision, performed_on=days_ago(10).isoformat()),
                         token_from="/console/repairs")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert f"最早可于 {decision.repair_earliest_on}" in text
    assert db.session.scalar(select(RepairApplication)) is None


def test_repair_without_commitment_or_performance(as_reviewer, authority):
    decision = make_decision(authority=authority, decided_on=days_ago(200), fine="5.5")
    db.session.commit()
    response = post_form(as_reviewer, "/console/repairs/new",
                         _repair_form(decision, commitment=""), token_from="/console/repairs")
    text = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "须提交信用承诺" in text
    assert "行政处罚尚未履行完毕" in text


def test_repair_recorded_then_approved_ends_the_disclosure(as_reviewer, reviewer, authority,
                                                          today):
    decision = make_decision(authority=authority, decided_on=days_ago(200), fine="5.5")
    db.session.commit()
    lookup = as_reviewer.get(f"/console/repairs?subject={decision.subject.uscc}")
    assert decision.number in lookup.get_data(as_text=True)
    response = post_form(as_reviewer, "/console/repairs/new",
                         _repair_form(decision, performed_on=days_ago(150).isoformat()),
                         token_from="/console/repairs")
    assert response.status_code == 302, response.get_data(as_text=True)
    application = db.session.scalar(select(RepairApplication))
    assert application.status == "pending"
    assert f'data-application="{application.id}"' in as_reviewer.get(
        "/console/repairs").get_data(as_text=True)
    response = post_form(as_reviewer, f"/console/repairs/{application.id}/approve",
                         {"note": "材料齐全"}, token_from="/console/repairs")
    assert response.status_code == 302
    db.session.refresh(decision)
    assert decision.repaired_on == today
    assert application.status == "approved"
    assert application.decided_by_id == reviewer.id
    assert len(_events("repair.approve", application.id)) == 1


def test_deny_needs_a_reason(as_reviewer, authority):
    decision = make_decision(authority=authority, decided_on=days_ago(200), fine="5.5")
    db.session.commit()
    post_form(as_reviewer, "/console/repairs/new",
              _repair_form(decision, performed_on=days_ago(150).isoformat()),
              token_from="/console/repairs")
    application = db.session.scalar(select(RepairApplication))
    response = post_form(as_reviewer, f"/console/repairs/{application.id}/deny", {"note": ""},
                         token_from="/console/repairs", follow_redirects=True)
    assert "请填写审核意见" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.status == "pending"
    post_form(as_reviewer, f"/console/repairs/{application.id}/deny",
              {"note": "履行证明不完整"}, token_from="/console/repairs")
    db.session.refresh(application)
    assert (application.status, application.decision_note) == ("denied", "履行证明不完整")


def test_red_list_nomination_and_removal(as_reviewer, authority):
    subject = make_subject("天津市诚信科技有限公司")
    db.session.commit()
    response = post_form(as_reviewer, "/console/redlist/nominate", {
        "subject": subject.uscc, "basis_text": "国家知识产权示范企业"},
        token_from="/console/redlist")
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalar(select(ListEntry).where(ListEntry.subject_id == subject.id))
    assert (entry.list_kind, entry.status, entry.authority_id) == ("red", "active", authority.id)
    assert subject.name in as_reviewer.get("/console/redlist").get_data(as_text=True)
    refused = post_form(as_reviewer, f"/console/redlist/{entry.id}/remove", {"reason": ""},
                        token_from="/console/redlist")
    assert refused.status_code == 422
    response = post_form(as_reviewer, f"/console/redlist/{entry.id}/remove",
                         {"reason": "示范企业资格被撤销"}, token_from="/console/redlist")
    assert response.status_code == 302
    db.session.refresh(entry)
    assert (entry.status, entry.end_note) == ("ended", "示范企业资格被撤销")
    assert len(_events("red.remove", entry.id)) == 1


def test_red_list_excludes_a_recently_penalised_subject(as_reviewer, authority):
    decision = make_decision(authority=authority, decided_on=days_ago(100), fine="1")
    db.session.commit()
    response = post_form(as_reviewer, "/console/redlist/nominate", {
        "subject": decision.subject.uscc, "basis_text": "示范企业"},
        token_from="/console/redlist")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "近期有公示的知识产权行政处罚" in text
    assert decision.number in text
    assert db.session.scalar(select(ListEntry).where(
        ListEntry.subject_id == decision.subject_id)) is None


def test_unknown_subject_is_named(as_reviewer):
    response = post_form(as_reviewer, "/console/redlist/nominate", {
        "subject": "不存在的公司", "basis_text": "示范企业"}, token_from="/console/redlist")
    assert response.status_code == 422
    assert "未找到主体：不存在的公司" in response.get_data(as_text=True)


def test_early_removal_of_a_listing_waits_a_year(as_reviewer, authority, today):
    entry, _ = propose(authority)
    post_form(as_reviewer, f"/console/lists/{entry.id}/confirm",
              {"notified_on": days_ago(2).isoformat()}, token_from="/console/lists")
    db.session.refresh(entry)
    assert entry.status == "active"
    form = as_reviewer.get(f"/console/repairs/new?target=listing&list_entry_id={entry.id}")
    assert "提前移出严重侵权失信名单" in form.get_data(as_text=True)
    response = post_form(as_reviewer, "/console/repairs/new", {
        "target": "listing", "list_entry_id": entry.id, "applicant": entry.subject.name,
        "evidence": "罚款已缴清", "commitment": "承诺守法经营",
        "performed_on": days_ago(1).isoformat()}, token_from="/console/repairs")
    assert response.status_code == 409
    earliest = today.replace(year=today.year + 1)
    assert f"未满最短期限，最早可于 {earliest}" in response.get_data(as_text=True)
    assert db.session.scalar(select(RepairApplication)) is None


def test_navigation_follows_the_role(client, authority, reviewer, admin):
    page = logged_in(client, reviewer).get("/console/").get_data(as_text=True)
    for label in ("名单管理", "信用修复", "红名单", "审计日志", "统计报表", "批量导入"):
        assert label in page
    assert "API 客户端" not in page
    client.post("/console/logout", data={"csrf_token": csrf_token(client, "/console/")})
    assert "API 客户端" in logged_in(client, admin).get("/console/").get_data(as_text=True)


def test_repair_with_a_future_performance_date_is_refused_in_chinese(as_reviewer, authority):
    decision = make_decision(authority=authority, decided_on=days_ago(200), fine="5.5")
    db.session.commit()
    response = post_form(as_reviewer, "/console/repairs/new",
                         _repair_form(decision, performed_on=days_ago(-3).isoformat()),
                         token_from="/console/repairs")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "履行完毕日期不能晚于今天" in text
    assert "is in the future" not in text
    assert db.session.scalar(select(RepairApplication)) is None


def test_red_list_end_date_in_the_past_is_refused_in_chinese(as_reviewer, authority):
    subject = make_subject("天津市守信科技有限公司")
    db.session.commit()
    response = post_form(as_reviewer, "/console/redlist/nominate", {
        "subject": subject.uscc, "basis_text": "示范企业",
        "ends_on": days_ago(30).isoformat()}, token_from="/console/redlist")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "截止日期不能早于今天" in text
    assert "is in the past" not in text
    assert db.session.scalar(select(ListEntry).where(ListEntry.subject_id == subject.id)) is None


def test_an_applicant_longer_than_its_column_is_refused_in_chinese(as_reviewer, authority):
    decision = make_decision(authority=authority, decided_on=days_ago(200), fine="5.5")
    db.session.commit()
    response = post_form(as_reviewer, "/console/repairs/new",
                         _repair_form(decision, applicant="申" * 201,
                                      performed_on=days_ago(150).isoformat()),
                         token_from="/console/repairs")
    assert response.status_code == 422
    assert "申请人名称最多 200 个字" in response.get_data(as_text=True)
    assert db.session.scalar(select(RepairApplication)) is None
