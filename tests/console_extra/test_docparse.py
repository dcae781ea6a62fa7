"""The 行政处罚决定书 parser, on documents written in the usual layouts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from service.console.docparse import chinese_amount, chinese_integer, parse_decision_text

FIXTURES = Path(__file__).parent / "fixtures"


def parse(name: str):
    return parse_decision_text((FIXTURES / name).read_text(encoding="utf-8"))


def test_trademark_case_of_a_market_regulation_bureau():
    doc = parse("trademark_samr.txt")
    assert doc.number == "津北辰市监处罚〔2025〕184号"
    assert doc.number_prefix == "津北辰市监处罚"
    assert doc.party_name == "天津市恒瑞达商贸有限公司"
    assert doc.party_kind == "法人及非法人组织"
    assert doc.uscc == "91120113MA05K7Q8XJ"
    assert doc.legal_representative == "张建国"
    assert doc.party_address == "天津市北辰区京津路256号2号楼103室"
    assert (doc.id_type, doc.id_number) == ("", "")
    assert doc.facts.startswith("当事人自2024年9月起从广州市白云区")
    assert doc.facts.endswith("当事人不能提供上述商品的合法来源。")
    assert "以上事实" not in doc.facts
    # The cited article of the penalty, not the one violated, nor the late-payment rule.
    assert doc.legal_basis == "《中华人民共和国商标法》第六十条第二款"
    assert doc.penalty_content == "1.没收侵犯注册商标专用权的运动鞋120双；\n2.罚款人民币伍万元整。"
    assert doc.penalty_categories == ["罚款", "没收非法财物"]
    assert doc.fine_amount == Decimal("5")
    assert doc.confiscated_amount is None  # goods confiscated, no sum stated
    assert doc.decided_on == date(2025, 3, 4)
    assert doc.authority_name == "天津市北辰区市场监督管理局"
    assert doc.violation_type == "侵犯注册商标专用权"
    assert doc.warnings == []


def test_patent_passing_off_with_square_brackets_and_arabic_date():
    doc = parse("patent_cnipa.txt")
    assert doc.number == "深市监知罚〔2025〕27号"
    assert doc.party_name == "深圳市科灵电子科技有限公司"
    assert doc.legal_representative == "李振华"
    assert doc.uscc == "91440300MA5F22221M"
    assert doc.party_address == "深圳市宝安区西乡街道固戍一路88号A栋5楼"
    assert doc.facts.startswith("当事人在其生产销售的型号为KL-200")
    assert doc.legal_basis == "《中华人民共和国专利法》第六十八条"
    assert doc.penalty_categories == ["罚款", "没收违法所得"]
    assert doc.fine_amount == Decimal("5.55")
    assert doc.confiscated_amount == Decimal("1.85")
    assert doc.decided_on == date(2025, 4, 21)
    assert doc.authority_name == "深圳市市场监督管理局"  # the seal mark is dropped
    assert doc.violation_type == "假冒专利"


def test_copyright_case_with_round_brackets_and_warning():
    doc = parse("copyright_bureau.txt")
    assert doc.number == "京版罚〔2025〕3号"
    assert doc.party_address == "北京市朝阳区望京街道阜通东大街6号院3号楼1802"
    assert doc.legal_representative == "赵敏"
    assert "上述违法事实" not in doc.facts
    assert doc.facts.startswith("2024年5月至11月，当事人未经著作权人许可")
    assert doc.legal_basis == "《中华人民共和国著作权法》第五十三条"
    assert doc.penalty_categories == ["警告", "罚款", "没收违法所得"]
    assert doc.fine_amount == Decimal("19.28")
    assert doc.confiscated_amount == Decimal("3.21")
    assert doc.decided_on == date(2025, 1, 15)
    assert doc.authority_name == "北京市版权局"
    assert doc.violation_type == "侵犯著作权"


def test_plant_variety_case_of_an_agriculture_bureau():
    doc = parse("plant_variety_agri.txt")
    assert doc.number == "石农（种子）罚〔2025〕5号"
    assert doc.uscc == "93130100MA0C8L2N5P"
    assert doc.facts.startswith("2025年3月至4月")
    assert doc.legal_basis == "《中华人民共和国种子法》第七十二条第五款"
    assert doc.penalty_content.endswith("4．罚款二十五万五千元。")
    assert doc.penalty_categories == ["罚款", "没收违法所得", "没收非法财物"]
    assert doc.fine_amount == Decimal("25.5")
    assert doc.confiscated_amount == Decimal("0.68")
    assert doc.decided_on == date(2025, 6, 19)
    assert doc.authority_name == "石家庄市农业农村局"
    assert doc.violation_type == "侵犯植物新品种权"


def test_customs_case_cites_two_regulations():
    doc = parse("customs.txt")
    assert doc.number == "深关知罚字〔2025〕0012号"
    assert doc.party_name == "深圳市海拓进出口贸易有限公司"
    assert doc.legal_representative == "陈海涛"
    assert doc.legal_basis == ("《中华人民共和国海关行政处罚实施条例》第二十五条第一款、"
                               "《中华人民共和国知识产权海关保护条例》第二十七条第三款")
    assert doc.penalty_content == "1.没收上述侵权货物；\n2.处罚款人民币1.2万元。"
    assert doc.fine_amount == Decimal("1.2")
    assert doc.confiscated_amount is None
    assert doc.decided_on == date(2025, 2, 28)
    assert doc.authority_name == "中华人民共和国深圳海关"
    assert doc.violation_type == "侵犯注册商标专用权"


def test_individual_business_with_operator_and_id_card():
    doc = parse("individual_business.txt")
    assert doc.number == "津北辰市监处罚〔2025〕201号"
    assert doc.party_name == "天津市北辰区小李服装店"  # "（个体工商户）" is the kind, not the name
    assert doc.party_kind == "个体工商户"
    assert doc.uscc == "92120113MA06B4T3P2"
    assert doc.legal_representative == "李小红"
    assert (doc.id_type, doc.id_number) == ("身份证", "120113199005152042")
    assert doc.party_address == "天津市北辰区果园新村街集贤里底商15号"
    assert doc.penalty_content == "没收侵权T恤衫30件，并处罚款人民币3000元。"
    assert doc.fine_amount == Decimal("0.3")
    assert doc.decided_on == date(2025, 4, 2)
    assert doc.authority_name == "天津市北辰区市场监督管理局"


def test_natural_person_is_prefilled_with_id_and_no_code():
    doc = parse("natural_person.txt")
    assert doc.party_name == "刘某某"
    assert doc.party_kind == "自然人"
    assert (doc.id_type, doc.id_number) == ("身份证", "110101198503071235")
    assert doc.uscc == ""
    assert doc.legal_representative == ""
    assert doc.party_address == "江苏省苏州市姑苏区平江路128号"
    assert doc.fine_amount == Decimal("0.5")  # 伍仟元整
    assert doc.confiscated_amount == Decimal("0.126")
    assert doc.decided_on == date(2024, 10, 10)  # not the birth date or the filing date
    assert doc.authority_name == "苏州市知识产权局"
    assert doc.violation_type == "假冒专利"


def test_form_values_carry_only_what_was_found():
    values = parse("trademark_samr.txt").form_values()
    assert values["decided_on"] == "2025-03-04"
    assert values["fine_amount"] == "5"
    assert values["penalty_categories"] == ["罚款", "没收非法财物"]
    assert "confiscated_amount" not in values
    assert "id_number" not in values


def test_missing_fields_stay_empty():
    doc = parse_decision_text("当事人：某某公司\n经查，当事人销售假冒商品。\n")
    assert doc.party_name == "某某公司"
    assert doc.number == ""
    assert doc.uscc == ""
    assert doc.decided_on is None
    assert doc.fine_amount is None
    assert doc.penalty_categories == []
    assert doc.authority_name == ""
    assert doc.legal_basis == ""
    assert parse_decision_text("").form_values() == {}


def test_a_wrong_uscc_is_kept_for_the_official_with_a_warning():
    doc = parse_decision_text("当事人：某某公司\n统一社会信用代码：91120113MA05K7Q8XA\n")
    assert doc.uscc == "91120113MA05K7Q8XA"
    assert len(doc.warnings) == 1
    assert "统一社会信用代码" in doc.warnings[0]


@pytest.mark.parametrize(("line", "number"), [
    ("京市监处罚[2025]12号", "京市监处罚〔2025〕12号"),
    ("京市监处罚(2025)12号", "京市监处罚〔2025〕12号"),
    ("京市监处罚（2025）第12号", "京市监处罚〔2025〕12号"),
    ("京市监处罚【2025】 12 号", "京市监处罚〔2025〕12号"),
])
def test_number_bracket_variants(line, number):
    assert parse_decision_text(f"行政处罚决定书\n{line}\n当事人：甲公司").number == number


@pytest.mark.parametrize(("sentence", "wan"), [
    ("罚款人民币5万元", "5"),
    ("罚款50000元", "5"),
    ("罚款人民币50,000.50元", "5.00005"),
    ("罚款人民币伍万元整", "5"),
    ("处以3000元罚款", "0.3"),
    ("罚款人民币壹拾贰万叁仟肆佰伍拾陆元柒角捌分", "12.345678"),
    ("罚款一百万元", "100"),
])
def test_fine_amounts_in_wan(sentence, wan):
    doc = parse_decision_text(f"经查，甲。\n本局认为，乙。本局决定作出如下处罚：{sentence}。")
    assert doc.fine_amount == Decimal(wan)


def test_late_payment_surcharge_is_not_a_fine():
    doc = parse_decision_text(
        "经查，甲。\n本局决定如下：警告。\n逾期不缴纳的，每日按罚款数额的百分之三加处罚款。"
    )
    assert doc.penalty_categories == ["警告"]
    assert doc.fine_amount is None


@pytest.mark.parametrize(("text", "value"), [
    ("伍万", 50000), ("十二万", 120000), ("二十五万五千", 255000), ("一千零五", 1005),
    ("二〇二五", 2025), ("十", 10), ("三十一", 31),
])
def test_chinese_integers(text, value):
    assert chinese_integer(text) == value


def test_chinese_amount_with_jiao_and_fen():
    assert chinese_amount("捌佰元伍角陆分") == Decimal("800.56")


def test_responsible_persons_are_read_with_their_ids_and_not_taken_for_the_party():
    text = (FIXTURES / "responsible_persons.txt").read_text(encoding="utf-8")
    for pasted in (text, text.replace("\n", " ")):  # as laid out, and as one line
        doc = parse_decision_text(pasted)
        assert doc.legal_representative == "张建国"
        assert doc.responsible_persons == "李四；王五"
        assert doc.responsible_persons_id_types == "身份证"
        assert doc.responsible_persons_id_numbers == "440303199001011237；110101198512030021"
        assert (doc.id_type, doc.id_number) == ("", "")  # the company's own ID is not theirs
        assert doc.party_kind == "法人及非法人组织"
        assert doc.warnings == []


def test_a_responsible_person_without_an_id_is_named_and_the_official_warned():
    doc = parse_decision_text("当事人：天津市恒瑞达商贸有限公司\n"
                              "统一社会信用代码：91120113MA05K7Q8XJ\n直接责任人员：李四\n"
                              "经查，当事人销售侵权商品。")
    assert (doc.responsible_persons, doc.responsible_persons_id_numbers) == ("李四", "")
    assert "直接责任人员的证件类型和证件号码未能全部识别" in doc.warnings[0]
