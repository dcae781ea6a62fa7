"""Register operations: revisions, audit, data version, outbox, masking, person subjects."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from service.audit.models import AuditEvent, DataChange
from service.audit.operations import data_version
from service.core.actors import Actor
from service.core.db import db
from service.register.identifiers import complete_ric, complete_uscc
from service.register.models import Decision, DecisionPerson, DecisionRevision, Subject
from service.register.operations import (
    RegisterError,
    correct_decision,
    create_decision,
    publish_decision,
    return_decision,
    revoke_decision,
    submit_decision,
)
from service.register.queries import disclosed_on
from service.register.schemas import load_decision
from service.search.models import SearchOutbox

NOW = datetime(2026, 11, 2, 3, tzinfo=UTC)
TODAY = date(2026, 11, 2)
ACTOR = Actor.system("test-clerk")
REP_ID = complete_ric("12011319800101001")
PERSON_ID = complete_ric("44030319900101123")
ORG_USCC = complete_uscc("91120113MA05XY001")


def data(**changes) -> dict:
    raw = {
        "party_name": "天津市鑫源贸易有限公司", "party_kind": "法人及非法人组织",
        "uscc": ORG_USCC, "legal_representative": "王伟",
        "id_type": "身份证", "id_number": REP_ID,
        "number": "津北辰市监处罚〔2026〕18号", "violation_type": "侵犯注册商标专用权",
        "facts": "当事人销售侵犯“耐克”注册商标专用权的运动鞋120双。",
        "legal_basis": "《中华人民共和国商标法》第六十条第二款",
        "penalty_categories": "罚款、没收非法财物", "penalty_content": "没收侵权商品，罚款3.6万元",
        "fine_amount": "3.6", "confiscated_amount": "0.5", "decided_on": "2026-10-20",
        "authority_name": "天津市北辰区市场监督管理局", "authority_uscc": "11120113000000001X",
    }
    raw.update(changes)
    loaded, errors = load_decision(raw, today=TODAY)
    assert errors is None, errors
    return loaded


def revisions(decision):
    return db.session.scalars(select(DecisionRevision).where(
        DecisionRevision.decision_id == decision.id).order_by(DecisionRevision.seq)).all()


def public_ids():
    return set(db.session.scalars(select(Decision.id).where(disclosed_on(TODAY))))


def test_lifecycle_writes_revisions_audit_outbox_and_data_version(session):
    version_before, _ = data_version()
    decision = create_decision(data(), actor=ACTOR, now=NOW)
    assert decision.status == "draft"
    assert decision.id not in public_ids()
    submit_decision(decision, actor=ACTOR, now=NOW)
    assert data_version()[0] == version_before  # nothing public yet
    publish_decision(decision, actor=ACTOR, now=NOW, today=TODAY)
    assert decision.id in public_ids()
    assert [r.action for r in revisions(decision)] == ["created", "submitted", "published"]
    assert [r.seq for r in revisions(decision)] == [1, 2, 3]
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_id == decision.id, AuditEvent.object_type == "decision")
        .order_by(AuditEvent.id)).all()
    assert actions == ["decision.create", "decision.submit", "decision.publish"]
    change = db.session.scalars(select(DataChange).order_by(DataChange.id.desc())).first()
    assert (change.kind, change.object_id) == ("decision.published", decision.id)
    assert data_version()[0] > version_before
    queued = db.session.scalars(select(SearchOutbox.object_id).where(
        SearchOutbox.object_type == "decision")).all()
    assert decision.id in queued
    assert decision.severity == "ordinary"
    assert decision.disclosure_ends_on == date(2027, 10, 19)


def test_id_numbers_are_stored_masked_with_a_digest_and_never_in_full(session):
    decision = create_decision(data(), actor=ACTOR, now=NOW, status="published", today=TODAY)
    assert decision.id_number_masked == REP_ID[:6] + "********" + REP_ID[-4:]
    assert len(decision.id_digest) == 64
    person = db.session.scalars(select(DecisionPerson).where(
        DecisionPerson.decision_id == decision.id)).one()
    assert person.role == "legal_representative"
    rep = db.session.get(Subject, person.subject_id)
    assert (rep.kind, rep.name, rep.id_digest) == ("自然人", "王伟", decision.id_digest)
    stored = [str(r.after) + str(r.before) for r in revisions(decision)]
    stored += [str(e.after) + str(e.details) for e in db.session.scalars(select(AuditEvent))]
    stored += [decision.content_digest, str(rep.__dict__), str(decision.__dict__)]
    assert not any(REP_ID in text or REP_ID[6:14] in text for text in stored)


def test_natural_person_is_found_again_by_digest(session):
    person = {"party_kind": "自然人", "party_name": "李明", "uscc": "", "legal_representative": "",
              "id_type": "身份证", "id_number": PERSON_ID}
    first = create_decision(data(**person), actor=ACTOR, now=NOW)
    second = create_decision(data(**{**person, "party_name": "李 明"},
                                  number="津北辰市监处罚〔2026〕19号"), actor=ACTOR, now=NOW)
    assert first.subject_id == second.subject_id
    assert first.subject.uscc is None
    assert first.subject.id_number_masked == "440303********" + PERSON_ID[-4:]
    assert first.persons == []


def test_organisation_found_by_uscc_and_renamed_by_newer_decision(session):
    first = create_decision(data(), actor=ACTOR, now=NOW)
    second = create_decision(data(number="津北辰市监处罚〔2026〕20号",
                                  party_name="天津市鑫源商贸有限公司", decided_on="2026-10-25"),
                             actor=ACTOR, now=NOW)
    assert first.subject_id == second.subject_id
    assert second.subject.name == "天津市鑫源商贸有限公司"
    assert first.party_name == "天津市鑫源贸易有限公司"  # the decision keeps what it said
    older = create_decision(data(number="津北辰市监处罚〔2026〕2号", party_name="旧名称有限公司",
                                 decided_on="2026-01-05"), actor=ACTOR, now=NOW)
    assert older.subject.name == "天津市鑫源商贸有限公司"


def test_correction_keeps_before_and_after_and_changes_public_view(session):
    decision = create_decision(data(), actor=ACTOR, now=NOW, status="published", today=TODAY)
    version = data_version()[0]
    later = datetime(2026, 11, 3, tzinfo=UTC)
    changed = correct_decision(decision, data(fine_amount="150", penalty_content="罚款150万元"),
                               reason="金额录入错误", actor=ACTOR, now=later, today=TODAY)
    assert changed
    last = revisions(decision)[-1]
    assert (last.action, last.reason) == ("corrected", "金额录入错误")
    assert Decimal(last.before["fine_amount"]) == Decimal("3.6")
    assert Decimal(last.after["fine_amount"]) == Decimal("150")
    assert set(last.after) == {"fine_amount", "penalty_content"}
    assert decision.corrected_at == later
    assert decision.severity == "serious"  # 150 万元 ≥ the policy's serious fine
    assert data_version()[0] > version
    assert not correct_decision(decision, data(fine_amount="150", penalty_content="罚款150万元"),
                                reason="again", actor=ACTOR, now=later, today=TODAY)


def test_a_correction_of_another_field_does_not_list_the_amount_as_changed(session):
    """Read back from its NUMERIC column the fine is 3.600000; the form says 3.6."""
    decision = create_decision(data(), actor=ACTOR, now=NOW, status="published", today=TODAY)
    db.session.commit()
    db.session.expire(decision)  # as a later request loads it
    correct_decision(decision, data(penalty_content="罚款3.6万元，没收侵权商品"),
                     reason="处罚内容补充", actor=ACTOR, now=NOW, today=TODAY)
    last = revisions(decision)[-1]
    assert set(last.after) == {"penalty_content"}, (last.before, last.after)


def test_correction_needs_a_reason(session):
    decision = create_decision(data(), actor=ACTOR, now=NOW)
    with pytest.raises(RegisterError, match="reason"):
        correct_decision(decision, data(fine_amount="4"), reason=" ", actor=ACTOR, now=NOW,
                         today=TODAY)


def test_revocation_takes_the_decision_down_at_once(session):
    decision = create_decision(data(), actor=ACTOR, now=NOW, status="published", today=TODAY)
    assert decision.id in public_ids()
    revoke_decision(decision, kind="行政复议", reason="复议决定撤销", actor=ACTOR, now=NOW,
                    today=TODAY)
    assert decision.id not in public_ids()
    assert (decision.status, decision.revocation_kind) == ("revoked", "行政复议")
    assert revisions(decision)[-1].action == "revoked"
    change = db.session.scalars(select(DataChange).order_by(DataChange.id.desc())).first()
    assert change.kind == "decision.revoked"
    with pytest.raises(RegisterError, match="cannot revoke"):
        revoke_decision(decision, kind="行政复议", reason="again", actor=ACTOR, now=NOW,
                        today=TODAY)


@pytest.mark.parametrize(("kind", "reason", "message"), [
    ("撤回", "x", "revocation kind"), ("法院判决", "", "needs a reason")])
def test_revocation_checks_kind_and_reason(session, kind, reason, message):
    decision = create_decision(data(), actor=ACTOR, now=NOW, status="published", today=TODAY)
    with pytest.raises(RegisterError, match=message):
        revoke_decision(decision, kind=kind, reason=reason, actor=ACTOR, now=NOW, today=TODAY)


def test_returned_decision_goes_back_to_draft(session):
    decision = create_decision(data(), actor=ACTOR, now=NOW, status="pending")
    return_decision(decision, reason="事实描述不完整", actor=ACTOR, now=NOW)
    assert decision.status == "draft"
    assert [r.action for r in revisions(decision)] == ["created", "submitted", "returned"]


def test_duplicate_number_for_the_same_authority_is_refused(session):
    create_decision(data(), actor=ACTOR, now=NOW)
    with pytest.raises(RegisterError, match="already exists"):
        create_decision(data(party_name="另一家有限公司"), actor=ACTOR, now=NOW)


def test_warning_only_decision_is_never_disclosed(session):
    decision = create_decision(
        data(penalty_categories="警告", penalty_content="警告", fine_amount="",
             confiscated_amount=""),
        actor=ACTOR, now=NOW, status="published", today=TODAY)
    assert not decision.is_disclosable
    assert decision.id not in public_ids()
