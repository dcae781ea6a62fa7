"""The 行政处罚决定书 parser on the layouts documents come in: aligned labels, two fields a
line, every way of writing the address label, and the whole document pasted as one line."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from service.console.docparse import parse_decision_text

FIXTURES = Path(__file__).parent / "fixtures"
DOCUMENTS = ("trademark_samr.txt", "patent_cnipa.txt", "copyright_bureau.txt",
             "plant_variety_agri.txt", "customs.txt", "individual_business.txt",
             "natural_person.txt", "trade_secret_aligned.txt")


def _read(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_aligned_labels_two_fields_a_line_and_the_address_label_with_brackets():
    doc = parse_decision_text(_read("trade_secret_aligned.txt"))
    assert doc.number == "沪市监浦处〔2025〕1520号"
    assert doc.party_name == "上海锦程精密机械有限公司"  # 当 事 人：
    assert doc.party_kind == "法人及非法人组织"
    assert doc.uscc == "91310115MA1H9K2R3B"
    assert doc.legal_representative == "周立新"  # not "周立新      职务：执行董事"
    assert doc.party_address == "上海市浦东新区张江路1088号3幢201室"  # 住所（住址）：
    assert doc.facts.startswith("当事人于2024年6月招聘上海恒泰数控科技有限公司原研发人员")
    assert doc.facts.endswith("销售金额人民币2380000元。")
    assert doc.legal_basis == "《中华人民共和国反不正当竞争法》第二十一条"
    assert doc.penalty_content == "罚款人民币叁拾万元整。"
    assert doc.penalty_categories == ["罚款"]
    assert doc.fine_amount == Decimal("30")
    assert doc.confiscated_amount is None
    assert doc.decided_on == date(2025, 7, 8)
    assert doc.authority_name == "上海市浦东新区市场监督管理局"
    assert doc.violation_type == "侵犯商业秘密"
    assert doc.warnings == []


def test_a_document_copied_from_a_pdf_viewer_as_one_line():
    text = _read("counterfeit_one_line.txt")
    assert "\n" not in text
    doc = parse_decision_text(text)
    assert doc.number == "杭余市监罚处〔2025〕326号"
    assert doc.party_name == "杭州瑞丰日用品有限公司"
    assert doc.party_kind == "法人及非法人组织"
    assert doc.uscc == "91330110MA2KD5XW79"
    assert doc.legal_representative == "沈国强"
    assert doc.party_address == "浙江省杭州市余杭区仓前街道文一西路1500号2幢1105室"  # 住所(住址):
    # The lines the PDF wrapped are joined again; the facts end where the evidence begins.
    assert doc.facts == (
        "当事人于2025年3月至4月从他人处购进标注“蓝月亮”注册商标的洗衣液1200瓶，以每瓶18元的"
        "价格通过网络店铺对外销售，共售出950瓶，违法所得人民币12,350元，剩余250瓶被本局依法扣押。"
        "经商标注册人鉴定，上述洗衣液均为假冒注册商标的商品。")
    assert doc.legal_basis == "《中华人民共和国商标法》第六十条第二款"
    assert doc.penalty_content == ("一、没收假冒“蓝月亮”注册商标的洗衣液250瓶；\n"
                                   "二、没收违法所得人民币12,350元；\n三、罚款人民币8.6万元。")
    assert doc.penalty_categories == ["罚款", "没收违法所得", "没收非法财物"]
    assert doc.fine_amount == Decimal("8.6")
    assert doc.confiscated_amount == Decimal("1.235")
    assert doc.decided_on == date(2025, 9, 16)
    assert doc.authority_name == "杭州市余杭区市场监督管理局"  # the seal mark is dropped
    assert doc.violation_type == "侵犯注册商标专用权"


def test_one_line_without_any_space_reads_the_same():
    text = _read("counterfeit_one_line.txt")
    assert asdict(parse_decision_text(text.replace(" ", ""))) == asdict(parse_decision_text(text))


@pytest.mark.parametrize("joint", ["", " "], ids=["no-space", "space"])
@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_document_pasted_as_one_line_reads_as_the_document(name, joint):
    text = _read(name)
    one_line = joint.join(line.strip() for line in text.splitlines())
    assert asdict(parse_decision_text(one_line)) == asdict(parse_decision_text(text))


ADDRESS = "北京市朝阳区建国路1号院3号楼501室"
TEMPLATE = ("北京市朝阳区市场监督管理局\n行政处罚决定书\n京朝市监处罚〔2025〕88号\n"
            "当事人：北京星辰贸易有限公司\n统一社会信用代码：91110105MA01B7Q2F2\n"
            "{label}" + ADDRESS + "\n法定代表人：张三\n"
            "当事人涉嫌销售侵犯注册商标专用权的商品一案，本局于2025年2月3日立案调查。\n"
            "经查，当事人销售侵犯“星牌”注册商标专用权的运动鞋120双。\n"
            "以上事实有现场笔录等证据为证。\n"
            "本局认为，依据《中华人民共和国商标法》第六十条第二款的规定，本局决定作出如下处罚：\n"
            "罚款人民币2万元。\n当事人应当自收到本决定书之日起十五日内缴纳罚款。\n"
            "北京市朝阳区市场监督管理局\n2025年3月5日\n")


@pytest.mark.parametrize("label", [
    "住所（住址）：", "住所(住址):", "住所（住址）:", "住所(住址)：", "住所：", "住所:",
    "住址：", "住址:", "地址：", "地址:", "经营场所：", "经营场所:", "住所地：", "住所地:",
    "住    所：", "地  址 ：", "住所地（经营场所）：", "经营场所(住所):",
])
@pytest.mark.parametrize("one_line", [False, True], ids=["lines", "one-line"])
def test_address_label_variants(label, one_line):
    text = TEMPLATE.format(label=label)
    if one_line:
        text = "".join(text.splitlines())
    doc = parse_decision_text(text)
    assert doc.party_address == ADDRESS
    assert doc.legal_representative == "张三"
    assert doc.party_name == "北京星辰贸易有限公司"
    assert doc.uscc == "91110105MA01B7Q2F2"
    assert doc.number == "京朝市监处罚〔2025〕88号"
    assert doc.fine_amount == Decimal("2")
    assert doc.decided_on == date(2025, 3, 5)
    assert doc.authority_name == "北京市朝阳区市场监督管理局"


def test_a_contact_address_is_not_the_partys_address():
    text = TEMPLATE.format(label="联系地址：北京市海淀区中关村大街1号\n住所（住址）：")
    assert parse_decision_text(text).party_address == ADDRESS
    assert parse_decision_text("".join(text.splitlines())).party_address == ADDRESS


def test_a_title_run_into_the_number_is_not_its_prefix():
    doc = parse_decision_text(
        "天津市北辰区市场监督管理局行政处罚决定书津北辰市监处罚〔2025〕184号\n当事人：甲公司")
    assert (doc.number, doc.number_prefix) == ("津北辰市监处罚〔2025〕184号", "津北辰市监处罚")


def test_fields_given_in_brackets_after_the_name():
    doc = parse_decision_text(
        "当事人：北京星辰贸易有限公司（统一社会信用代码：91110105MA01B7Q2F2）\n"
        "法定代表人：张三（身份证号码：110101198503071235）\n"
        "住所地址：北京市朝阳区建国路1号\n经查，当事人销售假冒商品。")
    assert doc.party_name == "北京星辰贸易有限公司"
    assert doc.uscc == "91110105MA01B7Q2F2"
    assert doc.legal_representative == "张三"
    assert doc.party_address == "北京市朝阳区建国路1号"
