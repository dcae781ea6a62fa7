"""Disclosure tiers by the default policy (SAMR Order 107)."""

from datetime import date
from decimal import Decimal

import pytest

from service.rules.disclosure import DecisionFacts, DisclosureState, classify, is_disclosed
from service.rules.policy import default_policy

POLICY = default_policy()
D = date(2026, 3, 10)


def facts(categories=("罚款",), fine=None, **kw):
    return DecisionFacts(decided_on=D, categories=frozenset(categories), violation_type=kw.pop(
        "violation_type", "侵犯注册商标专用权"), fine_amount=Decimal(fine) if fine else None, **kw)


@pytest.mark.parametrize(("f", "severity", "disclosable", "ends_on", "repair_on"), [
    (facts(("警告",)), "minor", False, None, None),
    (facts(is_simple_procedure=True), "minor", False, None, None),
    (facts(("通报批评",)), "minor", True, date(2026, 6, 9), None),
    (facts(("罚款",), "5"), "ordinary", True, date(2027, 3, 9), date(2026, 6, 10)),
    (facts(("罚款",), "100"), "serious", True, date(2029, 3, 9), date(2027, 3, 10)),
    (facts(("罚款",), "99.999999"), "ordinary", True, date(2027, 3, 9), date(2026, 6, 10)),
    (facts(is_criminal_transfer=True), "serious", True, date(2029, 3, 9), date(2027, 3, 10)),
    (facts(is_repeat=True), "serious", True, date(2029, 3, 9), date(2027, 3, 10)),
    (facts(("责令关闭",), violation_type="制售假冒伪劣商品"), "serious", True, date(2029, 3, 9),
     None),
    (facts(("吊销许可证件",), is_intentional=True), "serious", True, date(2029, 3, 9), None),
    (facts(("吊销许可证件",)), "serious", True, date(2029, 3, 9), date(2027, 3, 10)),
])
def test_classify(f, severity, disclosable, ends_on, repair_on):
    c = classify(f, POLICY)
    assert (c.severity, c.is_disclosable, c.disclosure_ends_on, c.repair_earliest_on) == (
        severity, disclosable, ends_on, repair_on)


def test_stated_end_of_disclosure_wins_over_the_computed_one():
    c = classify(facts(stated_disclosure_ends_on=date(2026, 12, 31)), POLICY)
    assert c.disclosure_ends_on == date(2026, 12, 31)


def state(**kw):
    base = {"status": "published", "is_disclosable": True, "decided_on": D,
                "disclosure_ends_on": date(2027, 3, 9), "published_on": date(2026, 3, 12)}
    base.update(kw)
    return DisclosureState(**base)


@pytest.mark.parametrize(("s", "as_of", "expected"), [
    (state(), date(2026, 3, 12), True),
    (state(), date(2026, 3, 11), False),  # not yet published
    (state(), date(2027, 3, 9), True),  # last day
    (state(), date(2027, 3, 10), False),  # gone by itself
    (state(revoked=True), date(2026, 6, 1), False),
    (state(repaired_on=date(2026, 9, 1)), date(2026, 6, 1), False),  # never brought back
    (state(status="draft"), date(2026, 6, 1), False),
    (state(is_disclosable=False), date(2026, 6, 1), False),
])
def test_is_disclosed(s, as_of, expected):
    assert is_disclosed(s, as_of) is expected
