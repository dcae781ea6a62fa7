"""Small factories for realistic register records (they flush, the test commits or not)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

from service.accounts.models import User
from service.core.db import db
from service.lists.models import ListEntry
from service.register.identifiers import (
    complete_ric,
    complete_uscc,
    id_digest,
    mask_id_number,
    uscc_region,
)
from service.register.models import Authority, Decision, DecisionPerson, Subject
from service.register.names import name_columns
from service.rules.disclosure import DecisionFacts, classify
from service.rules.policy import default_policy

_seq = itertools.count(1)


def make_uscc(n: int | None = None, region: str = "110105") -> str:
    n = next(_seq) if n is None else n
    return complete_uscc(f"91{region}{n:09d}")


def make_authority(name: str | None = None, **kw) -> Authority:
    n = next(_seq)
    authority = Authority(
        name=name or f"北京市朝阳区市场监督管理局{n}",
        uscc=kw.pop("uscc", complete_uscc(f"11110105{n:09d}")),
        region_code=kw.pop("region_code", "110105"),
        department=kw.pop("department", "市场监管"),
        **kw,
    )
    db.session.add(authority)
    db.session.flush()
    return authority


def make_subject(name: str | None = None, **kw) -> Subject:
    n = next(_seq)
    name = name or f"北京星辰{n}贸易有限公司"
    code = kw.pop("uscc", make_uscc(n))
    subject = Subject(
        kind=kw.pop("kind", "法人及非法人组织"),
        **name_columns(name),
        uscc=code,
        region_code=uscc_region(code) if code else None,
        legal_representative=kw.pop("legal_representative", "张三"),
        **kw,
    )
    db.session.add(subject)
    db.session.flush()
    return subject


def make_ric(birth: str = "19850612", region: str = "440303") -> str:
    """A valid 居民身份证号码 (fresh sequence number each call)."""
    return complete_ric(f"{region}{birth}{next(_seq) % 1000:03d}")


def make_person(name: str = "李四", id_number: str | None = None, **kw) -> Subject:
    """A natural person: only the masked number and a keyed digest are stored."""
    number = id_number or make_ric()
    subject = Subject(
        kind="自然人", **name_columns(name), uscc=None,
        id_type=kw.pop("id_type", "身份证"), id_number_masked=mask_id_number(number),
        id_digest=id_digest("身份证", number, "test-key"), **kw,
    )
    db.session.add(subject)
    db.session.flush()
    return subject


def make_list_entry(subject: Subject, *, list_kind: str = "black", starts_on: date,
                    scheduled_end_on: date | None, status: str = "active",
                    basis: str = "repeat_infringement", authority: Authority | None = None,
                    **kw) -> ListEntry:
    """A confirmed blacklist or red-list entry."""
    entry = ListEntry(
        list_kind=list_kind, subject=subject, status=status, basis=basis,
        basis_text=kw.pop("basis_text", "5年内两次因侵犯注册商标专用权受到行政处罚"),
        authority=authority, starts_on=starts_on, scheduled_end_on=scheduled_end_on, **kw,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def make_decision(subject: Subject | None = None, authority: Authority | None = None,
                  *, decided_on: date = date(2026, 6, 1), published: bool = True,
                  categories=("罚款", "没收违法所得"), fine: str | None = "5.5",
                  violation_type: str = "侵犯注册商标专用权", **kw) -> Decision:
    """A decision with its rule-derived columns computed by the default policy."""
    subject = subject or make_subject()
    authority = authority or make_authority()
    n = next(_seq)
    fine_amount = Decimal(fine) if fine is not None else None
    facts = DecisionFacts(
        decided_on=decided_on, categories=frozenset(categories), violation_type=violation_type,
        fine_amount=fine_amount, is_simple_procedure=kw.get("is_simple_procedure", False),
        is_criminal_transfer=kw.get("is_criminal_transfer", False),
    )
    c = classify(facts, default_policy())
    decision = Decision(
        authority=authority, subject=subject, number=kw.pop("number", f"京朝市监处罚〔2026〕{n}号"),
        status="published" if published else "draft",
        party_name=subject.name, party_kind=subject.kind, uscc=subject.uscc,
        legal_representative=subject.legal_representative, id_type=subject.id_type,
        id_number_masked=subject.id_number_masked, id_digest=subject.id_digest,
        violation_type=violation_type,
        facts=kw.pop("facts", "当事人销售侵犯“星牌”注册商标专用权的运动鞋120双。"),
        legal_basis=kw.pop("legal_basis", "《中华人民共和国商标法》第六十条第二款"),
        penalty_categories=list(categories),
        penalty_content=kw.pop("penalty_content", "没收侵权商品，罚款5.5万元"),
        fine_amount=fine_amount, decided_on=decided_on,
        severity=c.severity, is_disclosable=c.is_disclosable,
        disclosure_ends_on=kw.pop("disclosure_ends_on", c.disclosure_ends_on),
        is_repairable=c.is_repairable,
        repair_earliest_on=c.repair_earliest_on,
        published_at=kw.pop("published_at", datetime.combine(decided_on, datetime.min.time(), UTC))
        if published else None,
        **kw,
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def name_person(decision: Decision, person: Subject,
                role: str = "legal_representative") -> DecisionPerson:
    """Record that a decision names a person (法定代表人 / 直接责任人员)."""
    link = DecisionPerson(decision=decision, subject=person, role=role)
    db.session.add(link)
    db.session.flush()
    return link


def make_entry(subject: Subject, list_kind: str = "black", *, status: str = "active",
               starts_on: date | None = date(2026, 1, 5), scheduled_end_on: date | None = None,
               decisions=(), **kw) -> ListEntry:
    """A list entry as if an official had confirmed it (3 years by default for the blacklist)."""
    if scheduled_end_on is None and list_kind == "black" and starts_on is not None:
        scheduled_end_on = default_policy().blacklist.duration.last_day_from(starts_on)
    entry = ListEntry(list_kind=list_kind, subject=subject, status=status,
                      basis=kw.pop("basis", "large_fine" if list_kind == "black" else "nomination"),
                      basis_text=kw.pop("basis_text", "测试依据"), starts_on=starts_on,
                      scheduled_end_on=scheduled_end_on, decisions=list(decisions), **kw)
    db.session.add(entry)
    db.session.flush()
    return entry


def mark_revoked(decision: Decision, *, at: datetime | None = None,
                 reason: str = "行政复议决定撤销") -> Decision:
    """Arrange a decision revoked by reconsideration (the register's revoke sets the same)."""
    decision.status = "revoked"
    decision.revoked_at = at or datetime(2026, 7, 1, 2, tzinfo=UTC)
    decision.revocation_kind = "行政复议"
    decision.revocation_reason = reason
    db.session.flush()
    return decision


def make_official(authority: Authority | None = None, role: str = "reviewer") -> User:
    """An official's account (the password hash is a placeholder: these tests never log in)."""
    n = next(_seq)
    user = User(username=f"official{n}", display_name=f"审核员{n}", role=role,
                password_hash="$argon2id$placeholder", authority=authority)
    db.session.add(user)
    db.session.flush()
    return user
