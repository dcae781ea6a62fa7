"""Loading one decision record: Chinese headers or English keys, every error named."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from service.register.identifiers import complete_ric
from service.register.schemas import describe_errors, load_decision

TODAY = date(2026, 11, 22)
ID_NUMBER = complete_ric("44030319900101123")


def record(**changes) -> dict:
    """A valid record with the Chinese standard headers; `changes` replace or drop (None)."""
    row = {
        "行政相对人名称": "天津市鑫源贸易有限公司",
        "行政相对人类别": "法人及非法人组织",
        "统一社会信用代码": "91110000802100433B",
        "法定代表人": "王伟",
        "证件类型": "",
        "证件号码": "",
        "行政处罚决定书文号": "津北辰市监处罚〔2025〕184号",
        "违法行为类型": "侵犯注册商标专用权",
        "违法事实": "当事人销售侵犯“耐克”注册商标专用权的运动鞋120双。",
        "处罚依据": "《中华人民共和国商标法》第六十条第二款",
        "处罚类别": "罚款、没收非法财物",
        "处罚内容": "没收侵权商品，罚款3.6万元",
        "罚款金额（万元）": "3.6",
        "没收违法所得、没收非法财物的金额（万元）": "0.5",
        "暂扣或吊销证照名称及编号": "",
        "处罚决定日期": "2025-03-14",
        "处罚机关": "天津市北辰区市场监督管理局",
        "处罚机关统一社会信用代码": "11120113000000001X",
        "备注": "",
    }
    for key, value in changes.items():
        if value is None:
            row.pop(key, None)
        else:
            row[key] = value
    return row


def test_valid_record_loads_with_exact_money():
    data, errors = load_decision(record(), today=TODAY)
    assert errors is None
    assert data["fine_amount"] == Decimal("3.6")
    assert data["penalty_categories"] == ["罚款", "没收非法财物"]
    assert data["decided_on"] == date(2025, 3, 14)
    assert data["party_kind"] == "法人及非法人组织"


def test_a_required_columns_star_is_part_of_no_header():
    starred = {("*" + k if i % 2 else k + "＊") if i < 12 else k: v
               for i, (k, v) in enumerate(record().items())}
    data, errors = load_decision(starred, today=TODAY)
    assert errors is None
    assert data["party_name"] == "天津市鑫源贸易有限公司"
    assert data["decided_on"] == date(2025, 3, 14)
    _data, errors = load_decision({**starred, "违法事实＊": ""}, today=TODAY)
    assert errors == {"违法事实＊": ["is required (必填)"]}  # named as the file wrote it


def test_english_keys_are_accepted_and_errors_use_them():
    data, errors = load_decision({
        "party_name": "Acme", "party_kind": "organisation", "uscc": "91110000802100433C",
        "number": "1", "violation_type": "侵犯著作权", "facts": "x", "legal_basis": "y",
        "penalty_categories": ["警告"], "penalty_content": "警告", "decided_on": "2025-01-02",
        "authority_name": "北京市版权局", "authority_uscc": "11120113000000001X",
    }, today=TODAY)
    assert data is None
    assert set(errors) == {"uscc", "legal_representative"}
    assert "check character" in errors["uscc"][0]


@pytest.mark.parametrize(("changes", "field", "reason"), [
    ({"行政相对人名称": None}, "行政相对人名称", "is required"),
    ({"统一社会信用代码": "9111000080210043"}, "统一社会信用代码", "18 characters"),
    ({"统一社会信用代码": "91110000802100433O"}, "统一社会信用代码", "not allowed"),
    ({"统一社会信用代码": "91110000802100433C"}, "统一社会信用代码", "check character"),
    ({"统一社会信用代码": ""}, "统一社会信用代码", "is required for 法人及非法人组织"),
    ({"法定代表人": ""}, "法定代表人", "法定代表人必填"),
    ({"行政相对人类别": "公司"}, "行政相对人类别", "not a party kind"),
    ({"违法行为类型": "乱停车"}, "违法行为类型", "is not one of"),
    ({"处罚类别": "罚款、打板子"}, "处罚类别", "unknown penalty category 打板子"),
    ({"处罚类别": "警告"}, "罚款金额（万元）", "do not include 罚款"),
    ({"罚款金额（万元）": ""}, "罚款金额（万元）", "required when the categories"),
    ({"罚款金额（万元）": "0"}, "罚款金额（万元）", "greater than 0"),
    ({"罚款金额（万元）": "-1"}, "罚款金额（万元）", "negative"),
    ({"罚款金额（万元）": "1.1234567"}, "罚款金额（万元）", "more than 6 decimals"),
    ({"罚款金额（万元）": "3,6元"}, "罚款金额（万元）", "not a number"),
    ({"罚款金额（万元）": "3,6"}, "罚款金额（万元）", "commas only between thousands"),
    ({"罚款金额（万元）": "1e3"}, "罚款金额（万元）", "no exponent"),
    ({"罚款金额（万元）": "99999999999"}, "罚款金额（万元）", "implausibly large"),
    ({"没收违法所得、没收非法财物的金额（万元）": ""},
     "没收违法所得、没收非法财物的金额（万元）", "没收违法所得 or 没收非法财物"),
    ({"处罚类别": "罚款、吊销许可证件"}, "暂扣或吊销证照名称及编号", "吊销许可证件"),
    ({"处罚决定日期": "2025-02-30"}, "处罚决定日期", "not a real date"),
    ({"处罚决定日期": "14/03/2025"}, "处罚决定日期", "not a date"),
    ({"处罚决定日期": "2026-11-23"}, "处罚决定日期", "in the future"),
    ({"处罚决定日期": "1980-01-01"}, "处罚决定日期", "before 1990"),
    ({"公示截止期": "2025-01-01"}, "公示截止期", "before the decision date"),
    ({"处罚机关统一社会信用代码": None}, "处罚机关统一社会信用代码", "is required"),
    ({"行政相对人名称": "名" * 201}, "行政相对人名称", "longer than 200"),
    ({"证件类型": "身份证"}, "证件号码", "other ID field"),
    ({"证件类型": "身份证", "证件号码": "110105194912310021"}, "证件号码", "check digit"),
    ({"证件类型": "驾照", "证件号码": "123456"}, "证件类型", "not an ID type"),
    ({"证件类型": "护照号", "证件号码": "E1"}, "证件号码", "5 to 17"),
    ({"是否移送司法机关": "也许"}, "是否移送司法机关", "not 是/否"),
])
def test_each_error_names_the_field_and_the_reason(changes, field, reason):
    data, errors = load_decision(record(**changes), today=TODAY)
    assert data is None
    assert field in errors, errors
    assert any(reason in message for message in errors[field]), errors[field]
    assert field in describe_errors(errors)


@pytest.mark.parametrize(("written", "amount"), [
    ("1,000", "1000"), ("1,234.5", "1234.5"), (".5", "0.5"), (0.000001, "0.000001"), (12, "12"),
])
def test_amounts_as_spreadsheets_and_clients_write_them(written, amount):
    data, errors = load_decision(record(**{"罚款金额（万元）": written}), today=TODAY)
    assert not errors
    assert data["fine_amount"] == Decimal(amount)


def test_a_natural_person_needs_an_id_and_no_uscc():
    base = {"行政相对人类别": "自然人", "行政相对人名称": "李明", "法定代表人": ""}
    _, errors = load_decision(record(**base), today=TODAY)
    assert "must be empty for a natural person" in errors["统一社会信用代码"][0]
    assert "证件类型" in errors
    assert "证件号码" in errors
    data, errors = load_decision(record(**base, 统一社会信用代码="", 证件类型="身份证",
                                        证件号码=ID_NUMBER), today=TODAY)
    assert errors is None
    assert data["id_number"] == ID_NUMBER
    assert data["uscc"] is None


def test_the_code_s_entity_type_agrees_with_the_party_kind():
    from service.register.identifiers import complete_uscc

    business = complete_uscc("92120113MA0512345")
    shop = {"行政相对人类别": "个体工商户", "行政相对人名称": "北辰区鑫源服装店", "法定代表人": ""}
    data, errors = load_decision(record(**shop, 统一社会信用代码=business), today=TODAY)
    assert errors is None
    assert data["uscc"] == business
    _, errors = load_decision(record(**shop), today=TODAY)  # a 91… company code
    assert "个体工商户" in errors["统一社会信用代码"][0]
    assert "begins 91" in errors["统一社会信用代码"][0]
    _, errors = load_decision(record(统一社会信用代码=business), today=TODAY)
    assert "set the party kind (行政相对人类别) to 个体工商户" in errors["统一社会信用代码"][0]


def test_an_older_code_is_accepted_only_before_2015():
    old = record(统一社会信用代码="120113000012345", 处罚决定日期="2013-05-06")
    data, errors = load_decision(old, today=TODAY)
    assert errors is None
    assert data["legacy_code"] == "120113000012345"
    assert data["uscc"] is None
    _, errors = load_decision(record(统一社会信用代码="", 工商注册号="120113000012345"),
                              today=TODAY)
    assert "only accepted for earlier records" in errors["统一社会信用代码"][0]


@pytest.mark.parametrize("value", ["2025/3/14", "2025年3月14日", "20250314", "2025.03.14",
                                   datetime(2025, 3, 14), "2025-03-14 00:00:00"])
def test_date_spellings(value):
    data, errors = load_decision(record(处罚决定日期=value), today=TODAY)
    assert errors is None
    assert data["decided_on"] == date(2025, 3, 14)


def test_categories_split_on_any_separator_and_headers_in_any_width():
    row = record(处罚类别="罚款，没收非法财物;罚款")
    row["罚款金额(万元)"] = row.pop("罚款金额（万元）")
    data, errors = load_decision(row, today=TODAY)
    assert errors is None
    assert data["penalty_categories"] == ["罚款", "没收非法财物"]


def test_zero_amount_without_its_category_is_no_amount():
    data, errors = load_decision(record(**{"处罚类别": "警告", "罚款金额（万元）": "0",
                                           "没收违法所得、没收非法财物的金额（万元）": ""}),
                                 today=TODAY)
    assert errors is None
    assert data["fine_amount"] is None


def test_every_error_is_reported_at_once():
    _, errors = load_decision(record(统一社会信用代码="X", 处罚决定日期="tomorrow",
                                     违法行为类型="?"), today=TODAY)
    assert {"统一社会信用代码", "处罚决定日期", "违法行为类型"} <= set(errors)


@pytest.mark.parametrize(("changes", "field", "reason"), [
    ({"处罚类别": "罚款", "罚款金额（万元）": "-1.5",
      "没收违法所得、没收非法财物的金额（万元）": ""}, "罚款金额（万元）", "must not be negative"),
    ({"罚款金额（万元）": "1.1234567"}, "罚款金额（万元）", "more than 6 decimals"),
    ({"罚款金额（万元）": "NaN"}, "罚款金额（万元）", "is not a number"),
    ({"没收违法所得、没收非法财物的金额（万元）": "abc"},
     "没收违法所得、没收非法财物的金额（万元）", "is not a number"),
    ({"行政相对人类别": "自然人", "统一社会信用代码": "", "法定代表人": "", "证件类型": "身份证",
      "证件号码": 4.403031990010112e17}, "证件号码", "format the column as text"),
])
def test_a_value_refused_by_its_field_is_not_also_called_missing(changes, field, reason):
    data, errors = load_decision(record(**changes), today=TODAY)
    assert data is None
    assert len(errors[field]) == 1, errors[field]
    assert reason in errors[field][0]
    assert not any("is required" in m for ms in errors.values() for m in ms), errors


def test_a_missing_fine_is_still_required():
    _, errors = load_decision(record(**{"罚款金额（万元）": ""}), today=TODAY)
    assert errors["罚款金额（万元）"] == [
        "is required when the categories (处罚类别) include 罚款"]
