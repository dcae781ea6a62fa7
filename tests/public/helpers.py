"""Helpers for the public-site tests: seeded records and the unmasked-ID check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from service.register.identifiers import check_ric
from tests.factories import (
    make_authority,
    make_decision,
    make_list_entry,
    make_person,
    make_ric,
    make_subject,
)

_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def unmasked_id_numbers(text: str) -> list[str]:
    """Every valid 18-character ID card number in `text` (there must be none)."""
    return [m for m in _ID_SHAPE.findall(text) if check_ric(m) is None]


@dataclass
class World:
    """A small register around `today`: what is public and what must not be."""

    today: date
    person_id_number: str
    authority: object
    other_authority: object
    listed: object  # company on the blacklist, with a disclosed decision
    expired_company: object  # its only decision's last public day was yesterday
    person: object  # natural person with a disclosed decision
    person_decision: object
    red: object  # company on the red list
    disclosed: object
    last_day: object  # disclosure_ends_on == today: still public
    expired: object
    revoked: object
    repaired: object
    warning: object  # never disclosable
    black_entry: object
    expired_entry: object
    red_entry: object


def seed_world(today: date) -> World:
    yesterday = today - timedelta(days=1)
    authority = make_authority("北京市朝阳区市场监督管理局", region_code="110105",
                               department="市场监管")
    other = make_authority("深圳市知识产权局", region_code="440300", department="知识产权")
    listed = make_subject("北京星辰贸易有限公司")
    expired_company = make_subject("北京旧事商贸有限公司")
    red = make_subject("北京守信科技有限公司")
    number = make_ric("19850612", "440303")
    person = make_person("王五", number)
    disclosed = make_decision(listed, authority, decided_on=today - timedelta(days=30),
                              fine="12.345678", confiscated_amount=Decimal("0.5"),
                              number="京朝市监处罚〔2026〕101号",
                              remarks="当事人已缴纳罚款。")
    last_day = make_decision(listed, authority, decided_on=today - timedelta(days=300),
                             disclosure_ends_on=today, number="京朝市监处罚〔2025〕77号")
    expired = make_decision(expired_company, authority, decided_on=today - timedelta(days=400),
                            disclosure_ends_on=yesterday, number="京朝市监处罚〔2025〕12号")
    revoked = make_decision(listed, other, decided_on=today - timedelta(days=20),
                            revoked_at=datetime.now(UTC), revocation_kind="行政复议",
                            number="深知处罚〔2026〕5号", violation_type="假冒专利")
    revoked.status = "revoked"
    repaired = make_decision(listed, other, decided_on=today - timedelta(days=200),
                             repaired_on=yesterday, number="深知处罚〔2025〕9号",
                             violation_type="假冒专利")
    warning = make_decision(red, authority, decided_on=today - timedelta(days=10),
                            categories=("警告",), fine=None, number="京朝市监处罚〔2026〕5号")
    person_decision = make_decision(
        person, other, decided_on=today - timedelta(days=5), number="深知处罚〔2026〕8号",
        violation_type="侵犯著作权", facts=f"当事人王五（身份证号{number}）销售盗版图书300册。",
    )
    black_entry = make_list_entry(listed, starts_on=today - timedelta(days=25),
                                  scheduled_end_on=today + timedelta(days=1000),
                                  authority=authority)
    black_entry.decisions.append(disclosed)
    expired_entry = make_list_entry(expired_company, starts_on=today - timedelta(days=1100),
                                    scheduled_end_on=yesterday, authority=authority,
                                    basis="large_fine")
    red_entry = make_list_entry(red, list_kind="red", basis="nomination",
                                basis_text="2025年度国家知识产权示范企业",
                                starts_on=today - timedelta(days=60),
                                scheduled_end_on=today + timedelta(days=300), authority=other)
    return World(today, number, authority, other, listed, expired_company, person,
                 person_decision, red, disclosed, last_day, expired, revoked, repaired, warning,
                 black_entry, expired_entry, red_entry)
