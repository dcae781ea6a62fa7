"""Read the standard fields out of the full text of a 行政处罚决定书.

An official pastes the document; the new-decision form is pre-filled from
what this finds and the official checks every field before saving. The
parser only copies what the text says: a field it cannot find stays empty,
and nothing is guessed except the violation type, which is offered from the
law the decision cites. The text is first put back into its layout (`doclayout`: one
header field a line, the lines of a one-line paste). Pure functions, no Flask and no
database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from service.console.doclayout import (
    ADDRESS_LABELS,
    BRACKETED,
    CN_DATE,
    DATE,
    FACTS_START,
    LABEL,
    PARTY_LABELS,
    REPRESENTATIVE_LABELS,
    RESPONSIBLE_LABELS,
    restore_layout,
)
from service.register.identifiers import check_uscc, clean_code
from service.register.models import PartyKind
from service.register.schemas import PENALTY_CATEGORIES

_OPEN, _CLOSE = re.escape("〔[［(（【"), re.escape("〕]］)）】")
_NUMBER = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fff][\u4e00-\u9fffA-Za-z()（）]{{0,24}}?)\s*"
    rf"[{_OPEN}]\s*(?P<year>(?:19|20)\d{{2}})\s*[{_CLOSE}]\s*第?\s*(?P<seq>\d+)\s*号"
)
_USCC = re.compile(
    r"统一社会信用代码" + BRACKETED + LABEL + r"([0-9A-Za-z０-９Ａ-Ｚａ-ｚ\s-]{18,24})"
)
_PARTY = re.compile(rf"^\s*(?:{PARTY_LABELS}){LABEL}(.+)$", re.M)
_REPRESENTATIVE = re.compile(
    rf"^\s*(?:{REPRESENTATIVE_LABELS}){BRACKETED}{LABEL}([^\s，,；;。(（]+)", re.M
)
_ADDRESS = re.compile(rf"^\s*(?:{ADDRESS_LABELS}){BRACKETED}{LABEL}(.+)$", re.M)
_RESPONSIBLE = re.compile(rf"^[ \t]*(?:{RESPONSIBLE_LABELS}){BRACKETED}{LABEL}(.*)$", re.M)
_ID_LABELS = (
    ("护照号", r"护照号码?"),
    ("港澳居民来往内地通行证", r"港澳居民来往内地通行证(?:号码)?"),
    ("台湾居民来往大陆通行证", r"台湾居民来往大陆通行证(?:号码)?"),
    ("身份证", r"(?:居民)?身份证(?:号码|号)?|公民身份号码"),
)
_KIND_NOTE = re.compile(r"[（(][^)）]*(?:个体|业主|工商户)[^)）]*[)）]$")
_ORGANISATION_NAME = re.compile(r"(?:公司|厂|合作社|中心|研究院|研究所|事务所|学校|医院|协会)$")
_ENTITY_SUFFIX = re.compile(r"(?:局|海关|委员会|厅|署|所|大队|支队|总队|中心|政府|办公室)$")
_SEAL = re.compile(r"[（(](?:印章|盖章|公章|章)[)）]")
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "壹": 1, "贰": 2, "叁": 3,
              "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9}
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_NUMERAL = "〇○零一二两三四五六七八九壹贰叁肆伍陆柒捌玖十拾百佰千仟万亿"
_AMOUNT = (
    rf"(?:人民币)?\s*(?:(?P<arabic>\d[\d,，]*(?:\.\d+)?)\s*(?P<wan>万)?\s*元"
    rf"|(?P<chinese>[{_CN_NUMERAL}]+元(?:[{_CN_NUMERAL}]角)?(?:[{_CN_NUMERAL}]分)?))"
)
_FINES = (
    re.compile(rf"(?<!加处)罚款(?:计|共计|金额)?{_AMOUNT}"),
    re.compile(rf"处以?{_AMOUNT}的?罚款"),
)
_CONFISCATION = re.compile(rf"没收违法所得(?:计|共计|金额)?{_AMOUNT}")
_FACTS_END = re.compile(
    r"(?:(?:以上|上述|前述)(?:违法)?事实|本局认为|我局认为|本机关认为|本关认为|本厅认为|本委认为|"
    r"综上|当事人的?上述行为|处罚依据[:：]|(?:依据|根据|依照)《)"
)
_BASIS = re.compile(
    r"(?:依据|根据|依照|按照)(《[^》]+》[^，,。；;]*?)(?:之)?(?:的规定|规定|[，,。；;])"
)
_NOT_BASIS = ("行政复议法", "行政诉讼法", "行政强制法")
_CONTENT_START = re.compile(
    r"(?:(?:决定|处罚)如下|作出如下(?:行政)?处罚(?:决定)?|如下(?:行政)?处罚|处罚内容|"
    r"决定(?:对当事人)?(?:作出|给予|处以|予以)?)[:：，,]?"
)
_TAIL = re.compile(
    r"(?:当事人)?(?:应当?(?:自|于|在)(?:收到|本)|应在|如对|如不服)|罚款应当?(?:自|于|在)|"
    r"逾期不|不服本|申请行政复议|限你"
)
_CATEGORY_WORDS = (
    ("警告", re.compile(r"警告")),
    ("通报批评", re.compile(r"通报批评")),
    ("罚款", re.compile(r"(?<!加处)罚款")),
    ("没收违法所得", re.compile(r"没收违法所得")),
    ("没收非法财物", re.compile(r"没收(?!违法所得)")),
    ("暂扣许可证件", re.compile(r"暂扣[^，。；;]*?(?:许可证|执照|证件|证书)")),
    ("降低资质等级", re.compile(r"降低资质等级")),
    ("吊销许可证件", re.compile(r"吊销[^，。；;]*?(?:许可证|执照|证件|证书)")),
    ("限制开展生产经营活动", re.compile(r"限制开展生产经营活动")),
    ("责令停产停业", re.compile(r"责令停产停业")),
    ("责令关闭", re.compile(r"责令关闭")),
    ("限制从业", re.compile(r"限制从业")),
    ("行政拘留", re.compile(r"行政拘留")),
)
# The law a decision cites says most reliably what kind of case it is.
_VIOLATION_BY_LAW = (
    ("侵犯商业秘密", ("商业秘密",)),
    ("侵犯植物新品种权", ("植物新品种保护条例", "授权品种", "植物新品种")),
    ("假冒专利", ("假冒专利",)),
    ("侵犯专利权", ("专利法",)),
    ("侵犯注册商标专用权", ("商标法", "商标专用权")),
    ("侵犯著作权", ("著作权法", "计算机软件保护条例", "著作权", "版权", "盗版")),
    ("制售假冒伪劣商品", ("产品质量法", "假冒伪劣", "以假充真", "以次充好", "不合格产品")),
)


@dataclass
class ParsedDecision:
    """What the document says, as the form's fields; empty where it says nothing."""

    number: str = ""
    number_prefix: str = ""  # 津北辰市监处罚: names the issuing authority when nothing else does
    party_name: str = ""
    party_kind: str = ""
    uscc: str = ""
    legal_representative: str = ""
    id_type: str = ""
    id_number: str = ""
    party_address: str = ""
    # 直接责任人员 as the form's columns: names, ID types and numbers separated by "；".
    responsible_persons: str = ""
    responsible_persons_id_types: str = ""
    responsible_persons_id_numbers: str = ""
    violation_type: str = ""
    facts: str = ""
    legal_basis: str = ""
    penalty_content: str = ""
    penalty_categories: list[str] = field(default_factory=list)
    fine_amount: Decimal | None = None  # 万元
    confiscated_amount: Decimal | None = None  # 万元
    decided_on: date | None = None
    authority_name: str = ""
    warnings: list[str] = field(default_factory=list)

    def form_values(self) -> dict[str, object]:
        """The non-empty fields as form values (text, or a list for the categories)."""
        values: dict[str, object] = {}
        for name in ("number", "party_name", "party_kind", "uscc", "legal_representative",
                     "id_type", "id_number", "party_address", "responsible_persons",
                     "responsible_persons_id_types", "responsible_persons_id_numbers",
                     "violation_type", "facts", "legal_basis", "penalty_content",
                     "authority_name"):
            if getattr(self, name):
                values[name] = getattr(self, name)
        if self.penalty_categories:
            values["penalty_categories"] = list(self.penalty_categories)
        for name in ("fine_amount", "confiscated_amount"):
            if getattr(self, name) is not None:
                values[name] = format(getattr(self, name).normalize(), "f")
        if self.decided_on:
            values["decided_on"] = self.decided_on.isoformat()
        return values


def parse_decision_text(text: str) -> ParsedDecision:
    """Extract the standard fields of a pasted 行政处罚决定书."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\u3000", " "))
    text = restore_layout(text)
    result = ParsedDecision()
    _parse_number(text, result)
    _parse_party(_parse_responsible(text, result), result)
    facts_start, facts_end = _facts_span(text)
    if facts_start is not None:
        result.facts = _paragraphs(text[facts_start:facts_end])
    tail = _TAIL.search(text, facts_end or 0)
    body_end = tail.start() if tail else len(text)
    result.legal_basis = _legal_basis(text[facts_end or 0:body_end])
    result.penalty_content = _penalty_content(text, facts_end or 0, body_end)
    _parse_penalty(result)
    result.decided_on = _decision_date(text)
    result.authority_name = _authority(text)
    result.violation_type = guess_violation_type(result.legal_basis, text)
    return result


def _parse_number(text: str, result: ParsedDecision) -> None:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # The number stands on its own line under the title; elsewhere it may be quoted.
    candidates = [line for line in lines[:12] if _NUMBER.fullmatch(line.replace("文号：", ""))]
    match = _NUMBER.search(candidates[0]) if candidates else _NUMBER.search(text[:600])
    if match:
        # A title run into the number (…行政处罚决定书津北辰市监处罚〔2025〕…) is not its prefix.
        prefix = re.split(r"决定书|文号", match.group("prefix"))[-1]
        prefix = prefix.replace("(", "（").replace(")", "）")
        result.number_prefix = prefix
        result.number = f"{prefix}〔{match.group('year')}〕{match.group('seq')}号"


def _parse_party(text: str, result: ParsedDecision) -> None:
    party = _PARTY.search(text)
    if party:
        name = re.split(r"[，,；;。]", party.group(1).strip())[0]
        # 某某公司（统一社会信用代码：…）: the code got a line of its own, the bracket stays.
        result.party_name = _KIND_NOTE.sub("", name).strip().rstrip("（( ")
    uscc = _USCC.search(text)
    if uscc:
        code = clean_code(uscc.group(1))[:18]
        result.uscc = code
        problem = check_uscc(code)
        if problem:
            result.warnings.append(f"统一社会信用代码 {code} 有误：{problem.message}")
    representative = _REPRESENTATIVE.search(text)
    if representative:
        result.legal_representative = representative.group(1).strip()
    address = _ADDRESS.search(text)
    if address:
        first = re.split(r"[；;。]|\s{2,}", address.group(1).strip())[0]
        result.party_address = first.rstrip("，,")
    if found := _person_id(text):
        result.id_type, result.id_number = found
    result.party_kind = _party_kind(text, result)


def _parse_responsible(text: str, result: ParsedDecision) -> str:
    """Read the 直接责任人员 lines (an ID on the same or the next line); return the text
    without them, so that their ID is not taken for the party's."""
    people, spans = [], []
    for line in _RESPONSIBLE.finditer(text):
        name = re.split(r"[，,；;。:：(（\s]", line.group(1).strip())[0]
        end = line.end()
        following = text[end + 1:].split("\n", 1)[0]
        found = _person_id(line.group(1))
        if found is None and _person_id(following, at_start=True):
            found, end = _person_id(following, at_start=True), end + 1 + len(following)
        if name:
            people.append((name, *(found or ("", ""))))
        spans.append((line.start(), end))
    if not people:
        return text
    result.responsible_persons = "；".join(name for name, _t, _n in people)
    if all(number for _name, _t, number in people):
        types = {id_type for _name, id_type, _n in people}
        result.responsible_persons_id_types = "；".join(
            types if len(types) == 1 else [id_type for _name, id_type, _n in people])
        result.responsible_persons_id_numbers = "；".join(n for _name, _t, n in people)
    else:
        result.warnings.append("直接责任人员的证件类型和证件号码未能全部识别，请补充填写。")
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return text


def _person_id(text: str, *, at_start: bool = False) -> tuple[str, str] | None:
    """The first labelled ID in `text` (at its start only, if `at_start`): (type, number)."""
    anchor = r"^[ \t]*" if at_start else ""
    for id_type, label in _ID_LABELS:
        found = re.search(rf"{anchor}(?:{label})(?:[:：]\s*)([0-9A-Za-z]{{5,18}})", text)
        if found:
            return id_type, found.group(1).upper()
    return None


def _party_kind(text: str, result: ParsedDecision) -> str:
    head = text[: (text.find("经查") if "经查" in text else 800)]
    operator = re.search(r"^\s*经营者\s*[:：]", head, re.M)
    if result.uscc.startswith("92") or "个体工商户" in head or operator:
        return PartyKind.INDIVIDUAL_BUSINESS.value
    if result.uscc:
        return PartyKind.ORGANISATION.value
    if result.id_number:
        return PartyKind.PERSON.value
    if _ORGANISATION_NAME.search(result.party_name):
        return PartyKind.ORGANISATION.value
    return ""


def _facts_span(text: str) -> tuple[int | None, int | None]:
    start = FACTS_START.search(text)
    if not start:
        return None, None
    end = _FACTS_END.search(text, start.end())
    return start.end(), end.start() if end else None


def _paragraphs(chunk: str) -> str:
    lines = [line.strip() for line in chunk.strip().splitlines()]
    return "\n".join(line for line in lines if line).strip("，,：: ")


def _legal_basis(body: str) -> str:
    found: list[str] = []
    for match in _BASIS.finditer(body):
        basis = match.group(1).strip()
        if any(law in basis for law in _NOT_BASIS) or basis in found:
            continue
        found.append(basis)
    return "；".join(found)


def _penalty_content(text: str, start: int, end: int) -> str:
    body = text[start:end]
    match = None
    for candidate in _CONTENT_START.finditer(body):
        match = candidate
        if "如下" in candidate.group(0):
            break
    if not match:
        return ""
    return _paragraphs(body[match.end():]).rstrip("。") + "。" if body[match.end():].strip() else ""


def _parse_penalty(result: ParsedDecision) -> None:
    content = result.penalty_content
    result.penalty_categories = [
        name for name, pattern in _CATEGORY_WORDS if pattern.search(content)
    ]
    result.penalty_categories.sort(key=PENALTY_CATEGORIES.index)
    fines = [m for m in (pattern.search(content) for pattern in _FINES) if m]
    if fines:
        fine = min(fines, key=lambda m: m.start())
        result.fine_amount = _to_wan(fine)
    confiscation = _CONFISCATION.search(content)
    if confiscation:
        result.confiscated_amount = _to_wan(confiscation)


def _to_wan(match: re.Match) -> Decimal | None:
    """The matched amount in 万元, exact to six places."""
    groups = {k: v for k, v in match.groupdict().items() if v}
    if "arabic" in groups:
        yuan = Decimal(re.sub(r"[,，]", "", groups["arabic"]))
        if "wan" in groups:
            yuan *= 10000
    else:
        yuan = chinese_amount(groups["chinese"])
    return (yuan / 10000).quantize(Decimal("0.000001"))


def chinese_amount(text: str) -> Decimal:
    """伍万陆仟柒佰捌拾玖元伍角 → 56789.5 (yuan); 十二万 → 120000."""
    integer, _, rest = text.partition("元")
    total = Decimal(chinese_integer(integer))
    for unit, scale in (("角", Decimal("0.1")), ("分", Decimal("0.01"))):
        found = re.search(rf"([{''.join(_CN_DIGITS)}]){unit}", rest)
        if found:
            total += _CN_DIGITS[found.group(1)] * scale
    return total


def chinese_integer(text: str) -> int:
    """一百二十 → 120, 壹拾贰万叁仟 → 123000, 二〇二五 (digit by digit) → 2025."""
    if text and all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        elif ch in ("万", "亿"):
            scale = 10000 if ch == "万" else 100_000_000
            total = (total + section + digit) * scale
            section = digit = 0
    return total + section + digit


def _decision_date(text: str) -> date | None:
    """The last date of the document: the one under the signature."""
    found: list[tuple[int, date]] = []
    for match in CN_DATE.finditer(text):
        day = _safe_date(chinese_integer(match.group(1)), chinese_integer(match.group(2)),
                         chinese_integer(match.group(3)))
        if day:
            found.append((match.start(), day))
    for match in DATE.finditer(text):
        day = _safe_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if day:
            found.append((match.start(), day))
    if not found:
        return None
    position, day = max(found)
    # A date in the running text (立案, 检查) is not the decision date.
    return day if position > len(text) * 0.6 else None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _authority(text: str) -> str:
    lines = [_SEAL.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    for line in reversed(lines[-8:]):
        if _ENTITY_SUFFIX.search(line) and len(line) <= 40 and "，" not in line:
            return line
    title = lines[0] if lines else ""
    title = title.replace("行政处罚决定书", "").strip()
    if title and _ENTITY_SUFFIX.search(title) and len(title) <= 40:
        return title
    return ""


def guess_violation_type(legal_basis: str, text: str) -> str:
    """The violation type the cited law points to, else the words of the text; '' if none."""
    for source in (legal_basis, text):
        for violation, words in _VIOLATION_BY_LAW:
            if any(word in source for word in words):
                if violation == "侵犯专利权" and "假冒专利" in text:
                    return "假冒专利"
                return violation
    return ""
