"""What plan_subject changes for one subject: proposals, extension, revocation, expiry, red list."""

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

from service.rules.blacklist import reclassify
from service.rules.engine import plan_subject
from service.rules.facts import ASSOCIATED, MANUAL, SubjectHistory
from service.rules.policy import default_policy
from tests.rules.helpers import black, rec, red

POLICY = default_policy()
TODAY = date(2026, 6, 1)


def history(records=(), entries=()):
    """A history whose stored classifications are already current."""
    classes = reclassify(records, POLICY)
    records = tuple(replace(r, stored=classes.get(r.id)) for r in records)
    return SubjectHistory(1, records, tuple(entries))


def test_a_qualifying_subject_is_proposed_not_listed():
    plan = plan_subject(history([rec(1, date(2026, 5, 2), fine="150", authority_id=7)]), TODAY,
                        POLICY)
    assert plan.proposal.basis == "large_fine"
    assert plan.proposal.decision_ids == {1}
    assert plan.proposal.authority_id == 7
    assert "依据：" in plan.proposal.basis_text
    assert not re.search(r"[A-Za-z]", plan.proposal.basis_text)  # shown on the Chinese site
    assert plan.changes == []


def test_a_pending_proposal_absorbs_a_new_basis_instead_of_a_second_proposal():
    records = [rec(1, date(2026, 5, 2), fine="150"), rec(2, date(2026, 5, 20),
                                                        is_criminal_transfer=True)]
    proposed = black(10, None, None, status="proposed", decision_ids={1})
    plan = plan_subject(history(records, [proposed]), TODAY, POLICY)
    assert plan.proposal is None
    [change] = plan.changes
    assert (change.action, change.add_decision_ids) == ("link", {2})
    assert change.updates["basis"] == "repeat_infringement"


def test_a_rejected_proposal_is_not_proposed_again_on_the_same_decisions():
    rejected = black(10, None, None, status="rejected", decision_ids={1})
    assert plan_subject(history([rec(1, date(2026, 5, 2), fine="150")], [rejected]), TODAY,
                        POLICY).is_empty


def test_a_new_qualifying_penalty_while_listed_extends_from_its_decision():
    listed = black(10, date(2025, 1, 10), date(2028, 1, 9), decision_ids={1})
    records = [rec(1, date(2025, 1, 5), fine="150"), rec(2, date(2026, 5, 20))]
    [change] = plan_subject(history(records, [listed]), TODAY, POLICY).changes
    assert change.action == "extend"
    assert change.updates["scheduled_end_on"] == date(2029, 5, 19)
    assert change.add_decision_ids == {2}


def test_an_old_penalty_published_late_is_linked_without_extending():
    listed = black(10, date(2025, 1, 10), date(2028, 1, 9), decision_ids={1})
    records = [rec(1, date(2025, 1, 5), fine="150"),
               rec(2, date(2024, 8, 1), fine="300", published_on=date(2026, 5, 30))]
    [change] = plan_subject(history(records, [listed]), TODAY, POLICY).changes
    assert change.action == "link"
    assert "scheduled_end_on" not in change.updates


def test_an_entry_whose_basis_was_revoked_ends_with_the_reason():
    listed = black(10, date(2026, 3, 1), date(2029, 2, 28), decision_ids={1})
    records = [rec(1, date(2026, 2, 1), fine="150", revoked=True, revocation_reason="行政复议撤销")]
    [change] = plan_subject(history(records, [listed]), TODAY, POLICY).changes
    assert change.action == "end_revoked"
    assert change.updates["end_reason"] == "basis_revoked"
    assert change.updates["ended_on"] == TODAY
    assert "行政复议撤销" in change.updates["end_note"]


def test_a_repeat_listing_ends_when_one_of_its_two_decisions_is_revoked():
    listed = black(10, date(2026, 3, 1), date(2029, 2, 28), decision_ids={1, 2},
                   basis="repeat_infringement")
    records = [rec(1, date(2024, 2, 1), revoked=True), rec(2, date(2026, 2, 1))]
    [change] = plan_subject(history(records, [listed]), TODAY, POLICY).changes
    assert change.action == "end_revoked"
    assert "其余决定不再构成列入情形" in change.updates["end_note"]


def test_revoking_the_extending_decision_trims_the_listing_back():
    listed = black(10, date(2025, 1, 10), date(2029, 5, 19), decision_ids={1, 2},
                   basis_text="old")
    records = [rec(1, date(2025, 1, 5), fine="150"), rec(2, date(2026, 5, 20), fine="120",
                                                         revoked=True)]
    [change] = plan_subject(history(records, [listed]), TODAY, POLICY).changes
    assert change.action == "trim"
    assert change.updates["scheduled_end_on"] == date(2028, 1, 9)
    assert "〔2026〕2号" not in change.updates["basis_text"]


def test_a_manual_listing_ends_only_when_every_decision_behind_it_is_revoked():
    records = [rec(1, date(2026, 2, 1), revoked=True), rec(2, date(2026, 2, 2))]
    listed = black(10, date(2026, 3, 1), date(2029, 2, 28), decision_ids={1, 2}, basis=MANUAL)
    assert plan_subject(history(records, [listed]), TODAY, POLICY).is_empty
    records[1] = replace(records[1], revoked=True)
    [change] = plan_subject(history(records, [listed]), TODAY, POLICY).changes
    assert change.updates["end_reason"] == "basis_revoked"


def test_expiry_is_recorded_the_day_after_the_last_listed_day():
    listed = black(10, date(2023, 3, 1), date(2026, 2, 28), decision_ids={1})
    child = replace(listed, id=11, basis=ASSOCIATED, parent_id=9)
    plan = plan_subject(history([rec(1, date(2023, 2, 1), fine="150")], [listed, child]), TODAY,
                        POLICY)
    assert [(c.entry_id, c.action, c.updates["ended_on"]) for c in plan.changes] == [
        (10, "expire", date(2026, 3, 1)), (11, "expire", date(2026, 3, 1))]
    assert plan.proposal is None  # its decision already founded a listing


def test_a_new_penalty_ends_the_red_list_entry():
    plan = plan_subject(history([rec(1, date(2026, 5, 20))], [red(20, date(2025, 1, 1))]), TODAY,
                        POLICY)
    [change] = plan.changes
    assert (change.action, change.updates["end_reason"]) == ("exclude", "excluded")
    assert change.updates["ended_on"] == TODAY


def test_a_listing_ends_the_red_list_entry_even_for_a_person_listed_with_a_company():
    child = black(11, date(2026, 5, 1), date(2029, 4, 30), basis=ASSOCIATED, parent_id=10)
    plan = plan_subject(history([], [child, red(20, date(2025, 1, 1))]), TODAY, POLICY)
    assert [(c.entry_id, c.action) for c in plan.changes] == [(20, "exclude")]


def test_a_repeat_makes_the_later_decision_serious_and_longer_disclosed():
    records = [rec(1, date(2024, 1, 1)), rec(2, date(2026, 5, 2))]
    plain = SubjectHistory(1, tuple(replace(r, stored=None) for r in records))
    classes = plan_subject(plain, TODAY, POLICY).classifications
    assert classes[1].severity == "ordinary"
    assert classes[2].severity == "serious"
    assert classes[2].disclosure_ends_on == date(2029, 5, 1)


def test_a_current_subject_needs_no_change():
    listed = black(10, date(2026, 3, 1), date(2029, 2, 28), decision_ids={1})
    assert plan_subject(history([rec(1, date(2026, 2, 1), fine="150")], [listed]), TODAY,
                        POLICY).is_empty


def test_a_correction_that_removes_the_basis_ends_the_listing():
    listed = black(10, date(2026, 3, 1), date(2029, 2, 28), decision_ids={1})
    corrected = rec(1, date(2026, 2, 1), fine="15", corrected=True)  # 150 → 15 on review
    [change] = plan_subject(history([corrected], [listed]), TODAY, POLICY).changes
    assert change.updates["end_reason"] == "basis_revoked"
    assert "已更正" in change.updates["end_note"]
    still = replace(corrected, fine_amount=Decimal(120))
    [change] = plan_subject(history([still], [listed]), TODAY, POLICY).changes
    assert change.action == "trim"  # still listed; the basis text now cites the corrected fine
    assert "罚款120万元" in change.updates["basis_text"]
    refreshed = listed.updated(change.updates)
    assert plan_subject(history([still], [refreshed]), TODAY, POLICY).is_empty


def test_a_policy_change_alone_does_not_undo_a_confirmed_listing():
    listed = black(10, date(2026, 3, 1), date(2029, 2, 28), decision_ids={1})
    stricter = replace(POLICY, blacklist=replace(POLICY.blacklist, large_fine_min=Decimal(500)))
    plan = plan_subject(history([rec(1, date(2026, 2, 1), fine="150")], [listed]), TODAY,
                        stricter)
    assert plan.changes == []
