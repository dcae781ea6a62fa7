"""Put a pasted 行政处罚决定书 back into its layout before `docparse` reads it.

Documents come with the header's fields aligned by spaces (住    所：), two to a line
(性别：男    出生日期：…), or, copied from some PDF viewers, as one single line with
the line breaks gone or turned into spaces. `restore_layout` gives every header field
a line of its own and, for a one-line paste, breaks the text again where its title,
numbered items, paragraphs and signature end. It adds line breaks and drops the
spaces a PDF left between Chinese characters; it changes no other character.
"""

from __future__ import annotations

import re

LABEL = r"\s*[:：]\s*"
BRACKETED = r"(?:[（(][^)）\n]*[)）])?"  # 法定代表人（负责人）：, 住所(住址):


def _spaced(*labels: str) -> str:
    """Labels as a regex alternation; documents align them with spaces (住    所：)."""
    return "|".join(r"[ \t]*".join(map(re.escape, label)) for label in labels)


PARTY_LABELS = _spaced("当事人名称", "当事人姓名", "当事人")
REPRESENTATIVE_LABELS = _spaced("法定代表人", "主要负责人", "负责人", "经营者", "投资人")
RESPONSIBLE_LABELS = _spaced("其他直接责任人员", "直接负责的主管人员", "直接责任人员", "直接责任人")
ADDRESS_LABELS = _spaced("住所地址", "住所地", "住所", "住址", "现住址", "家庭住址", "居住地址",
                         "户籍地址", "地址", "经营场所", "经营地址", "营业场所", "营业地址",
                         "注册地址")
# Every label of the header (当事人的基本情况), also those not read: each ends the field before.
_HEADER_LABELS = "|".join((PARTY_LABELS, REPRESENTATIVE_LABELS, RESPONSIBLE_LABELS,
                           ADDRESS_LABELS, _spaced(
    "统一社会信用代码", "营业执照注册号", "注册号", "组织机构代码", "主体资格证照名称",
    "居民身份证号码", "身份证号码", "身份证号", "公民身份号码", "证件类型", "证件号码",
    "护照号码", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "性别", "民族",
    "出生日期", "出生年月", "年龄", "职务", "联系电话", "电话", "邮政编码", "联系地址",
    "通讯地址", "送达地址", "成立日期", "文号")))
_HEADER_LABEL = re.compile(rf"(?:{_HEADER_LABELS}){BRACKETED}\s*[:：]")
_FIELD = re.compile(rf"[ \t]*({_HEADER_LABEL.pattern})")
_HEADER_LINE = re.compile(rf"\s*(?:{_HEADER_LABELS}){BRACKETED}{LABEL}")
# Where the text after the header begins, when nothing but a label's value came before.
_BODY_START = re.compile(
    r"当事人(?!\s*(?:名称|姓名)?\s*(?:[（(][^)）]*[)）])?\s*[:：])|经查|现查明|经调查"
    r"|[本我](?:局|关|机关|厅|委)(?:于|在|接|认为|依法|执法)|你(?:单位)?(?:于|在|因|涉嫌)"
    r"|根据举报|接到?举报|(?<!\d)(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月"
)
FACTS_START = re.compile(r"(?:违法事实[:：]|经查[明实]?[，,：:]?|现查明[，,：:]?|经调查[，,：:]?)")
CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
                     r"\s*([一二三四五六七八九十]{1,3})\s*日")
DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
# A one-line paste: the spaces a PDF left where a line wrapped, and where lines broke.
_WIDE = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’"
_WRAP_GAP = re.compile(rf"(?<=[{_WIDE}])[ \t]+(?=[{_WIDE}])")
_TITLE_END = re.compile(r"^[^\n]{0,60}?行政处罚决定书(?=[ \t]*\S)")
_ITEM = re.compile(r"(?<=[。；;：:])\s*(?=(?:\d{1,2}|[一二三四五六七八九十]{1,3})[.．、]"
                   r"|[（(](?:\d{1,2}|[一二三四五六七八九十]{1,3})[)）])")
_PARAGRAPH = re.compile(
    r"(?<=。)\s*(?=经查|现查明|经调查|(?:以上|上述|前述)(?:违法)?事实|[本我](?:局|关|机关|厅|委)认为"
    r"|综上|当事人(?:的?上述行为|应当?(?:自|于|在)|如对|如不服)|如不服|如对本|逾期不)"
)


def restore_layout(text: str) -> str:
    """The document with one header field a line, and its lines back if it came as one."""
    if _is_folded(text):
        text = _unfold_body(text)
    return _unfold_header(text)


def _is_folded(text: str) -> bool:
    """Whether the header and the facts share a line: the document lost its line breaks."""
    for line in text.splitlines():
        label = _HEADER_LABEL.search(line)
        if label and FACTS_START.search(line, label.end()):
            return True
    return False


def _unfold_body(text: str) -> str:
    """Break a one-line document where its title, items, paragraphs and signature end."""
    text = _WRAP_GAP.sub("", text.strip())
    text = _TITLE_END.sub(lambda m: m.group(0) + "\n", text, count=1)
    text = _PARAGRAPH.sub("\n", _ITEM.sub("\n", text))
    head, stop, signature = text.rpartition("。")
    if not stop:
        return text
    dates = [*CN_DATE.finditer(signature), *DATE.finditer(signature)]
    if dates:  # 天津市北辰区市场监督管理局二〇二五年三月四日: the seal's name, then the date
        at = max(match.start() for match in dates)
        signature = f"{signature[:at].strip()}\n{signature[at:]}"
    return f"{head}{stop}\n{signature.strip()}"


def _unfold_header(text: str) -> str:
    """One header field a line (当事人：, 住所：...), however the fields were run together."""
    facts = FACTS_START.search(text)
    end = facts.start() if facts else len(text)
    head = text[:end]

    def own_line(field: re.Match) -> str:  # matched whole, so 联系地址 never splits at 地址
        at_start = field.start() == 0 or head[field.start() - 1] == "\n"
        return field.group(1) if at_start else "\n" + field.group(1)

    head = _FIELD.sub(own_line, head)
    return "\n".join(_split_body(line) for line in head.split("\n")) + text[end:]


def _split_body(line: str) -> str:
    """A header line whose value runs on into the text (法定代表人：张三当事人涉嫌…): split."""
    label = _HEADER_LINE.match(line)
    body = _BODY_START.search(line, label.end() + 1) if label else None
    return f"{line[:body.start()].rstrip()}\n{line[body.start():]}" if body else line
