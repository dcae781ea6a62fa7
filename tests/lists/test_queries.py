"""Reads of the lists: the SQL answer equals the pure replay, on every day; no N+1."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import event, select

from service.core.actors import Actor
from service.core.db import db
from service.lists.history import history_of
from service.lists.models import ListEntry
from service.lists.operations import (
    approve_repair,
    confirm_listing,
    evaluate_all,
    nominate_red,
    recompute_subject,
    submit_repair,
)
from service.lists.queries import (
    list_entries_in_force,
    proposals,
    subject_status,
    subject_statuses,
)
from service.rules.policy import default_policy
from service.rules.replay import status_on
from tests.factories import (
    make_authority,
    make_decision,
    make_entry,
    make_person,
    make_subject,
    make_uscc,
    mark_revoked,
    name_person,
)

SYSTEM = Actor.system("test")
POLICY = default_policy()


def at(day: date) -> datetime:
    return datetime.combine(day, time(2), UTC)


def recompute(subject, day):
    recompute_subject(subject.id, actor=SYSTEM, now=at(day), today=day)


def confirm(subject, day):
    entry = db.session.scalar(select(ListEntry).where(ListEntry.subject_id == subject.id,
                                                      ListEntry.status == "proposed"))
    confirm_listing(entry, notified_on=day, actor=SYSTEM, now=at(day), today=day)
    return entry


def publish(subject, day, **kw):
    decision = make_decision(subject, decided_on=day, **kw)
    recompute(subject, day)
    return decision


def build_history():
    """Six subjects whose lives cover every kind of change, run through the operations."""
    repeat, red, revoked, repaired, minor, expired = (make_subject() for _ in range(6))
    person = make_person()
    publish(repeat, date(2022, 3, 1))
    first = publish(repeat, date(2025, 6, 1), fine="20.5")
    name_person(first, person)
    confirm(repeat, date(2025, 7, 1))
    publish(repeat, date(2026, 3, 1), fine="150")  # extends the listing

    nominate_red(red, basis_text="知识产权示范企业", authority=make_authority(), actor=SYSTEM,
                 now=at(date(2024, 1, 1)), today=date(2024, 1, 1))
    publish(red, date(2025, 2, 1), fine="3.25")  # excluded from the red list

    basis = publish(revoked, date(2024, 5, 1), fine="180")
    confirm(revoked, date(2024, 6, 1))
    mark_revoked(basis, at=at(date(2025, 1, 1)))
    recompute(revoked, date(2025, 1, 1))

    decision = publish(repaired, date(2024, 2, 1), performed_on=date(2024, 3, 1))
    application = submit_repair({"target": "decision", "decision_id": decision.id,
                                 "applicant": "当事人", "evidence": "缴款凭证",
                                 "commitment": "信用承诺"},
                                actor=SYSTEM, now=at(date(2024, 6, 1)), today=date(2024, 6, 1))
    approve_repair(application, actor=SYSTEM, now=at(date(2024, 6, 1)), today=date(2024, 6, 1))

    publish(minor, date(2025, 1, 1), categories=("警告",), fine=None)
    publish(minor, date(2025, 2, 1), categories=("通报批评",), fine=None)

    publish(expired, date(2022, 1, 1), is_criminal_transfer=True)
    confirm(expired, date(2022, 1, 10))
    evaluate_all(actor=SYSTEM, now=at(date(2026, 6, 1)), today=date(2026, 6, 1))
    return [repeat, red, revoked, repaired, minor, expired, person]


def summary(answer):
    return (answer.status, {e.id for e in answer.blacklist}, {e.id for e in answer.red_list},
            answer.penalties.count, answer.penalties.latest_decided_on,
            answer.penalties.total_fine, answer.penalties.violation_types)


def replayed(answer):
    return (answer.status, set(answer.black_entry_ids), set(answer.red_entry_ids),
            answer.penalty_count, answer.latest_decided_on, answer.total_fine,
            answer.violation_types)


def test_subject_status_equals_the_pure_replay_on_every_day(session):
    subjects = build_history()
    histories = {s.id: history_of(s.id) for s in subjects}
    days = {date(2021, 12, 1) + timedelta(days=n * 17) for n in range(200)}
    for history in histories.values():
        for entry in history.entries:
            for d in (entry.starts_on, entry.scheduled_end_on, entry.ended_on):
                days.update(d + timedelta(days=k) for k in (-1, 0, 1) if d)
        for record in history.records:
            for d in (record.decided_on, record.stored.disclosure_ends_on):
                days.update(d + timedelta(days=k) for k in (-1, 0, 1) if d)
    statuses = set()
    for day in sorted(days):
        answers = subject_statuses(histories, day)
        for subject_id, history in histories.items():
            assert summary(answers[subject_id]) == replayed(status_on(history, day, POLICY)), (
                subject_id, day)
            statuses.add(answers[subject_id].status)
    assert statuses == {"blacklisted", "red_list", "disclosed_penalties", "nothing_on_record"}


def test_subject_status_reports_entries_and_penalties(session):
    company = make_subject()
    authority = make_authority("天津市北辰区市场监督管理局")
    make_decision(company, authority, decided_on=date(2026, 1, 5), fine="12.345678",
                  violation_type="侵犯著作权")
    decision = make_decision(company, authority, decided_on=date(2026, 2, 1), fine="150")
    revoked = make_decision(company, decided_on=date(2026, 2, 2), fine="1")
    make_entry(company, starts_on=date(2026, 3, 1), authority=authority,
               decisions=[decision, revoked])
    mark_revoked(revoked)
    answer = subject_status(company.id, date(2026, 6, 1))
    assert answer.status == "blacklisted"
    [entry] = answer.blacklist
    assert (entry.authority_name, entry.starts_on, entry.scheduled_end_on) == (
        "天津市北辰区市场监督管理局", date(2026, 3, 1), date(2029, 2, 28))
    assert [d.id for d in entry.decisions] == [decision.id]  # the revoked one is not shown
    assert answer.penalties.count == 2
    assert answer.penalties.total_fine == Decimal("162.345678")
    assert answer.penalties.latest_decided_on == date(2026, 2, 1)
    assert answer.penalties.violation_types == ("侵犯注册商标专用权", "侵犯著作权")


@contextmanager
def count_queries():
    statements = []
    connection = db.session.connection()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", listener)


def test_many_statuses_and_a_list_page_take_a_fixed_number_of_queries(session):
    subjects = [make_subject() for _ in range(30)]
    for subject in subjects:
        decision = make_decision(subject, decided_on=date(2026, 1, 5), fine="150")
        make_entry(subject, starts_on=date(2026, 2, 1), decisions=[decision])
        make_entry(subject, "red", starts_on=date(2020, 1, 1), status="ended",
                   ended_on=date(2025, 1, 1), end_reason="removed")
    session.flush()
    with count_queries() as statements:
        answers = subject_statuses([s.id for s in subjects], date(2026, 6, 1))
    assert len(statements) == 3
    assert {a.status for a in answers.values()} == {"blacklisted"}
    with count_queries() as statements:
        page = list_entries_in_force("black", date(2026, 6, 1), per_page=20)
    assert len(statements) == 3
    assert len(page.items) == 20
    assert page.total >= 30


def test_list_entries_in_force_filters_and_pages(session):
    beijing = make_authority()
    tianjin = make_authority(region_code="120113")
    companies = [make_subject(f"天津海河{n}科技有限公司", uscc=make_uscc(region="120113"))
                 for n in range(3)]
    for n, company in enumerate(companies):
        make_entry(company, starts_on=date(2026, 1, 1 + n), authority=tianjin,
                   basis="repeat_infringement")
    other = make_subject("北京其他贸易有限公司")
    make_entry(other, starts_on=date(2026, 1, 9), authority=beijing)
    make_entry(make_subject(), starts_on=date(2022, 1, 1), authority=tianjin)  # expired
    make_entry(make_subject(), status="proposed", starts_on=None, authority=tianjin)
    day = date(2026, 6, 1)

    page = list_entries_in_force("black", day, authority_id=tianjin.id, per_page=2)
    assert page.total == 3
    assert [e.subject_id for e in page.items] == [companies[2].id, companies[1].id]
    page2 = list_entries_in_force("black", day, authority_id=tianjin.id, per_page=2, page=2)
    assert [e.subject_id for e in page2.items] == [companies[0].id]
    assert list_entries_in_force("black", day, region_code="120113").total >= 3
    assert [e.subject_id for e in list_entries_in_force("black", day, query="海河1科技").items] == [
        companies[1].id]
    assert [e.subject_id for e in list_entries_in_force("black", day, query=other.uscc).items] == [
        other.id]
    assert list_entries_in_force("black", day, basis="repeat_infringement",
                                 authority_id=beijing.id).total == 0
    assert list_entries_in_force("red", day, authority_id=tianjin.id).total == 0


def test_proposals_wait_for_an_official(session):
    authority = make_authority()
    subject = make_subject()
    publish(subject, date(2026, 6, 1), fine="150", authority=authority)
    [entry] = proposals(authority.id)
    assert entry.subject_id == subject.id
    assert entry.basis == "large_fine"
    assert proposals(make_authority().id) == []
