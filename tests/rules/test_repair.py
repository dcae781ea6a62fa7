"""Credit repair minimums for a disclosure and for a listing (提前移出)."""

from dataclasses import replace
from datetime import date

import pytest

from service.rules.blacklist import reclassify
from service.rules.facts import ASSOCIATED, SubjectHistory
from service.rules.listing import extended_end, listing_repair_earliest, scheduled_end
from service.rules.policy import default_policy
from service.rules.repair import decision_repair_refusals, listing_repair_refusals
from tests.rules.helpers import black, rec

POLICY = default_policy()
D = date(2026, 3, 10)


def classified(record):
    return replace(record, stored=reclassify([record], POLICY)[record.id])


ORDINARY = classified(rec(1, D, performed_on=date(2026, 4, 1)))  # repair from 2026-06-10
SERIOUS = classified(rec(2, D, fine="150", performed_on=date(2026, 4, 1)))  # from 2027-03-10


@pytest.mark.parametrize(("record", "as_of", "kw", "codes"), [
    (ORDINARY, date(2026, 6, 10), {}, []),
    (ORDINARY, date(2026, 6, 9), {}, ["too_early"]),
    (SERIOUS, date(2027, 3, 10), {}, []),
    (SERIOUS, date(2027, 3, 9), {}, ["too_early"]),
    (replace(ORDINARY, performed_on=None), date(2026, 7, 1), {}, ["not_performed"]),
    (replace(ORDINARY, performed_on=None), date(2026, 7, 1),
     {"performed_on": date(2026, 6, 30)}, []),
    (replace(ORDINARY, performed_on=date(2026, 7, 2)), date(2026, 7, 1), {}, ["not_performed"]),
    (ORDINARY, date(2026, 7, 1), {"commitment": "  "}, ["no_commitment"]),
    (replace(ORDINARY, performed_on=None), date(2026, 6, 1), {"commitment": ""},
     ["too_early", "not_performed", "no_commitment"]),
    (classified(rec(3, D, categories=("责令关闭",), fine=None, violation_type="制售假冒伪劣商品")),
     date(2028, 1, 1), {}, ["unrepairable"]),
    (classified(rec(4, D, categories=("吊销许可证件",), fine=None, is_intentional=True)),
     date(2028, 1, 1), {"performed_on": D}, ["unrepairable"]),
    (classified(rec(5, D, categories=("通报批评",), fine=None)), date(2026, 4, 1),
     {"performed_on": D}, ["unrepairable"]),
    (classified(rec(6, D, categories=("警告",), fine=None)), date(2026, 7, 1), {},
     ["not_disclosed"]),
    (ORDINARY, date(2027, 3, 10), {}, ["disclosure_ended"]),
    (replace(ORDINARY, revoked=True), date(2026, 7, 1), {}, ["not_published"]),
    (replace(ORDINARY, repaired_on=date(2026, 6, 20)), date(2026, 7, 1), {}, ["already_repaired"]),
])
def test_decision_repair(record, as_of, kw, codes):
    args = {"performed_on": None, "commitment": "本单位承诺守法经营"} | kw
    refusals = decision_repair_refusals(record, as_of=as_of, policy=POLICY, **args)
    assert [r.code for r in refusals] == codes


def test_listing_term_runs_three_years_inclusive_and_extends_from_a_new_decision():
    assert scheduled_end(D, POLICY) == date(2029, 3, 9)
    assert scheduled_end(date(2024, 2, 29), POLICY) == date(2027, 2, 27)
    assert extended_end(date(2029, 3, 9), date(2027, 5, 1), POLICY) == date(2030, 4, 30)
    assert extended_end(date(2029, 3, 9), date(2026, 1, 1), POLICY) == date(2029, 3, 9)
    assert listing_repair_earliest(D, POLICY) == date(2027, 3, 10)


BASIS = rec(1, date(2026, 1, 5), fine="150", performed_on=date(2026, 2, 1))
LISTED = black(10, D, date(2029, 3, 9), decision_ids={1})


@pytest.mark.parametrize(("records", "entry", "as_of", "kw", "codes"), [
    ([BASIS], LISTED, date(2027, 3, 10), {}, []),
    ([BASIS], LISTED, date(2027, 3, 9), {}, ["too_early"]),
    ([replace(BASIS, performed_on=None)], LISTED, date(2027, 6, 1), {}, ["not_performed"]),
    ([replace(BASIS, performed_on=None)], LISTED, date(2027, 6, 1),
     {"performed_on": date(2027, 5, 1)}, []),
    ([BASIS], LISTED, date(2027, 6, 1), {"commitment": ""}, ["no_commitment"]),
    # A new heavy penalty after the start blocks it; an ordinary non-IP one does not.
    ([BASIS, rec(2, date(2026, 9, 1), fine="120")], LISTED, date(2027, 6, 1), {}, ["new_penalty"]),
    ([BASIS, rec(2, date(2026, 9, 1))], LISTED, date(2027, 6, 1), {}, ["new_penalty"]),  # repeat
    ([BASIS, rec(2, date(2026, 9, 1), violation_type="广告违法")], LISTED, date(2027, 6, 1), {},
     []),
    ([BASIS], LISTED, date(2029, 3, 10), {}, ["not_in_force"]),
    ([BASIS], replace(LISTED, basis=ASSOCIATED, parent_id=9), date(2027, 6, 1), {},
     ["follows_organisation"]),
])
def test_listing_repair(records, entry, as_of, kw, codes):
    history = SubjectHistory(1, tuple(records), (entry,))
    args = {"performed_on": None, "commitment": "本单位承诺守法经营"} | kw
    refusals = listing_repair_refusals(entry, history, as_of=as_of, policy=POLICY, **args)
    assert [r.code for r in refusals] == codes
