"""Open data: what is disclosed today, streamed as CSV or JSON (never built in memory).

CSV files use the national 双公示 headers; JSON uses English keys. ID numbers
are the stored masked form, and free text goes through the ID redaction. The
responsible persons (直接责任人员) are a list of {name, id_type, id_number_masked}
in JSON and one cell in CSV: 李四（身份证 440303********1237）；王五（…）.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from service.core.db import db
from service.lists.models import ListEntry
from service.public.labels import basis_label
from service.public.redaction import redact_id_numbers
from service.register.models import Authority, Decision, Subject
from service.register.queries import disclosed_on, entry_in_force_on
from service.register.responsible import describe

BATCH = 500

# (JSON key, CSV header)
DECISION_FIELDS = (
    ("id", "编号"),
    ("party_name", "行政相对人名称"),
    ("party_kind", "行政相对人类别"),
    ("uscc", "统一社会信用代码"),
    ("legal_representative", "法定代表人"),
    ("id_type", "证件类型"),
    ("id_number_masked", "证件号码"),
    ("responsible_persons", "直接责任人员"),
    ("number", "行政处罚决定书文号"),
    ("violation_type", "违法行为类型"),
    ("facts", "违法事实"),
    ("legal_basis", "处罚依据"),
    ("penalty_categories", "处罚类别"),
    ("penalty_content", "处罚内容"),
    ("fine_amount", "罚款金额（万元）"),
    ("confiscated_amount", "没收违法所得、没收非法财物的金额（万元）"),
    ("licence_info", "暂扣或吊销证照名称及编号"),
    ("decided_on", "处罚决定日期"),
    ("effect_ends_on", "处罚有效期"),
    ("disclosure_ends_on", "公示截止期"),
    ("authority", "处罚机关"),
    ("authority_uscc", "处罚机关统一社会信用代码"),
    ("source_unit", "数据来源单位"),
    ("source_unit_uscc", "数据来源单位统一社会信用代码"),
    ("remarks", "备注"),
    ("corrected_at", "更正时间"),
    ("url", "网址"),
)

ENTRY_FIELDS = (
    ("list", "名单"),
    ("subject_name", "名称"),
    ("subject_kind", "主体类别"),
    ("uscc", "统一社会信用代码"),
    ("id_type", "证件类型"),
    ("id_number_masked", "证件号码"),
    ("basis", "列入事由"),
    ("basis_text", "列入依据"),
    ("authority", "认定机关"),
    ("starts_on", "列入日期"),
    ("scheduled_end_on", "移出日期（预定）"),
    ("url", "网址"),
)

_DECISION_COLUMNS = (
    Decision.id, Decision.party_name, Decision.party_kind, Decision.uscc,
    Decision.legal_representative, Decision.id_type, Decision.id_number_masked,
    Decision.responsible_persons, Decision.number,
    Decision.violation_type, Decision.facts, Decision.legal_basis, Decision.penalty_categories,
    Decision.penalty_content, Decision.fine_amount, Decision.confiscated_amount,
    Decision.licence_info, Decision.decided_on, Decision.effect_ends_on,
    Decision.disclosure_ends_on, Authority.name.label("authority"),
    Authority.uscc.label("authority_uscc"), Decision.source_unit, Decision.source_unit_uscc,
    Decision.remarks, Decision.corrected_at,
)
_FREE_TEXT = {"facts", "legal_basis", "penalty_content", "licence_info", "remarks",
              "party_name", "legal_representative", "subject_name", "basis_text"}


def _plain(key: str, value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if key in _FREE_TEXT:
        return redact_id_numbers(value)
    if key == "responsible_persons":
        return [{"name": redact_id_numbers(p["name"]), "id_type": p["id_type"],
                 "id_number_masked": p["id_number_masked"]} for p in value or ()]
    return value


def decision_records(as_of: date, base_url: str) -> Iterator[dict]:
    """Every decision disclosed on `as_of`, oldest id first, read in batches."""
    stmt = (
        select(*_DECISION_COLUMNS).join(Authority, Decision.authority_id == Authority.id)
        .where(disclosed_on(as_of)).order_by(Decision.id).execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(stmt):
        record = {key: _plain(key, value) for key, value in row._mapping.items()}
        record["url"] = f"{base_url}decisions/{row.id}"
        yield record


def entry_records(kind: str, as_of: date, base_url: str) -> Iterator[dict]:
    """Every entry of one list in force on `as_of`."""
    stmt = (
        select(ListEntry.list_kind, Subject.id.label("subject_id"),
               Subject.name.label("subject_name"), Subject.kind.label("subject_kind"),
               Subject.uscc, Subject.id_type, Subject.id_number_masked, ListEntry.basis,
               ListEntry.basis_text, Authority.name.label("authority"), ListEntry.starts_on,
               ListEntry.scheduled_end_on)
        .join(Subject, ListEntry.subject_id == Subject.id)
        .outerjoin(Authority, ListEntry.authority_id == Authority.id)
        .where(ListEntry.list_kind == kind, entry_in_force_on(as_of))
        .order_by(ListEntry.starts_on, ListEntry.id).execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(stmt):
        values = dict(row._mapping)
        record = {"list": values.pop("list_kind")}
        subject_id = values.pop("subject_id")
        record.update({key: _plain(key, value) for key, value in values.items()})
        record["basis"] = basis_label(record["basis"])
        record["url"] = f"{base_url}subjects/{subject_id}"
        yield record


def csv_stream(records: Iterable[dict], fields: tuple[tuple[str, str], ...]) -> Iterator[str]:
    """CSV text in chunks: UTF-8 BOM, Chinese headers, lists joined by '；'."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([header for _, header in fields])
    for record in records:
        writer.writerow([_csv_cell(record.get(key)) for key, _ in fields])
        if buffer.tell() > 16_384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# A cell starting with one of these is a formula to a spreadsheet program (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        text = describe(value)
    elif isinstance(value, list):
        text = "；".join(value)
    else:
        text = str(value)
    # Free text comes from officials' files: quote a would-be formula so it stays text (OWASP).
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def json_stream(records: Iterable[dict], meta: dict) -> Iterator[str]:
    """A JSON object {meta..., "records": [...]} written record by record."""
    head = json.dumps(meta, ensure_ascii=False)[:-1]
    yield head + (', "records": [' if meta else '"records": [')
    for i, record in enumerate(records):
        yield ("\n" if i == 0 else ",\n") + json.dumps(record, ensure_ascii=False)
    yield "\n]}\n"
