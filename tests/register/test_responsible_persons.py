"""直接责任人员: named on a decision by file, operation or API; checked, matched, corrected."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bench.synth import HEADERS, iter_rows
from service.core.actors import Actor
from service.core.db import db
from service.register.identifiers import complete_ric, complete_uscc, mask_id_number
from service.register.importer import import_file
from service.register.models import Decision, DecisionPerson, DecisionRevision, Subject
from service.register.operations import correct_decision, create_decision, decision_values
from service.register.schemas import load_decision
from service.rules.policy import default_policy

NOW = datetime(2026, 11, 2, 3, tzinfo=UTC)
TODAY = date(2026, 11, 2)
ACTOR = Actor("import", None, "persons.csv")
LI = complete_ric("44030319900101123")
WANG = complete_ric("11010119851203002")
ZHAO = complete_ric("12011319800101001")
PERSON_HEADERS = ("直接责任人员", "直接责任人员证件类型", "直接责任人员证件号码")


def chinese(changes: dict | None = None) -> dict:
    """A valid organisation record with Chinese headers; `changes` replace or drop (None)."""
    row = {
        "行政相对人名称": "天津市鑫源贸易有限公司", "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": complete_uscc("91120113MA05XY001"), "法定代表人": "王伟",
        "证件类型": "身份证", "证件号码": ZHAO, "行政处罚决定书文号": "津北辰市监处罚〔2026〕18号",
        "违法行为类型": "侵犯注册商标专用权",
        "违法事实": "当事人销售侵犯“耐克”注册商标专用权的运动鞋120双。",
        "处罚依据": "《中华人民共和国商标法》第六十条第二款", "处罚类别": "罚款、没收非法财物",
        "处罚内容": "没收侵权商品，罚款3.6万元", "罚款金额（万元）": "3.6",
        "没收违法所得、没收非法财物的金额（万元）": "0.5", "处罚决定日期": "2026-10-20",
        "处罚机关": "天津市北辰区市场监督管理局", "处罚机关统一社会信用代码": "11120113000000001X",
    }
    for key, value in (changes or {}).items():
        if value is None:
            row.pop(key, None)
        else:
            row[key] = value
    return row


def english(changes: dict | None = None, **more) -> dict:
    body = {
        "party_name": "天津市鑫源贸易有限公司", "party_kind": "法人及非法人组织",
        "uscc": complete_uscc("91120113MA05XY001"), "legal_representative": "王伟",
        "number": "津北辰市监处罚〔2026〕18号", "violation_type": "侵犯注册商标专用权",
        "facts": "当事人销售侵犯“耐克”注册商标专用权的运动鞋120双。",
        "legal_basis": "《中华人民共和国商标法》第六十条第二款", "penalty_categories": ["警告"],
        "penalty_content": "警告", "decided_on": "2026-10-20",
        "authority_name": "天津市北辰区市场监督管理局", "authority_uscc": "11120113000000001X",
    }
    body.update(changes or {}, **more)
    return body


def loaded(raw: dict) -> dict:
    data, errors = load_decision(raw, today=TODAY)
    assert errors is None, errors
    return data


def errors_of(raw: dict) -> dict[str, list[str]]:
    data, errors = load_decision(raw, today=TODAY)
    assert data is None
    return errors


# ---------------------------------------------------------------- the schema


def test_columns_name_several_persons_in_order_and_one_type_may_stand_for_all():
    data = loaded(chinese({"直接责任人员": "李四；王五", "直接责任人员证件类型": "身份证",
                             "直接责任人员证件号码": f"{LI}; {WANG.lower()}"}))
    assert data["responsible_persons"] == [
        {"name": "李四", "id_type": "身份证", "id_number": LI},
        {"name": "王五", "id_type": "身份证", "id_number": WANG}]
    assert "responsible_persons_id_numbers" not in data
    assert loaded(chinese())["responsible_persons"] == []


def test_english_bulk_keys_and_api_objects_load_the_same():
    columns = loaded(english(responsible_persons="李四；王五",
                             responsible_persons_id_types="身份证；护照号",
                             responsible_persons_id_numbers=f"{LI}；E12345678"))
    objects = loaded(english(responsible_persons=[
        {"name": "李四", "id_type": "身份证", "id_number": LI},
        {"name": " 王五 ", "id_type": "护照号", "id_number": "e1234 5678"}]))
    assert columns == objects
    assert objects["responsible_persons"][1] == {"name": "王五", "id_type": "护照号",
                                                 "id_number": "E12345678"}


@pytest.mark.parametrize(("changes", "header", "reason"), [
    ({"直接责任人员证件号码": f"{LI}；{WANG[:-1]}0"}, "直接责任人员证件号码",
     "person 2 (王五): invalid 居民身份证号码: check digit is '0', expected '1'"),
    ({"直接责任人员证件号码": f"{LI}；{WANG[:10]}"}, "直接责任人员证件号码",
     "person 2 (王五): invalid 居民身份证号码: an ID card number has 18 characters"),
    ({"直接责任人员证件类型": "身份证；驾驶证"}, "直接责任人员证件类型",
     "person 2 (王五): '驾驶证' is not an ID type (证件类型)"),
    ({"直接责任人员证件类型": "身份证；护照号"}, "直接责任人员证件号码",
     "person 2 (王五): a 护照号 number is 5 to 17 letters or digits"),
    ({"直接责任人员证件号码": LI}, "直接责任人员证件号码", "gives 1 ID numbers for 2 persons"),
    ({"直接责任人员证件类型": "身份证；身份证；身份证"}, "直接责任人员证件类型",
     "gives 3 ID types for 2 persons"),
    ({"直接责任人员证件类型": None}, "直接责任人员证件类型", "直接责任人员证件类型必填"),
    ({"直接责任人员证件号码": ""}, "直接责任人员证件号码", "直接责任人员证件号码必填"),
    ({"直接责任人员": ""}, "直接责任人员证件号码", "without the persons' names"),
    ({"直接责任人员证件号码": f"{LI}；{LI}"}, "直接责任人员证件号码",
     "person 2 (王五): is the ID of person 1 too (重复)"),
    ({"直接责任人员": f"李四；王五{WANG}"}, "直接责任人员",
     "person 2 (王五110101********0021): must be the name only"),
])
def test_column_errors_name_the_column_the_person_and_the_reason(changes, header, reason):
    raw = chinese({"直接责任人员": "李四；王五", "直接责任人员证件类型": "身份证",
                     "直接责任人员证件号码": f"{LI}；{WANG}"})
    for key, value in changes.items():
        if value is None:
            raw.pop(key)
        else:
            raw[key] = value
    errors = errors_of(raw)
    assert set(errors) <= set(PERSON_HEADERS)
    assert reason in errors[header][0]


def test_a_natural_persons_decision_names_no_responsible_person():
    errors = errors_of(chinese({
        "行政相对人名称": "赵六", "行政相对人类别": "自然人", "统一社会信用代码": "",
        "法定代表人": "", "直接责任人员": "李四", "直接责任人员证件类型": "身份证",
        "直接责任人员证件号码": LI}))
    assert list(errors) == ["直接责任人员"]
    assert "natural person's decision names no responsible persons" in errors["直接责任人员"][0]


def test_api_errors_are_keyed_by_item_and_field():
    errors = errors_of(english(responsible_persons=[
        {"name": "李四", "id_type": "身份证", "id_number": LI},
        {"name": "王五", "id_type": "身份证", "id_number": WANG[:-1] + "0"},
        {"name": "", "id_type": "身份证", "idnumber": WANG},
        "赵六",
        {"name": "钱七", "id_type": "身份证", "id_number": LI}]))
    assert errors["responsible_persons[1].id_number"][0].startswith(
        "invalid 居民身份证号码: check digit")
    assert errors["responsible_persons[2].name"] == ["is required (必填)"]
    assert errors["responsible_persons[2].id_number"] == ["is required (必填)"]
    assert errors["responsible_persons[2].idnumber"] == ["Unknown field."]
    assert errors["responsible_persons[3]"] == ["must be an object {name, id_type, id_number}"]
    assert errors["responsible_persons[4].id_number"] == ["is the ID of person 1 too (重复)"]
    assert "responsible_persons[0].id_number" not in errors
    assert "a list of" in errors_of(english(responsible_persons={"name": "李四"}))[
        "responsible_persons"][0]
    mixed = errors_of(english(responsible_persons=[{"name": "李四", "id_type": "身份证",
                                                    "id_number": LI}],
                              responsible_persons_id_numbers=LI))
    assert "in its object" in mixed["responsible_persons_id_numbers"][0]


def test_a_record_without_persons_keeps_the_digest_it_had_before_persons_existed():
    data = loaded(english({
        "uscc": complete_uscc("91120113MA05XY001"), "id_type": "身份证",
        "id_number": complete_ric("12011319800101001"), "penalty_categories": "罚款、没收非法财物",
        "penalty_content": "没收侵权商品，罚款3.6万元", "fine_amount": "3.6",
        "confiscated_amount": "0.5"}))
    values = decision_values(data, default_policy(), "test-key")
    # computed by the code of commit 5572084, before responsible persons were added
    assert values["content_digest"] == \
        "d3cf0426a92a173665024554075008005c7362d2636effd3fc4d66aa8a6a0d1a"
    assert values["responsible_persons"] is None


def test_the_digest_follows_the_persons_but_not_their_raw_numbers():
    one = decision_values(loaded(english(responsible_persons=[
        {"name": "李四", "id_type": "身份证", "id_number": LI}])), default_policy(), "k")
    other = decision_values(loaded(english(responsible_persons=[
        {"name": "李四", "id_type": "身份证", "id_number": WANG}])), default_policy(), "k")
    assert one["content_digest"] != other["content_digest"]
    assert one["responsible_persons"] == [
        {"name": "李四", "id_type": "身份证", "id_number_masked": mask_id_number(LI)}]
    assert LI not in str(one)


# ---------------------------------------------------------------- operations


def persons_of(decision: Decision) -> set[tuple[str, str, str]]:
    """(role, name, masked ID) of every person the decision names."""
    return {(link.role, link.subject.name, link.subject.id_number_masked)
            for link in db.session.scalars(select(DecisionPerson).where(
                DecisionPerson.decision_id == decision.id))}


def test_create_names_each_person_once_matched_by_id_digest(session):
    decision = create_decision(loaded(english(responsible_persons=[
        {"name": "李四", "id_type": "身份证", "id_number": LI},
        {"name": "王伟", "id_type": "身份证", "id_number": ZHAO}],
        id_type="身份证", id_number=ZHAO)), actor=ACTOR, now=NOW, status="published", today=TODAY)
    assert persons_of(decision) == {
        ("responsible_person", "李四", mask_id_number(LI)),
        ("responsible_person", "王伟", mask_id_number(ZHAO)),
        ("legal_representative", "王伟", mask_id_number(ZHAO))}
    # the representative who is also a responsible person is one subject
    assert db.session.scalar(select(func.count()).select_from(Subject).where(
        Subject.kind == "自然人")) == 2
    second = create_decision(loaded(english(number="津北辰市监处罚〔2026〕19号", uscc=complete_uscc(
        "91120113MA05XY002"), party_name="天津市另一贸易有限公司", responsible_persons=[
        {"name": "李四", "id_type": "身份证", "id_number": LI}])), actor=ACTOR, now=NOW)
    assert second.persons[0].subject_id == next(
        p.subject_id for p in decision.persons if p.subject.name == "李四")
    assert decision.responsible_persons[0] == {"name": "李四", "id_type": "身份证",
                                               "id_number_masked": mask_id_number(LI)}


def test_a_correction_replaces_the_persons_and_keeps_the_change_in_its_revision(session):
    decision = create_decision(loaded(english(responsible_persons=[
        {"name": "李四", "id_type": "身份证", "id_number": LI}])),
        actor=ACTOR, now=NOW, status="published", today=TODAY)
    same = loaded(english(responsible_persons="李四", responsible_persons_id_types="身份证",
                          responsible_persons_id_numbers=LI))
    assert not correct_decision(decision, same, reason="同一内容", actor=ACTOR, now=NOW,
                                today=TODAY)
    changed = loaded(english(responsible_persons=[
        {"name": "王五", "id_type": "身份证", "id_number": WANG}]))
    assert correct_decision(decision, changed, reason="直接责任人员有误", actor=ACTOR, now=NOW,
                            today=TODAY)
    db.session.expire_all()
    assert persons_of(decision) == {("responsible_person", "王五", mask_id_number(WANG))}
    revision = decision.revisions[-1]
    assert revision.action == "corrected"
    assert revision.before == {"responsible_persons": [
        {"name": "李四", "id_type": "身份证", "id_number_masked": mask_id_number(LI)}]}
    assert revision.after["responsible_persons"][0]["name"] == "王五"
    assert correct_decision(decision, loaded(english()), reason="删除直接责任人员", actor=ACTOR,
                            now=NOW, today=TODAY)
    db.session.expire_all()
    assert persons_of(decision) == set()
    assert decision.responsible_persons is None


# ---------------------------------------------------------------- bulk import


def file_rows(n: int = 6) -> list[dict]:
    """Organisation rows from the generator, the first three naming responsible persons."""
    found = [r for r in iter_rows(40, seed=5) if r["行政相对人类别"] == "法人及非法人组织"][:n]
    people = [("李四", LI), ("王五；李四", f"{WANG}；{LI}"), ("赵六", complete_ric(
        "33010619700101001"))]
    for row, (names, numbers) in zip(found, people, strict=False):
        row.update({"直接责任人员": names, "直接责任人员证件类型": "身份证",
                    "直接责任人员证件号码": numbers})
    return found


def write_csv(path, records: list[dict]):
    headers = [*HEADERS, *PERSON_HEADERS]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=headers, restval="")
        writer.writeheader()
        writer.writerows(records)
    return path


def write_xlsx(path, records: list[dict]):
    headers = [*HEADERS, *PERSON_HEADERS]
    workbook = Workbook()
    workbook.active.append(headers)
    for record in records:
        workbook.active.append([record.get(h) or None for h in headers])
    workbook.save(path)
    return path


def links() -> list[tuple]:
    """(decision number, role, person digest) of every stored DecisionPerson."""
    return sorted(db.session.execute(
        select(Decision.number, DecisionPerson.role, Subject.id_digest)
        .join(DecisionPerson, DecisionPerson.decision_id == Decision.id)
        .join(Subject, Subject.id == DecisionPerson.subject_id)).all())


def responsible(number: str) -> list[str]:
    return sorted(db.session.scalars(
        select(Subject.name).join(DecisionPerson, DecisionPerson.subject_id == Subject.id)
        .join(Decision, Decision.id == DecisionPerson.decision_id)
        .where(Decision.number == number, DecisionPerson.role == "responsible_person")))


def test_import_names_the_persons_as_publishing_row_by_row_does(session, tmp_path):
    records = file_rows()
    nested = db.session.begin_nested()
    for record in records:
        create_decision(loaded(record), actor=ACTOR, now=NOW, status="published", today=TODAY)
    db.session.flush()
    expected = (links(), sorted(db.session.execute(select(
        Decision.number, Decision.responsible_persons, Decision.content_digest)).all()))
    nested.rollback()
    db.session.expunge_all()
    summary = import_file(write_csv(tmp_path / "persons.csv", records), actor=ACTOR, now=NOW)
    assert (summary.created, summary.rejected) == (6, 0)
    assert (links(), sorted(db.session.execute(select(
        Decision.number, Decision.responsible_persons, Decision.content_digest)).all())) \
        == expected
    assert responsible(records[1]["行政处罚决定书文号"]) == ["李四", "王五"]
    # 李四, named twice in the batch, is one subject; no full number is stored
    assert db.session.scalar(select(func.count()).select_from(Subject).where(
        Subject.name == "李四")) == 1
    assert not db.session.scalar(select(func.count()).select_from(Subject).where(
        Subject.id_number_masked == LI))


def test_importing_the_same_file_twice_changes_nothing(session, tmp_path):
    path = write_csv(tmp_path / "twice.csv", file_rows())
    import_file(path, actor=ACTOR, now=NOW)
    before = (links(), db.session.scalar(select(func.count()).select_from(DecisionRevision)),
              db.session.scalar(select(func.count()).select_from(Subject)))
    summary = import_file(path, actor=ACTOR, now=NOW)
    assert (summary.created, summary.corrected, summary.unchanged) == (0, 0, 6)
    assert (links(), db.session.scalar(select(func.count()).select_from(DecisionRevision)),
            db.session.scalar(select(func.count()).select_from(Subject))) == before


def test_a_file_that_changes_the_persons_corrects_the_decision(session, tmp_path):
    records = file_rows()
    import_file(write_csv(tmp_path / "v1.csv", records), actor=ACTOR, now=NOW)
    records[1] = {**records[1], "直接责任人员": "王五", "直接责任人员证件号码": WANG}
    records[3] = {**records[3], "直接责任人员": "李四", "直接责任人员证件类型": "身份证",
                  "直接责任人员证件号码": LI}
    summary = import_file(write_csv(tmp_path / "v2.csv", records), actor=ACTOR, now=NOW)
    assert (summary.created, summary.corrected, summary.unchanged) == (0, 2, 4)
    assert responsible(records[1]["行政处罚决定书文号"]) == ["王五"]
    assert responsible(records[3]["行政处罚决定书文号"]) == ["李四"]


def test_xlsx_with_the_person_columns_equals_the_csv(session, tmp_path):
    records = file_rows()
    import_file(write_csv(tmp_path / "plain.csv", records), actor=ACTOR, now=NOW)
    stored = links()
    summary = import_file(write_xlsx(tmp_path / "same.xlsx", records), actor=ACTOR, now=NOW)
    assert (summary.rows, summary.unchanged, summary.created) == (6, 6, 0)
    assert links() == stored


def test_invalid_persons_reject_the_row_with_column_and_reason(session, tmp_path):
    records = file_rows()
    records[0] = {**records[0], "直接责任人员证件号码": LI[:-1] + ("0" if LI[-1] != "0" else "1")}
    records[2] = {**records[2], "直接责任人员证件类型": ""}
    summary = import_file(write_xlsx(tmp_path / "bad.xlsx", records), actor=ACTOR, now=NOW)
    assert (summary.created, summary.rejected) == (4, 2)
    reasons = {(row, field): reason for row, field, reason in summary.errors}
    assert reasons[(2, "直接责任人员证件号码")].startswith(
        "person 1 (李四): invalid 居民身份证号码: check digit")
    assert "直接责任人员证件类型必填" in reasons[(4, "直接责任人员证件类型")]
    with open(summary.rejects_path, encoding="utf-8-sig") as handle:
        rejected = list(csv.DictReader(handle))
    assert [r["直接责任人员"] for r in rejected] == ["李四", "赵六"]


def test_cli_import_with_the_person_columns(app, session, tmp_path):
    records = file_rows(4)
    records[1] = {**records[1], "直接责任人员证件号码": WANG}  # two names, one number
    path = write_csv(tmp_path / "cli.csv", records)
    result = app.test_cli_runner().invoke(args=["register", "import", str(path)])
    assert "4 rows: 3 created, 0 corrected, 0 unchanged, 1 rejected" in result.output
    assert "row 3, 直接责任人员证件号码: gives 1 ID numbers for 2 persons" in result.output
    assert responsible(records[0]["行政处罚决定书文号"]) == ["李四"]


def test_no_persons_is_sql_null_by_every_path(session, tmp_path):
    create_decision(loaded(english()), actor=ACTOR, now=NOW)
    import_file(write_csv(tmp_path / "none.csv", file_rows()[3:]), actor=ACTOR, now=NOW)
    assert db.session.scalar(select(func.count()).select_from(Decision).where(
        Decision.responsible_persons.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 4
