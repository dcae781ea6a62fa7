"""The decision form: which fields it has, how a posted form becomes a record for the
register's schema, and the schema's messages in Chinese, one per field.

Validation itself is the register's (`load_decision`): the console only translates.
"""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from service.core.db import db
from service.register.identifiers import ID_TYPES
from service.register.models import Authority, Decision, PartyKind
from service.register.responsible import COLUMNS as PERSON_COLUMNS
from service.register.responsible import as_columns
from service.register.schemas import HEADERS, PENALTY_CATEGORIES, VIOLATION_TYPES

PARTY_KINDS = tuple(k.value for k in PartyKind)
FLAGS = {"is_simple_procedure": "简易程序", "is_criminal_transfer": "已移送司法机关",
         "is_nonperformance": "拒不履行", "is_intentional": "故意侵权"}
TEXT_FIELDS = ("party_kind", "party_name", "uscc", "legacy_code", "legal_representative",
               "id_type", "id_number", "party_address", *PERSON_COLUMNS, "number",
               "violation_type", "facts", "legal_basis", "penalty_content", "fine_amount",
               "confiscated_amount", "licence_info", "decided_on", "effect_ends_on",
               "disclosure_ends_on", "source_unit", "source_unit_uscc", "remarks",
               "performed_on")
# Label of every field the form shows (the standard's Chinese header unless clearer).
LABELS = {name: HEADERS[name][0] for name in HEADERS} | {
    "authority_id": "处罚机关", "fine_amount": "罚款金额（万元）",
    "confiscated_amount": "没收金额（万元）", "id_type": "证件类型", "id_number": "证件号码",
    "legacy_code": "其他代码（2015 年前的注册号等）", "party_address": "住所（地址）",
    "id_number_masked": "证件号码（脱敏）", "stated_disclosure_ends_on": "公示截止期",
    "reason": "原因", "comment": "退回意见", "kind": "撤销类型", "status": "状态",
} | FLAGS
REVOCATION_LABELS = {"行政复议": "行政复议决定撤销", "法院判决": "法院判决撤销",
                     "自行纠正": "本机关自行纠错撤销"}


def all_authorities() -> list[Authority]:
    """Every authority, by name (the forms' choice of 处罚机关)."""
    return list(db.session.scalars(select(Authority).order_by(Authority.name)))


def authority_options() -> list[tuple[int, str]]:
    """(id, name) of every authority, by name, for the `select` form macro."""
    return [(a.id, a.name) for a in all_authorities()]


def form_values(form: MultiDict) -> dict:
    """What the official typed, kept as typed (to show again beside any errors)."""
    values = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    values["penalty_categories"] = [c for c in form.getlist("penalty_categories") if c]
    values.update({flag: form.get(flag) == "1" for flag in FLAGS})
    values["authority_id"] = form.get("authority_id", type=int)
    return values


def record_from(values: dict, authority: Authority | None) -> dict:
    """The record for `load_decision` (English keys) from the form's values."""
    record = {name: values.get(name) for name in TEXT_FIELDS}
    record["penalty_categories"] = values.get("penalty_categories") or None
    record.update({flag: "是" if values.get(flag) else "否" for flag in FLAGS})
    if authority is not None:
        record["authority_name"], record["authority_uscc"] = authority.name, authority.uscc
    return record


def values_of(decision: Decision) -> dict:
    """A decision's content as form values (the full ID number is never stored: blank)."""
    values = {}
    for name in TEXT_FIELDS:
        if name in PERSON_COLUMNS:
            continue
        column = "stated_disclosure_ends_on" if name == "disclosure_ends_on" else name
        value = getattr(decision, column, None)
        if isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        values[name] = "" if value is None else str(value)
    values["id_number"] = ""
    values.update(as_columns(decision.responsible_persons))
    values["penalty_categories"] = list(decision.penalty_categories or ())
    values.update({flag: bool(getattr(decision, flag)) for flag in FLAGS})
    values["authority_id"] = decision.authority_id
    return values


# The order of the fields on the page (the error summary follows it).
FORM_ORDER = ("form", "authority_id", "party_kind", "party_name", "uscc", "legacy_code",
              "legal_representative", "party_address", "id_type", "id_number", *PERSON_COLUMNS,
              "number",
              "decided_on", "violation_type", "penalty_categories", "facts", "legal_basis",
              "penalty_content", "fine_amount", "confiscated_amount", "licence_info",
              "effect_ends_on", "disclosure_ends_on", "performed_on", "source_unit",
              "source_unit_uscc", "remarks", "reason")


def field_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The schema's errors in Chinese, keyed by the form field they belong to, in page order."""
    shown: dict[str, list[str]] = {}
    for field, reasons in errors.items():
        target = "authority_id" if field in ("authority_name", "authority_uscc") else field
        for reason in reasons:
            shown.setdefault(target, []).append(chinese(field, reason))
    return in_page_order(shown)


def in_page_order(errors: dict) -> dict:
    rank = {name: i for i, name in enumerate(FORM_ORDER)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank))))


_CODE_PROBLEMS = [
    (r"a USCC has 18 characters, this one has (\d+)", "应为 18 位，当前为 {0} 位"),
    (r"character '(.+)' at position (\d+) is not allowed.*",
     "第 {1} 位字符“{0}”不合法（只能是数字和除 I、O、Z、S、V 外的大写字母）"),
    (r"check character is '(.)', expected '(.)'.*", "校验码错误：末位是“{0}”，应为“{1}”"),
    (r"an ID card number has 18 characters, this one has (\d+)", "应为 18 位，当前为 {0} 位"),
    (r"an ID card number is 17 digits and a digit or X", "应为 17 位数字加 1 位数字或 X"),
    (r"birth date (\d+) is not a real date", "其中的出生日期 {0} 不存在"),
    (r"check digit is '(.)', expected '(.)'.*", "校验码错误：末位是“{0}”，应为“{1}”"),
]
_MESSAGES = [
    (r"is required \(必填\)", "必填"),
    (r"longer than (\d+) characters.*", "超出长度（最多 {0} 个字）"),
    (r"must be text", "须为文字"),
    (r"is a number cell, which keeps only 15 digits.*",
     "单元格为数字格式，Excel 只保留 15 位有效数字，号码已不完整："
     "请将该列设为“文本”格式后重新填写"),
    (r"must not contain NUL characters", "含有不可见的控制字符（NUL），请删除后重新填写"),
    (r"invalid 统一社会信用代码: (.*)", "统一社会信用代码{code}"),
    (r"invalid 居民身份证号码: (.*)", "身份证号码{code}"),
    (r"(\S+) is before (\d{4})", "日期 {0} 早于 {1} 年，请检查"),
    (r"(\S+) is in the future \(晚于今天 (\S+)\)", "日期 {0} 晚于今天（{1}）"),
    (r"'(.*)' is not a date.*", "“{0}”不是日期，请按 YYYY-MM-DD 填写"),
    (r"'(.*)' is not a real date.*", "日期“{0}”不存在"),
    (r"'(.*)' is not a number.*", "“{0}”不是数字，请填写以万元为单位的金额"),
    (r"must be a number of 万元", "请填写以万元为单位的金额"),
    (r"must be a finite number", "请填写有效数字"),
    (r"must not be negative.*", "金额不能为负"),
    (r"(\S+) 万元 is implausibly large.*", "金额 {0} 万元过大，请检查单位（万元）"),
    (r"has more than 6 decimals.*", "最多 6 位小数（单位为万元，精确到分）"),
    (r"'(.*)' is not 是/否.*", "请填写“是”或“否”"),
    (r"unknown penalty category (\S+) .*", "未知的处罚类别：{0}"),
    (r"at least one penalty category is required.*", "请至少选择一个处罚类别"),
    (r"'(.*)' is not a party kind.*", "请选择行政相对人类别"),
    (r"'(.*)' is not one of .*", "“{0}”不在可选范围内，请从列表中选择"),
    (r"must be empty for a natural person.*", "自然人没有统一社会信用代码，请留空"),
    (r"an individual business \(个体工商户\) has a code beginning (\d+); this one begins (\S+) .*",
     "个体工商户的统一社会信用代码以 {0} 开头，此代码以 {1} 开头，与行政相对人类别不符"),
    (r"a code beginning (\d+) belongs to an individual business.*",
     "以 {0} 开头的统一社会信用代码属于个体工商户，请将行政相对人类别改为个体工商户"),
    (r"is required for a natural person.*", "当事人为自然人时必填"),
    (r"is required for (\S+) decided from (\d{4}) on.*",
     "{1} 年及以后的决定，{0}必须填写统一社会信用代码（其他代码仅适用于更早的记录）"),
    (r"an older registration code is 8 to 20 letters or digits",
     "其他代码应为 8 至 20 位字母或数字"),
    (r"is required for (\S+) \(统一社会信用代码必填\)", "{0}必须填写统一社会信用代码"),
    (r"is required for an organisation.*", "当事人为法人及非法人组织时必填"),
    (r"is required when the other ID field is given.*", "证件类型和证件号码须同时填写"),
    (r"a (\S+) number is .*", "{0}号码格式不正确"),
    (r"must have 4 to 40 characters", "应为 4 至 40 个字符"),
    (r"'(.*)' is not an ID type.*", "“{0}”不是可用的证件类型"),
    (r"is required when the categories \(处罚类别\) include 罚款", "处罚类别含“罚款”时必填"),
    (r"must be greater than 0 when the categories include 罚款", "处罚类别含“罚款”时须大于 0"),
    (r"is given but the categories \(处罚类别\) do not include 罚款",
     "处罚类别不含“罚款”，不应填写罚款金额"),
    (r"is required when the categories include 没收违法所得 or 没收非法财物",
     "处罚类别含“没收违法所得”或“没收非法财物”时必填"),
    (r"is given but the categories include neither.*",
     "处罚类别不含没收，不应填写没收金额"),
    (r"is required when the categories include 暂扣许可证件 or 吊销许可证件",
     "处罚类别含“暂扣许可证件”或“吊销许可证件”时必填"),
    (r"(\S+) is before the decision date \(处罚决定日期 (\S+)\)",
     "日期 {0} 早于处罚决定日期 {1}"),
    # 直接责任人员 (service.register.responsible).
    (r"a natural person's decision names no responsible persons.*",
     "当事人为自然人时不填写直接责任人员（仅用于法人及非法人组织和个体工商户）"),
    (r"is given without the persons' names.*", "请先填写直接责任人员姓名"),
    (r"is required for each responsible person.*", "填写了直接责任人员时必填"),
    (r"gives (\d+) ID types for (\d+) persons.*",
     "填写了 {0} 个证件类型，但有 {1} 名直接责任人员：请按姓名顺序逐一填写（用“；”分隔），"
     "或只填一个适用于全部人员"),
    (r"gives (\d+) ID numbers for (\d+) persons.*",
     "填写了 {0} 个证件号码，但有 {1} 名直接责任人员：请按姓名顺序逐一填写（用“；”分隔）"),
    (r"names (\d+) persons: at most (\d+)", "直接责任人员最多 {1} 名，当前 {0} 名"),
    (r"is the ID of person (\d+) too.*", "与第 {0} 人的证件号码相同（重复）"),
    (r"must be the name only.*", "姓名中不应含证件号码：请填在直接责任人员证件号码栏"),
    # The importer's own row checks (批量导入).
    (r"duplicate of row (\d+) in this file.*",
     "与本文件第 {0} 行的处罚机关和决定书文号相同（文件内决定书文号重复）"),
    (r"decision number (.+) already exists for this authority.*",
     "本机关已有文号为 {0} 的处罚决定（决定书文号重复）"),
    (r"cannot \S+ a decision that is .*", "该决定当前状态不允许此操作"),
]
_COMPILED = [(re.compile(f"^{p}$"), t) for p, t in _MESSAGES]
_COMPILED_CODES = [(re.compile(f"^{p}$"), t) for p, t in _CODE_PROBLEMS]


_PERSON = re.compile(r"^person (\d+) \((.*?)\): (.*)$", re.S)


def chinese(field: str, message: str) -> str:
    """One schema message in Chinese; an unknown message is shown as it is."""
    person = _PERSON.match(message)
    if person:  # one responsible person's problem: 第 2 人（王五）：…
        number, name, reason = person.groups()
        return f"第 {number} 人（{name}）：{chinese(field, reason)}"
    if field == "authority_uscc" and message.startswith("is required"):
        return "该处罚机关未登记统一社会信用代码，请联系管理员补录"
    if field == "penalty_categories" and message.startswith("is required"):
        return "请至少选择一个处罚类别"
    for pattern, template in _COMPILED:
        match = pattern.match(message)
        if match:
            code = ""
            if "{code}" in template:
                code = _code_problem(match.group(1))
            return template.replace("{code}", code).format(*match.groups())
    return message


def _code_problem(text: str) -> str:
    for pattern, template in _COMPILED_CODES:
        match = pattern.match(text)
        if match:
            return template.format(*match.groups())
    return "不正确：" + text


REGISTER_ERRORS = {
    "duplicate_number": "本机关已有相同文号的处罚决定（决定书文号重复）",
    "future_date": "处罚决定日期晚于今天，不能公示",
    "reason_required": "必填：请说明原因",
    "invalid_kind": "请选择撤销类型",
    "invalid_status": "该决定当前状态不允许此操作",
}

OPTIONS = {
    "party_kind": [(k, k) for k in PARTY_KINDS],
    "id_type": [(t, t) for t in ID_TYPES],
    "violation_type": [(v, v) for v in VIOLATION_TYPES],
    "penalty_categories": list(PENALTY_CATEGORIES),
    "revocation_kind": list(REVOCATION_LABELS.items()),
}
