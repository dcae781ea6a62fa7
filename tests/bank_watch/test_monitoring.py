"""Status changes are recorded in the same transaction as the change, and by the daily scan."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from service.bank_api.monitoring import baseline_states, scan_status_changes
from service.bank_api.watch_models import StatusChange, SubjectState
from service.core.actors import Actor
from service.lists.operations import confirm_listing, recompute_subject
from service.lists.queries import subject_statuses
from service.register.operations import publish_decision, revoke_decision
from tests.factories import make_decision, make_entry, make_subject

NOW = datetime(2026, 7, 1, 2, tzinfo=UTC)
TODAY = date(2026, 7, 1)
ACTOR = Actor.system("test")


def changes(session, subject):
    return session.scalars(select(StatusChange).where(StatusChange.subject_id == subject.id)
                           .order_by(StatusChange.id)).all()


def publish(session, decision, now=NOW, today=TODAY):
    publish_decision(decision, actor=ACTOR, now=now, today=today)
    session.commit()


def test_publishing_a_penalty_records_a_change_in_the_same_commit(session):
    subject = make_subject()
    decision = make_decision(subject, decided_on=date(2026, 6, 20), published=False)
    session.commit()
    assert changes(session, subject) == []

    publish(session, decision)

    [change] = changes(session, subject)
    assert (change.from_status, change.to_status, change.kind) == (
        "nothing_on_record", "disclosed_penalties", "status")
    assert change.uscc == subject.uscc
    assert change.as_of == TODAY
    assert "decision.published" in change.reason
    assert change.summary["penalties"]["count"] == 1
    assert change.summary["penalties"]["latest_decided_on"] == "2026-06-20"
    state = session.get(SubjectState, subject.id)
    assert state.status == "disclosed_penalties"


def test_an_uncommitted_change_records_nothing_and_a_rollback_leaves_no_trace(session):
    subject = make_subject()
    decision = make_decision(subject, decided_on=date(2026, 6, 20), published=False)
    session.commit()
    publish_decision(decision, actor=ACTOR, now=NOW, today=TODAY)
    session.rollback()
    assert changes(session, subject) == []
    assert session.get(SubjectState, subject.id) is None


def test_nothing_is_recorded_when_the_standing_did_not_change(session):
    subject = make_subject()
    publish(session, make_decision(subject, decided_on=date(2026, 6, 20), published=False))
    recompute_subject(subject.id, actor=ACTOR, now=NOW, today=TODAY)
    session.commit()
    assert len(changes(session, subject)) == 1


def test_listing_and_revocation_are_changes_with_rising_sequence(session):
    subject = make_subject()
    decision = make_decision(subject, decided_on=date(2026, 6, 20), published=False, fine="150")
    publish(session, decision)  # a fine of 1.5 million CNY: proposed for the blacklist
    [proposal] = [e for e in subject_entries(session, subject) if e.status == "proposed"]

    confirm_listing(proposal, notified_on=date(2026, 6, 25), actor=ACTOR, now=NOW, today=TODAY)
    session.commit()
    revoke_decision(decision, kind="行政复议", reason="复议撤销", actor=ACTOR,
                    now=NOW + timedelta(hours=1), today=TODAY)
    session.commit()

    found = changes(session, subject)
    assert [(c.from_status, c.to_status) for c in found] == [
        ("nothing_on_record", "disclosed_penalties"),
        ("disclosed_penalties", "blacklisted"),
        ("blacklisted", "nothing_on_record"),
    ]
    assert found[0].id < found[1].id < found[2].id
    assert "decision.revoked" in found[2].reason
    assert found[1].summary["blacklist"][0]["basis"] == "large_fine"


def subject_entries(session, subject):
    from service.lists.models import ListEntry

    return session.scalars(select(ListEntry).where(ListEntry.subject_id == subject.id)).all()


def test_a_further_penalty_while_the_status_stays_is_a_details_change(session):
    subject = make_subject()
    publish(session, make_decision(subject, decided_on=date(2026, 6, 20), published=False,
                                   violation_type="侵犯著作权"))
    publish(session, make_decision(subject, decided_on=date(2026, 6, 25), published=False,
                                   violation_type="侵犯著作权"),
            now=NOW + timedelta(hours=1))
    found = changes(session, subject)
    assert [c.kind for c in found] == ["status", "details"]
    assert found[1].from_status == found[1].to_status == "disclosed_penalties"
    assert found[1].summary["penalties"]["count"] == 2


def test_the_daily_scan_records_a_disclosure_that_ended_by_date(session):
    subject = make_subject()
    decision = make_decision(subject, decided_on=date(2025, 7, 1), published=False)
    publish(session, decision, today=date(2025, 7, 2), now=datetime(2025, 7, 2, 2, tzinfo=UTC))
    ends = decision.disclosure_ends_on
    assert ends is not None

    day_after = ends + timedelta(days=1)
    assert scan_status_changes(today=ends, now=NOW) == 0  # still disclosed on its last day
    assert scan_status_changes(today=day_after, now=NOW) == 1
    session.commit()
    assert scan_status_changes(today=day_after + timedelta(days=2), now=NOW) == 0  # idempotent

    last = changes(session, subject)[-1]
    assert (last.from_status, last.to_status, last.reason) == (
        "disclosed_penalties", "nothing_on_record", "date_passed")
    assert last.as_of == day_after


def test_the_scan_records_a_listing_that_expired(session):
    subject = make_subject()
    entry = make_entry(subject, starts_on=date(2023, 6, 1), scheduled_end_on=date(2026, 5, 31))
    # The standing recorded while it was in force (as the hook would have done).
    assert scan_status_changes(today=date(2026, 5, 31), now=NOW, every_subject=True) == 1
    assert scan_status_changes(today=date(2026, 6, 3), now=NOW) == 1
    found = changes(session, subject)
    assert [(c.from_status, c.to_status) for c in found] == [
        ("nothing_on_record", "blacklisted"), ("blacklisted", "nothing_on_record")]
    assert entry.status == "active"  # nobody had to act


def test_baseline_records_standings_without_changes_and_only_once(session):
    listed = make_subject()
    make_entry(listed, starts_on=date(2026, 1, 5))
    make_subject()  # nothing on record: no row needed
    assert baseline_states(today=TODAY, now=NOW) == 1
    assert session.get(SubjectState, listed.id).status == "blacklisted"
    assert changes(session, listed) == []
    assert baseline_states(today=TODAY, now=NOW) is None


def test_a_correction_moving_a_decision_to_another_subject_changes_both(session):
    from service.register.identifiers import complete_uscc
    from service.register.models import Subject
    from service.register.operations import correct_decision, create_decision
    from service.register.schemas import load_decision

    first_code, second_code = complete_uscc("91120113MA05XY101"), complete_uscc(
        "91120113MA05XY202")

    def data(uscc):
        loaded, errors = load_decision({
            "party_name": "天津市鑫源贸易有限公司", "party_kind": "法人及非法人组织",
            "uscc": uscc, "legal_representative": "王伟", "number": "津北辰市监处罚〔2026〕18号",
            "violation_type": "侵犯注册商标专用权", "facts": "销售侵权运动鞋120双。",
            "legal_basis": "《中华人民共和国商标法》第六十条第二款",
            "penalty_categories": "罚款", "penalty_content": "罚款3.6万元", "fine_amount": "3.6",
            "decided_on": "2026-06-20", "authority_name": "天津市北辰区市场监督管理局",
            "authority_uscc": "11120113000000001X"}, today=TODAY)
        assert errors is None, errors
        return loaded

    decision = create_decision(data(first_code), actor=ACTOR, now=NOW)
    publish(session, decision)
    correct_decision(decision, data(second_code), reason="统一社会信用代码录入错误",
                     actor=ACTOR, now=NOW + timedelta(hours=1), today=TODAY)
    session.commit()

    first = session.scalar(select(Subject).where(Subject.uscc == first_code))
    second = session.scalar(select(Subject).where(Subject.uscc == second_code))
    assert [(c.from_status, c.to_status) for c in changes(session, first)] == [
        ("nothing_on_record", "disclosed_penalties"),
        ("disclosed_penalties", "nothing_on_record")]
    assert [(c.to_status, c.reason) for c in changes(session, second)] == [
        ("disclosed_penalties", "decision.corrected")]


def test_a_bulk_import_records_the_standing_of_every_subject_it_touched(session, tmp_path):
    """The importer writes in bulk (Core) and runs the rules at the end: each subject's
    change is recorded once, with the standing the rules left (a proposal included)."""
    from bench.synth import write_csv
    from service.register.importer import import_file
    from service.register.models import Decision

    path = tmp_path / "bulk.csv"
    write_csv(path, 120, seed=5, until=TODAY)
    summary = import_file(path, actor=Actor("import", None, "bulk.csv"), now=NOW,
                          batch_size=25)
    assert summary.created == 120
    subjects = set(session.scalars(select(Decision.subject_id).distinct()))
    recorded = session.scalars(select(StatusChange.subject_id)).all()
    assert len(recorded) == len(set(recorded))  # once each, after the rules ran
    standing = subject_statuses(sorted(subjects), TODAY)
    shown = {i for i in subjects if standing[i].status != "nothing_on_record"}
    assert shown
    assert set(recorded) == shown
    # the recorded standing is the final one: a second comparison finds nothing to record
    assert scan_status_changes(today=TODAY, now=NOW + timedelta(minutes=1),
                               every_subject=True) == 0
