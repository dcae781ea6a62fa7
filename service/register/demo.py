"""Demo data for a local service: a few hundred realistic decisions, lists and accounts.

Everything goes through the real operations (create/submit/publish/correct/
revoke, the lists' evaluate/confirm/nominate, accounts), so the audit log, the
revisions, the data version and the search outbox are what production would
hold. The decisions come from bench.synth with a fixed seed, dated up to
yesterday, so some are still disclosed and some have left public view.
Loading is skipped when the register already holds decisions.

THIS IS DEMO DATA: the companies are invented, the accounts' passwords and the
API key are printed once for local use.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import click
from sqlalchemy import func, select

from bench.synth import iter_rows
from service.accounts.keys import create_api_client
from service.accounts.models import Role, User
from service.accounts.passwords import hash_password
from service.audit.operations import log_event
from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.lists.models import EntryStatus, ListEntry
from service.lists.operations import confirm_listing, evaluate_all, nominate_red
from service.register.identifiers import complete_ric, complete_uscc
from service.register.models import Authority, Decision, DecisionStatus
from service.register.operations import (
    correct_decision,
    create_decision,
    find_or_create_authority,
    find_or_create_subject,
    publish_decision,
    revoke_decision,
    submit_decision,
)
from service.register.schemas import load_decision
from service.rules.refusals import RuleViolation

log = logging.getLogger(__name__)

SEED = 2026
DECISIONS = 320
YEARS = 4  # decision dates spread over the four years before yesterday
CONFIRMED_LISTINGS = 20  # proposals confirmed by the demo reviewer; the rest stay pending
# Trustworthy companies nominated for the red list (红名单), with no penalty on record.
RED_COMPANIES = (
    ("天津市守信知识产权示范科技有限公司", "120113", "李诚"),
    ("浙江省诚品新材料股份有限公司", "330106", "周明"),
    ("深圳市恒信创新电子有限公司", "440306", "陈立"),
    ("江苏省正源专利运营有限公司", "320102", "吴正"),
)
DEMO_ACTOR = Actor.system("demo")
RESPONSIBLE_EVERY = 6  # every 6th organisation's decision names a 直接责任人员
_PERSON_NAMES = ("刘建平", "陈丽华", "杨志强", "黄海燕", "周明", "吴晓东", "徐静", "孙国栋")


@dataclass
class DemoAccount:
    username: str
    role: str
    password: str


@dataclass
class DemoSummary:
    """What `load_demo` created (printed by the CLI)."""

    skipped: bool = False
    decisions: int = 0
    published: int = 0
    pending: int = 0
    corrected: int = 0
    revoked: int = 0
    listed: int = 0
    proposals: int = 0
    red: int = 0
    authority: str | None = None
    accounts: list[DemoAccount] = field(default_factory=list)
    api_key: str | None = None
    submit_key: str | None = None


def has_decisions() -> bool:
    return db.session.scalar(select(func.count(Decision.id))) > 0


def demo_rows(today: date) -> list[dict]:
    """The demo's raw rows (Chinese headers), dated up to yesterday."""
    return list(iter_rows(DECISIONS, SEED, until=today - timedelta(days=1), years=YEARS,
                          subject_ratio=0.35))


def load_demo(*, now: datetime) -> DemoSummary:
    """Load the demo register into an empty database (flushes; the caller commits)."""
    if has_decisions():
        return DemoSummary(skipped=True)
    today = clock.local_date(now)
    summary = DemoSummary()
    rows = demo_rows(today)
    home = _home_authority(rows, now)
    summary.authority = home.name
    clerk, reviewer = _create_accounts(summary, home, now)
    decisions = _load_decisions(rows, home, clerk, reviewer, summary, now=now, today=today)
    _correct_and_revoke(decisions, summary, now=now, today=today)
    evaluate_all(actor=DEMO_ACTOR, now=now, today=today)
    _confirm_listings(reviewer, summary, now=now, today=today)
    _nominate_red(summary, now=now, today=today)
    _create_api_clients(summary, home, now)
    log_event(DEMO_ACTOR, "demo.load", now=now, details={
        "decisions": summary.decisions, "listed": summary.listed, "red": summary.red})
    return summary


def _home_authority(rows: list[dict], now: datetime) -> Authority:
    """The authority with the most demo decisions: the demo officials work there."""
    counts = Counter((r["处罚机关"], r["处罚机关统一社会信用代码"]) for r in rows
                     if "市场监督管理局" in r["处罚机关"])
    (name, uscc), _n = counts.most_common(1)[0]
    return find_or_create_authority(name, uscc, now=now)


def _create_accounts(summary: DemoSummary, home: Authority, now: datetime) -> tuple[User, User]:
    users = {}
    for username, role, authority in (("demo-admin", Role.ADMIN, None),
                                      ("demo-clerk", Role.CLERK, home),
                                      ("demo-reviewer", Role.REVIEWER, home)):
        password = f"demo-{secrets.token_urlsafe(9)}"
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, display_name=f"演示{_ROLE_NAMES[role]}", role=role,
                        authority_id=authority.id if authority else None, created_at=now)
            db.session.add(user)
        user.password_hash, user.password_changed_at = hash_password(password), now
        db.session.flush()
        log_event(DEMO_ACTOR, "user.create", now=now, object_type="user", object_id=user.id,
                  authority_id=user.authority_id, after={"username": username, "role": role})
        summary.accounts.append(DemoAccount(username, role.value, password))
        users[role] = user
    return users[Role.CLERK], users[Role.REVIEWER]


_ROLE_NAMES = {Role.ADMIN: "管理员", Role.CLERK: "录入员", Role.REVIEWER: "审核员"}


def _load_decisions(rows, home, clerk, reviewer, summary, *, now, today) -> list[Decision]:
    """Publish every row; the home authority's go clerk → reviewer, its last two stay pending."""
    clerk_actor, reviewer_actor = Actor.user(clerk), Actor.user(reviewer)
    home_rows = [i for i, r in enumerate(rows) if r["处罚机关"] == home.name]
    waiting = set(home_rows[-2:])
    decisions = []
    for i, raw in enumerate(rows):
        data, errors = load_decision(_with_responsible_person(raw, i), today=today)
        if errors:  # the generator writes valid rows; say so loudly if that ever changes
            log.warning("demo row %s skipped: %s", i, errors)
            continue
        if raw["处罚机关"] == home.name:
            decision = create_decision(data, actor=clerk_actor, now=now)
            submit_decision(decision, actor=clerk_actor, now=now)
            if i in waiting:
                summary.pending += 1
            else:
                publish_decision(decision, actor=reviewer_actor, now=now, today=today)
        else:
            decision = create_decision(data, actor=DEMO_ACTOR, now=now, status="published",
                                       today=today)
        decisions.append((decision, raw))
    summary.decisions = len(decisions)
    summary.published = sum(d.status == DecisionStatus.PUBLISHED for d, _raw in decisions)
    return decisions


def _with_responsible_person(raw: dict, i: int) -> dict:
    """Some organisations' decisions name a responsible person (a valid, made-up ID)."""
    if raw["行政相对人类别"] != "法人及非法人组织" or i % RESPONSIBLE_EVERY:
        return raw
    region = raw["统一社会信用代码"][2:8]
    born = f"19{60 + i % 35:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
    return raw | {"直接责任人员": _PERSON_NAMES[i // RESPONSIBLE_EVERY % len(_PERSON_NAMES)],
                  "直接责任人员证件类型": "身份证",
                  "直接责任人员证件号码": complete_ric(f"{region}{born}{i % 1000:03d}")}


def _correct_and_revoke(decisions, summary, *, now, today) -> None:
    """Two recent decisions corrected (fine amount), two revoked (行政复议, 法院判决)."""
    recent = [(d, raw) for d, raw in decisions if d.status == DecisionStatus.PUBLISHED
              and "罚款" in d.penalty_categories and d.decided_on > today - timedelta(days=200)]
    recent.sort(key=lambda pair: (pair[0].decided_on, pair[0].id), reverse=True)
    for decision, raw in recent[:2]:
        fixed = dict(raw)
        fine = decision.fine_amount + 1
        fixed["罚款金额（万元）"] = format(fine, "f")
        fixed["处罚内容"] = raw["处罚内容"] + "（罚款金额更正）"
        data, errors = load_decision(fixed, today=today)
        if errors is None and correct_decision(
                decision, data, reason="原决定书罚款金额笔误，依法更正", actor=DEMO_ACTOR,
                now=now, today=today):
            summary.corrected += 1
    for (decision, _raw), kind in zip(recent[2:4], ("行政复议", "法院判决"), strict=False):
        revoke_decision(decision, kind=kind, reason=f"经{kind}撤销原处罚决定", actor=DEMO_ACTOR,
                        now=now, today=today)
        summary.revoked += 1


def _confirm_listings(reviewer: User, summary: DemoSummary, *, now, today) -> None:
    """Confirm the first proposals (陈述申辩 notice given a fortnight ago, or at the decision)."""
    proposals = list(db.session.scalars(
        select(ListEntry).where(ListEntry.list_kind == "black",
                                ListEntry.status == EntryStatus.PROPOSED).order_by(ListEntry.id)))
    actor = Actor.user(reviewer)
    for entry in proposals[:CONFIRMED_LISTINGS]:
        latest = max(d.decided_on for d in entry.decisions)
        notified = max(latest, today - timedelta(days=14))
        try:
            confirm_listing(entry, notified_on=notified, actor=actor, now=now, today=today)
        except RuleViolation as exc:  # a proposal the rules no longer support: leave it
            log.info("demo proposal %s not confirmed: %s", entry.id, exc.message)
            continue
        summary.listed += 1
    summary.proposals = db.session.scalar(select(func.count(ListEntry.id)).where(
        ListEntry.list_kind == "black", ListEntry.status == EntryStatus.PROPOSED))


def _nominate_red(summary: DemoSummary, *, now, today) -> None:
    office = find_or_create_authority("国家知识产权局知识产权保护司（演示）",
                                      complete_uscc("11100000000013127"), now=now)
    for n, (name, region, rep) in enumerate(RED_COMPANIES, start=1):
        subject = find_or_create_subject({
            "party_kind": "法人及非法人组织", "party_name": name,
            "uscc": complete_uscc(f"91{region}MA0RED{n:03d}"), "legal_representative": rep,
            "decided_on": today}, now=now)
        nominate_red(subject, basis_text="国家知识产权示范企业（演示数据）", authority=office,
                     actor=DEMO_ACTOR, now=now, today=today)
        summary.red += 1


def _create_api_clients(summary: DemoSummary, home: Authority, now: datetime) -> None:
    _client, summary.api_key = create_api_client(
        "演示银行授信系统", ["check", "monitor", "report"], actor=DEMO_ACTOR, now=now,
        institution="演示商业银行")
    _client, summary.submit_key = create_api_client(
        f"{home.name}办案系统（演示）", ["submit"], actor=DEMO_ACTOR, now=now,
        authority_id=home.id)


def print_summary(summary: DemoSummary) -> None:
    if summary.skipped:
        click.echo("demo data: the register already holds decisions; nothing loaded")
        return
    click.echo(f"demo data loaded: {summary.decisions} decisions ({summary.published} published, "
               f"{summary.pending} awaiting review, {summary.corrected} corrected, "
               f"{summary.revoked} revoked), {summary.listed} blacklisted subjects "
               f"(+{summary.proposals} proposals pending), {summary.red} on the red list")
    click.echo("DEMO accounts (local demo only; passwords shown once):")
    for account in summary.accounts:
        where = f" at {summary.authority}" if account.role != Role.ADMIN else ""
        click.echo(f"  {account.username:<14} {account.role:<9} password: {account.password}"
                   f"{where}")
    click.echo(f"DEMO bank API key (check/monitor/report): {summary.api_key}")
    click.echo(f"DEMO submission API key (submit for {summary.authority}): {summary.submit_key}")


def setup_step(*, demo: bool) -> None:
    """`setup --demo`: load the demo register when the database holds no decisions."""
    if not demo:
        return
    summary = load_demo(now=clock.now())
    db.session.commit()
    print_summary(summary)
