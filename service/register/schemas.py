"""Load and check one penalty decision record (双公示 standard fields).

Bulk files use the Chinese standard headers, officials' systems send English
keys; both are accepted. `load_decision` returns the clean data or errors keyed
by the header the caller used, each a reason in English with the Chinese term.
`today` comes from the schema context (`DecisionContext`), never from the clock.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validates_schema,
)
from marshmallow.experimental.context import Context
from marshmallow.validate import Length

from service.register.identifiers import check_uscc, clean_code, id_problem
from service.register.models import PartyKind
from service.register.responsible import COLUMNS as PERSON_COLUMNS
from service.register.responsible import HEADERS as PERSON_HEADERS
from service.register.responsible import (
    PersonColumn,
    ResponsiblePersons,
    check_responsible_persons,
    combined,
)

PENALTY_CATEGORIES = (
    "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级",
    "吊销许可证件", "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留",
    "其他",
)
VIOLATION_TYPES = (
    "侵犯注册商标专用权", "假冒专利", "侵犯专利权", "侵犯著作权", "侵犯商业秘密",
    "侵犯植物新品种权", "制售假冒伪劣商品", "侵犯地理标志", "其他知识产权违法", "其他",
)
CONFISCATION = frozenset({"没收违法所得", "没收非法财物"})
LICENCE_ACTIONS = frozenset({"暂扣许可证件", "吊销许可证件"})
# GB 32100-2015 codes were issued from 2015-10; earlier records may carry an older code.
USCC_REQUIRED_FROM = date(2015, 1, 1)
EARLIEST_DATE = date(1990, 1, 1)
MAX_AMOUNT = Decimal("10000000")  # 万元 (100 billion CNY): beyond any real IP penalty

# English key → Chinese headers (the standard's first; common variants after).
HEADERS: dict[str, tuple[str, ...]] = {
    "party_name": ("行政相对人名称",),
    "party_kind": ("行政相对人类别",),
    "uscc": ("统一社会信用代码", "行政相对人代码_1(统一社会信用代码)"),
    "legacy_code": ("其他代码", "工商注册号", "组织机构代码", "税务登记号", "事业单位证书号",
                    "社会组织登记证号", "行政相对人代码_2(工商注册号)",
                    "行政相对人代码_3(组织机构代码)"),
    "legal_representative": ("法定代表人", "法定代表人(负责人)", "经营者"),
    "id_type": ("证件类型", "法定代表人证件类型"),
    "id_number": ("证件号码", "法定代表人证件号码"),
    "number": ("行政处罚决定书文号", "决定书文号"),
    "violation_type": ("违法行为类型",),
    "facts": ("违法事实",),
    "legal_basis": ("处罚依据",),
    "penalty_categories": ("处罚类别",),
    "penalty_content": ("处罚内容",),
    "fine_amount": ("罚款金额(万元)", "罚款金额"),
    "confiscated_amount": ("没收违法所得、没收非法财物的金额(万元)", "没收金额(万元)"),
    "licence_info": ("暂扣或吊销证照名称及编号",),
    "decided_on": ("处罚决定日期",),
    "effect_ends_on": ("处罚有效期",),
    "disclosure_ends_on": ("公示截止期",),
    "authority_name": ("处罚机关",),
    "authority_uscc": ("处罚机关统一社会信用代码",),
    "source_unit": ("数据来源单位",),
    "source_unit_uscc": ("数据来源单位统一社会信用代码",),
    "remarks": ("备注",),
    "is_simple_procedure": ("是否简易程序", "简易程序"),
    "is_criminal_transfer": ("是否移送司法机关", "移送司法机关"),
    "is_nonperformance": ("是否拒不履行", "拒不履行"),
    "is_intentional": ("是否故意侵权", "故意侵权"),
    "performed_on": ("履行完毕日期", "履行日期"),
    "party_address": ("行政相对人地址", "住所", "地址"),
    **PERSON_HEADERS,  # 直接责任人员: see service.register.responsible
}
# The fields of a loaded record (the persons' two ID columns end up in responsible_persons).
FIELD_NAMES = tuple(name for name in HEADERS if name not in PERSON_COLUMNS[1:])
_KIND_ALIASES = {
    "法人及非法人组织": PartyKind.ORGANISATION, "法人": PartyKind.ORGANISATION,
    "非法人组织": PartyKind.ORGANISATION, "organisation": PartyKind.ORGANISATION,
    "organization": PartyKind.ORGANISATION, "个体工商户": PartyKind.INDIVIDUAL_BUSINESS,
    "个体户": PartyKind.INDIVIDUAL_BUSINESS, "individual_business": PartyKind.INDIVIDUAL_BUSINESS,
    "自然人": PartyKind.PERSON, "person": PartyKind.PERSON,
}
_TRUE = frozenset({"是", "true", "1", "y", "yes"})
_FALSE = frozenset({"否", "false", "0", "n", "no"})
_SPLIT = re.compile(r"[、,，;；/|\s]+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# A plain decimal, its thousands optionally grouped by commas (Excel writes 1,000.50).
_AMOUNT = re.compile(r"^[-+]?(?:(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d*)?|\.\d+)$")
_LEGACY_CODE = re.compile(r"^[0-9A-Z]{8,20}$")

DecisionContext = Context[dict]


@functools.lru_cache(maxsize=512)
def field_for_header(header: str) -> str | None:
    """The English field a header (Chinese or English, any width or spacing) stands for."""
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(header)))
    # Templates mark required columns with a star: 行政相对人名称*, *处罚决定日期
    key = key.strip("*")
    if key in HEADERS:
        return key
    return _CHINESE.get(key)


_CHINESE = {
    re.sub(r"\s+", "", unicodedata.normalize("NFKC", h)): name
    for name, headers in HEADERS.items() for h in headers
}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Text(fields.Field):
    """Stripped text, NFC-normalised, bounded to its column size."""

    def __init__(self, max_length: int, **kwargs) -> None:
        super().__init__(validate=Length(max=max_length, error=f"longer than {max_length} "
                                                              "characters (超出长度)"), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime | date):
            value = value.isoformat()
        if not isinstance(value, str | int | Decimal):
            raise ValidationError("must be text")
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL text cannot hold NUL
            raise ValidationError("must not contain NUL characters")
        return unicodedata.normalize("NFC", str(value).strip())


class Code(fields.Field):
    """A code without spaces or hyphens, folded to half-width capitals."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float):  # an XLSX number cell: Excel keeps 15 digits of an ID
            raise ValidationError("is a number cell, which keeps only 15 digits: format the "
                                  "column as text and enter the code again (单元格须为文本格式)")
        if not isinstance(value, str | int):
            raise ValidationError("must be text")
        return clean_code(str(value))


class Uscc(Code):
    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        problem = check_uscc(code)
        if problem:
            raise ValidationError(f"invalid 统一社会信用代码: {problem.message}")
        return code


class Day(fields.Field):
    """A calendar date: 2025-03-14, 2025/3/14, 2025年3月14日, 20250314, or a date cell."""

    def __init__(self, *, past: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.past = past

    def _deserialize(self, value, attr, data, **kwargs):
        day = parse_day(value)
        if day < EARLIEST_DATE:
            raise ValidationError(f"{day.isoformat()} is before {EARLIEST_DATE.year}")
        if self.past:
            today = DecisionContext.get()["today"]
            if day > today:
                raise ValidationError(f"{day.isoformat()} is in the future (晚于今天 {today})")
        return day


def parse_day(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        raise ValidationError(f"{text!r} is not a date: write YYYY-MM-DD (日期格式错误)")
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValidationError(f"{text!r} is not a real date (日期不存在)") from None


class Money(fields.Field):
    """An exact amount in 万元: non-negative, at most 6 decimals (one fen), bounded."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("must be a number of 万元")
        text = str(value).strip()
        # A number (JSON, a spreadsheet cell) is taken as it is; text must be written plainly.
        if not isinstance(value, int | float | Decimal) and not _AMOUNT.match(text):
            raise ValidationError(
                f"{text!r} is not a number of 万元 written plainly (金额格式错误): digits with a "
                "decimal point, commas only between thousands (1,000.50); no exponent")
        try:
            amount = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValidationError(f"{text!r} is not a number (金额格式错误)") from None
        if not amount.is_finite():
            raise ValidationError("must be a finite number")
        if amount < 0:
            raise ValidationError("must not be negative (金额不能为负)")
        if amount > MAX_AMOUNT:
            raise ValidationError(f"{text} 万元 is implausibly large (more than {MAX_AMOUNT} 万元)")
        if amount.normalize().as_tuple().exponent < -6:
            raise ValidationError("has more than 6 decimals: amounts are in 万元, exact to the fen")
        return amount


class Flag(fields.Field):
    """是/否, true/false, 1/0."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValidationError(f"{value!r} is not 是/否 (true/false)")


class Categories(fields.Field):
    """处罚类别: a list, or text split on 、,;， and spaces; each from the standard list."""

    def _deserialize(self, value, attr, data, **kwargs):
        items = value if isinstance(value, list | tuple) else _SPLIT.split(str(value))
        found: list[str] = []
        unknown = []
        for item in items:
            name = unicodedata.normalize("NFKC", str(item)).strip()
            if not name or name in found:
                continue
            (found if name in PENALTY_CATEGORIES else unknown).append(name)
        if unknown:
            raise ValidationError(f"unknown penalty category {'、'.join(unknown)} (处罚类别); "
                                  f"use: {'、'.join(PENALTY_CATEGORIES)}")
        if not found:
            raise ValidationError("at least one penalty category is required (处罚类别)")
        return found


class Choice(Text):
    def __init__(self, choices, max_length: int, **kwargs) -> None:
        super().__init__(max_length, **kwargs)
        self.choices = choices

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text not in self.choices:
            raise ValidationError(f"{text!r} is not one of {'、'.join(self.choices)}")
        return text


class PartyKindField(Text):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        kind = _KIND_ALIASES.get(text) or _KIND_ALIASES.get(text.lower())
        if kind is None:
            raise ValidationError(f"{text!r} is not a party kind (行政相对人类别): "
                                  "法人及非法人组织, 个体工商户 or 自然人")
        return kind.value


REQUIRED = {"required": "is required (必填)"}


class DecisionSchema(Schema):
    """One decision record with English keys; see `load_decision` for Chinese headers."""

    class Meta:
        unknown = EXCLUDE

    party_name = Text(200, required=True, error_messages=REQUIRED)
    party_kind = PartyKindField(20, required=True, error_messages=REQUIRED)
    uscc = Code()
    legacy_code = Code()
    legal_representative = Text(100)
    id_type = Text(40)
    id_number = Code()
    party_address = Text(300)
    number = Text(100, required=True, error_messages=REQUIRED)
    violation_type = Choice(VIOLATION_TYPES, 60, required=True, error_messages=REQUIRED)
    facts = Text(5000, required=True, error_messages=REQUIRED)
    legal_basis = Text(2000, required=True, error_messages=REQUIRED)
    penalty_categories = Categories(required=True, error_messages=REQUIRED)
    penalty_content = Text(5000, required=True, error_messages=REQUIRED)
    fine_amount = Money()
    confiscated_amount = Money()
    licence_info = Text(300)
    decided_on = Day(past=True, required=True, error_messages=REQUIRED)
    effect_ends_on = Day()
    disclosure_ends_on = Day()
    authority_name = Text(200, required=True, error_messages=REQUIRED)
    authority_uscc = Uscc(required=True, error_messages=REQUIRED)
    source_unit = Text(200)
    source_unit_uscc = Uscc()
    remarks = Text(2000)
    is_simple_procedure = Flag(load_default=False)
    is_criminal_transfer = Flag(load_default=False)
    is_nonperformance = Flag(load_default=False)
    is_intentional = Flag(load_default=False)
    performed_on = Day(past=True)
    responsible_persons = ResponsiblePersons()
    responsible_persons_id_types = PersonColumn()
    responsible_persons_id_numbers = PersonColumn()

    @pre_load
    def drop_blanks(self, data, **kwargs):
        """An empty cell is an absent value."""
        if not isinstance(data, dict):
            raise ValidationError("a decision is an object of fields")
        return {k: v for k, v in data.items() if not _blank(v)}

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def check_consistency(self, data, original_data, **kwargs):
        errors: dict[str, list[str]] = {}
        _check_party(data, errors)
        _check_amounts(data, errors)
        _check_dates(data, errors)
        check_responsible_persons(data, functools.partial(_add, errors))
        # A value given but refused by its own field reads as absent here: its own error
        # says what is wrong, a second "is required" beside it would contradict the user.
        refused = {k for k, v in original_data.items() if not _blank(v) and k not in data}
        errors = {k: v for k, v in errors.items() if k not in refused}
        if errors:
            raise ValidationError(errors)

    @post_load
    def normalise(self, data, **kwargs):
        """Zero amounts without their category are no amounts; file an older code as such."""
        categories = set(data["penalty_categories"])
        if "罚款" not in categories:
            data["fine_amount"] = None
        if not categories & CONFISCATION:
            data["confiscated_amount"] = None
        if data["party_kind"] != PartyKind.PERSON:
            data["uscc"], data["legacy_code"] = _split_legacy(data)
        for field in FIELD_NAMES:
            data.setdefault(field, None)
        data["responsible_persons"] = combined(data)
        return data


def _split_legacy(data: dict) -> tuple[str | None, str | None]:
    """(USCC, older code): an older code written in the USCC column of a pre-2015 record."""
    code, legacy = data.get("uscc"), data.get("legacy_code")
    decided = data.get("decided_on")
    if code and len(code) != 18 and not legacy and decided and decided < USCC_REQUIRED_FROM \
            and _LEGACY_CODE.match(code):
        return None, code
    return code, legacy


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_party(data: dict, errors: dict) -> None:
    """Party kind agrees with the identifiers given (USCC for bodies, ID for persons)."""
    kind = data.get("party_kind")
    if kind == PartyKind.PERSON:
        if data.get("uscc"):
            _add(errors, "uscc", "must be empty for a natural person (自然人无统一社会信用代码)")
        for field in ("id_type", "id_number"):
            if not data.get(field):
                _add(errors, field, "is required for a natural person (自然人必填)")
    elif kind in (PartyKind.ORGANISATION, PartyKind.INDIVIDUAL_BUSINESS):
        decided = data.get("decided_on")
        code, legacy = _split_legacy(data)
        if code:
            problem = check_uscc(code)
            if problem:
                _add(errors, "uscc", f"invalid 统一社会信用代码: {problem.message}")
            else:
                _check_entity_type(kind, code, errors)
        elif legacy:
            if decided and decided >= USCC_REQUIRED_FROM:
                _add(errors, "uscc", f"is required for {kind} decided from "
                                     f"{USCC_REQUIRED_FROM.year} on (统一社会信用代码必填); "
                                     "an older code is only accepted for earlier records")
            elif not _LEGACY_CODE.match(legacy):
                _add(errors, "legacy_code",
                     "an older registration code is 8 to 20 letters or digits")
        else:
            _add(errors, "uscc", f"is required for {kind} (统一社会信用代码必填)")
        if kind == PartyKind.ORGANISATION and not data.get("legal_representative"):
            _add(errors, "legal_representative", "is required for an organisation (法定代表人必填)")
        if bool(data.get("id_type")) != bool(data.get("id_number")):
            missing = "id_number" if data.get("id_type") else "id_type"
            _add(errors, missing,
                 "is required when the other ID field is given (证件类型/证件号码)")
    if data.get("id_type") and data.get("id_number"):
        _check_id(data["id_type"], data["id_number"], errors)


INDIVIDUAL_BUSINESS_PREFIX = "92"  # 登记管理部门 9 (市场监管) + 机构类别 2 (个体工商户)


def _check_entity_type(kind: str, code: str, errors: dict) -> None:
    """The USCC's entity type (its first two characters) agrees with the party kind."""
    prefix = clean_code(code)[:2]
    if kind == PartyKind.INDIVIDUAL_BUSINESS and prefix != INDIVIDUAL_BUSINESS_PREFIX:
        _add(errors, "uscc", f"an individual business (个体工商户) has a code beginning "
                             f"{INDIVIDUAL_BUSINESS_PREFIX}; this one begins {prefix} "
                             "(登记管理部门和机构类别与行政相对人类别不符)")
    elif kind == PartyKind.ORGANISATION and prefix == INDIVIDUAL_BUSINESS_PREFIX:
        _add(errors, "uscc", f"a code beginning {INDIVIDUAL_BUSINESS_PREFIX} belongs to an "
                             "individual business: set the party kind (行政相对人类别) "
                             "to 个体工商户")


def _check_id(id_type: str, number: str, errors: dict) -> None:
    problem = id_problem(id_type, number)
    if problem:
        _add(errors, *problem)


def _check_amounts(data: dict, errors: dict) -> None:
    """罚款 needs a fine, 没收 needs an amount, and an amount needs its category."""
    categories = set(data.get("penalty_categories") or ())
    if "penalty_categories" not in data:
        return
    fine, confiscated = data.get("fine_amount"), data.get("confiscated_amount")
    if "罚款" in categories:
        if fine is None:
            _add(errors, "fine_amount", "is required when the categories (处罚类别) include 罚款")
        elif fine == 0:
            _add(errors, "fine_amount", "must be greater than 0 when the categories include 罚款")
    elif fine:
        _add(errors, "fine_amount", "is given but the categories (处罚类别) do not include 罚款")
    if categories & CONFISCATION:
        if confiscated is None:
            _add(errors, "confiscated_amount",
                 "is required when the categories include 没收违法所得 or 没收非法财物")
    elif confiscated:
        _add(errors, "confiscated_amount",
             "is given but the categories include neither 没收违法所得 nor 没收非法财物")
    if categories & LICENCE_ACTIONS and not data.get("licence_info"):
        _add(errors, "licence_info",
             "is required when the categories include 暂扣许可证件 or 吊销许可证件")


def _check_dates(data: dict, errors: dict) -> None:
    decided = data.get("decided_on")
    if decided is None:
        return
    for field in ("effect_ends_on", "disclosure_ends_on", "performed_on"):
        day = data.get(field)
        if day is not None and day < decided:
            _add(errors, field, f"{day.isoformat()} is before the decision date "
                                f"(处罚决定日期 {decided.isoformat()})")


_schema = DecisionSchema()


def english_keys(raw: dict) -> tuple[dict, dict[str, str]]:
    """Rename Chinese (or English) headers to field names; remember what the caller wrote.

    Returns the renamed record and, per field, the header the caller used.
    """
    data, given = {}, {}
    for header, value in raw.items():
        if header is None:
            continue
        name = field_for_header(header)
        if name is None:
            continue
        if name in data and _blank(value):
            continue  # a blank variant column must not hide a filled one
        data[name], given[name] = value, str(header)
    return data, given


def load_decision(raw: dict, *, today: date) -> tuple[dict | None, dict[str, list[str]] | None]:
    """Check one record; return (data, None) or (None, errors by the caller's header)."""
    data, given = english_keys(raw)
    try:
        with DecisionContext({"today": today}):
            return _schema.load(data), None
    except ValidationError as exc:
        return None, name_errors(exc.messages, given)


def name_errors(messages, given: dict[str, str]) -> dict[str, list[str]]:
    """Key errors by the header the caller used (Chinese when the caller wrote Chinese)."""
    if not isinstance(messages, dict):
        return {"record": list(messages) if isinstance(messages, list) else [str(messages)]}
    chinese = any(header != field for field, header in given.items())
    named: dict[str, list[str]] = {}
    for field, reasons in messages.items():
        header = given.get(field) or (HEADERS[field][0] if chinese and field in HEADERS else field)
        for key, found in _flat(header, reasons):
            named.setdefault(key, []).extend(found)
    return named


def _flat(key: str, reasons) -> list[tuple[str, list[str]]]:
    """Nested errors (an item of a list, a field of an object) under 'key[0].field'."""
    if not isinstance(reasons, dict):
        return [(key, [str(r) for r in reasons] if isinstance(reasons, list) else [str(reasons)])]
    flat = []
    for sub, found in reasons.items():
        name = f"{key}[{sub}]" if isinstance(sub, int) else (key if sub == "_schema" else
                                                             f"{key}.{sub}")
        flat += _flat(name, found)
    return flat


def describe_errors(errors: dict[str, list[str]]) -> str:
    """One line for a rejects file or a log: '统一社会信用代码: ...; 处罚决定日期: ...'."""
    return "; ".join(f"{field}: {reason}"
                     for field, reasons in errors.items() for reason in reasons)
