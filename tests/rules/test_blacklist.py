"""Blacklist qualification by the default policy: every trigger and its boundary."""

from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.rules.blacklist import qualification, repeat_ids
from service.rules.disclosure import repeat_flags
from service.rules.policy import Period, default_policy
from tests.rules.helpers import rec

POLICY = default_policy()
AS_OF = date(2026, 6, 1)


@pytest.mark.parametrize(("records", "codes", "ids"), [
    # 重复侵权: exactly five years apart is within the window; one day more is not.
    ([rec(1, date(2021, 3, 10)), rec(2, date(2026, 3, 10))], ("repeat_infringement",), {1, 2}),
    ([rec(1, date(2021, 3, 10)), rec(2, date(2026, 3, 11))], (), set()),
    ([rec(1, date(2026, 1, 5)), rec(2, date(2026, 1, 5))], ("repeat_infringement",), {1, 2}),
    # Only IP violation types count.
    ([rec(1, date(2025, 3, 10), violation_type="广告违法"), rec(2, date(2026, 3, 10))], (), set()),
    # Revoked, repaired or unpublished decisions never count.
    ([rec(1, date(2025, 3, 10), revoked=True), rec(2, date(2026, 3, 10))], (), set()),
    ([rec(1, date(2025, 3, 10), repaired_on=date(2026, 1, 1)), rec(2, date(2026, 3, 10))],
     (), set()),
    ([rec(1, date(2025, 3, 10), status="draft"), rec(2, date(2026, 3, 10))], (), set()),
    # One penalty: a fine of exactly 100万元 qualifies, a fen less does not.
    ([rec(1, date(2026, 3, 10), fine="100")], ("large_fine",), {1}),
    ([rec(1, date(2026, 3, 10), fine="99.999999")], (), set()),
    ([rec(1, date(2026, 3, 10), fine="150", violation_type="广告违法")], (), set()),
    ([rec(1, date(2026, 3, 10), categories=("吊销许可证件",), fine=None)],
     ("licence_revoked",), {1}),
    ([rec(1, date(2026, 3, 10), categories=("责令关闭",), fine=None)], ("closure",), {1}),
    ([rec(1, date(2026, 3, 10), categories=("责令停产停业",), fine=None)], (), set()),
    ([rec(1, date(2026, 3, 10), is_criminal_transfer=True)], ("criminal_transfer",), {1}),
    ([rec(1, date(2026, 3, 10), is_nonperformance=True)], ("nonperformance",), {1}),
    # Several reasons at once: all are given, in a fixed order.
    ([rec(1, date(2026, 3, 10), fine="200", is_criminal_transfer=True), rec(2, date(2026, 4, 1))],
     ("repeat_infringement", "large_fine", "criminal_transfer"), {1, 2}),
    # Not yet published on the day asked about.
    ([rec(1, date(2026, 3, 10), fine="150", published_on=date(2026, 6, 2))], (), set()),
    ([rec(1, date(2026, 6, 2), fine="150")], (), set()),
])
def test_qualification(records, codes, ids):
    q = qualification(records, AS_OF, POLICY)
    assert (q.codes, set(q.decision_ids), q.qualifies) == (codes, ids, bool(codes))


def test_a_penalty_founds_a_listing_only_within_the_lookback():
    records = [rec(1, date(2023, 3, 10), fine="150")]
    assert qualification(records, date(2026, 3, 9), POLICY).qualifies
    assert not qualification(records, date(2026, 3, 10), POLICY).qualifies


def test_used_decisions_do_not_found_a_new_listing_but_a_new_one_with_them_does():
    a, b = rec(1, date(2025, 3, 10), fine="150"), rec(2, date(2026, 3, 10))
    assert not qualification([a], AS_OF, POLICY, used=frozenset({1})).qualifies
    q = qualification([a, b], AS_OF, POLICY, used=frozenset({1}))
    assert q.codes == ("repeat_infringement",)
    assert q.decision_ids == {1, 2}


def test_basis_text_cites_decisions_and_the_rule():
    q = qualification([rec(1, date(2021, 3, 10)), rec(2, date(2026, 3, 10), fine="120")],
                      AS_OF, POLICY)
    text = q.bases[0].text + q.bases[1].text
    assert "重复侵权：5年内受到2次知识产权行政处罚" in text
    assert "京朝市监处罚〔2021〕1号（2021-03-10作出）" in text
    assert "罚款120万元，达到100万元以上" in text


def test_repeat_count_is_policy():
    three = replace(POLICY, blacklist=replace(POLICY.blacklist, repeat_count=3,
                                              repeat_window=Period.parse("2y")))
    records = [rec(1, date(2024, 1, 1)), rec(2, date(2025, 1, 1))]
    assert not qualification(records, AS_OF, three).qualifies
    assert qualification([*records, rec(3, date(2026, 1, 1))], AS_OF, three).qualifies
    assert not qualification([*records, rec(3, date(2026, 1, 2))], AS_OF, three).qualifies


def test_repeat_flags_mark_the_later_decisions_only():
    records = [rec(1, date(2021, 3, 10)), rec(2, date(2026, 3, 10)), rec(3, date(2031, 3, 11)),
               rec(4, date(2026, 5, 1), status="draft")]
    assert repeat_ids(records, POLICY) == {2, 4}


@given(st.lists(st.integers(0, 4000), max_size=8))
def test_repeat_ids_agree_with_disclosure_repeat_flags(offsets):
    records = [rec(n + 1, date.fromordinal(737000 + o)) for n, o in enumerate(offsets)]
    ordered = sorted(records, key=lambda r: (r.decided_on, r.id))
    flags = repeat_flags([r.decided_on for r in ordered], POLICY.blacklist.repeat_window.after)
    repeats = repeat_ids(records, POLICY)
    assert [r.id in repeats for r in ordered] == flags
