"""直接责任人员 named on a decision are listed with their organisation, and follow corrections."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from service.core.actors import Actor
from service.core.db import db
from service.lists.models import ListEntry
from service.lists.operations import confirm_listing
from service.lists.queries import subject_status
from service.register.identifiers import complete_ric, complete_uscc, id_digest
from service.register.importer import import_file
from service.register.models import Subject
from service.register.operations import correct_decision, create_decision
from service.register.schemas import load_decision
from tests.factories import make_authority, make_official

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
TODAY = date(2026, 7, 1)
LI = complete_ric("44030319900101123")
WANG = complete_ric("11010119851203002")


@pytest.fixture
def official(session):
    return Actor.user(make_official(make_authority()))


def record(persons: str = "", numbers: str = "", **changes) -> dict:
    """A large fine (150 万元: a serious infringer) naming the given responsible persons."""
    row = {
        "行政相对人名称": "天津市鑫源贸易有限公司", "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": complete_uscc("91120113MA05XY001"), "法定代表人": "王伟",
        "行政处罚决定书文号": "津北辰市监处罚〔2026〕18号", "违法行为类型": "侵犯注册商标专用权",
        "违法事实": "当事人销售侵犯“耐克”注册商标专用权的运动鞋12000双。",
        "处罚依据": "《中华人民共和国商标法》第六十条第二款", "处罚类别": "罚款",
        "处罚内容": "罚款150万元", "罚款金额（万元）": "150", "处罚决定日期": "2026-06-01",
        "处罚机关": "天津市北辰区市场监督管理局", "处罚机关统一社会信用代码": "11120113000000001X",
        "直接责任人员": persons, "直接责任人员证件类型": "身份证" if persons else "",
        "直接责任人员证件号码": numbers,
    }
    row.update(changes)
    return row


def loaded(raw: dict) -> dict:
    data, errors = load_decision(raw, today=TODAY)
    assert errors is None, errors
    return data


def person(app, number: str) -> Subject:
    digest = id_digest("身份证", number, app.config["ID_DIGEST_KEY"])
    return db.session.scalar(select(Subject).where(Subject.id_digest == digest))


def entries(subject: Subject) -> list[ListEntry]:
    return list(db.session.scalars(select(ListEntry).where(ListEntry.subject_id == subject.id)
                                   .order_by(ListEntry.id)))


def confirmed(decision, official) -> ListEntry:
    [entry] = entries(decision.subject)
    assert entry.status == "proposed"
    confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW, today=TODAY)
    return entry


def test_a_responsible_person_entered_on_the_decision_is_listed_with_the_organisation(
        app, session, official):
    decision = create_decision(loaded(record("李四", LI)), actor=official, now=NOW,
                               status="published", today=TODAY)
    li = person(app, LI)
    assert entries(li) == []  # a proposal lists no one
    entry = confirmed(decision, official)
    [child] = entries(li)
    assert (child.parent_id, child.basis, child.status, child.scheduled_end_on) == (
        entry.id, "associated_person", "active", entry.scheduled_end_on)
    assert child.basis_text.startswith("作为天津市鑫源贸易有限公司的直接责任人员")
    assert subject_status(li.id, TODAY).status == "blacklisted"


def test_a_correction_lists_the_newly_named_person_and_ends_the_one_no_longer_named(
        app, session, official):
    decision = create_decision(loaded(record("李四", LI)), actor=official, now=NOW,
                               status="published", today=TODAY)
    entry = confirmed(decision, official)
    li = person(app, LI)

    correct_decision(decision, loaded(record("王五", WANG)), reason="直接责任人员有误",
                     actor=official, now=NOW, today=TODAY)

    wang = person(app, WANG)
    [listed] = entries(wang)
    assert (listed.parent_id, listed.status) == (entry.id, "active")
    assert [d.id for d in listed.decisions] == [decision.id]
    [ended] = entries(li)
    assert (ended.status, ended.end_reason, ended.ended_on) == ("ended", "basis_revoked", TODAY)
    assert decision.number in ended.end_note
    assert subject_status(li.id, TODAY).status == "nothing_on_record"
    assert subject_status(wang.id, TODAY).status == "blacklisted"
    assert entry.status == "active"  # the organisation stays listed

    correct_decision(decision, loaded(record("王五", WANG, 备注="更正备注")), reason="补充备注",
                     actor=official, now=NOW, today=TODAY)
    assert [e.status for e in entries(wang)] == ["active"]


def test_an_imported_decisions_persons_are_listed_with_the_organisation(
        app, session, official, tmp_path):
    raw = record("李四；王五", f"{LI}；{WANG}")
    path = tmp_path / "serious.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(raw))
        writer.writeheader()
        writer.writerow(raw)
    summary = import_file(path, actor=Actor("import", None, path.name), now=NOW)
    assert summary.created == 1
    company = db.session.scalar(select(Subject).where(Subject.uscc == raw["统一社会信用代码"]))
    [entry] = entries(company)
    confirm_listing(entry, notified_on=TODAY, actor=official, now=NOW, today=TODAY)
    for number in (LI, WANG):
        [child] = entries(person(app, number))
        assert (child.parent_id, child.status) == (entry.id, "active")
