"""Red-list eligibility: never while blacklisted or with a recent disclosed IP penalty."""

from datetime import date

import pytest

from service.rules.facts import SubjectHistory
from service.rules.policy import default_policy
from service.rules.redlist import red_refusals
from tests.rules.helpers import black, rec

POLICY = default_policy()
# A decision disclosed for longer than the window (its stated end), to test the window alone.
LONG = {"stated_disclosure_ends_on": date(2030, 1, 1)}


@pytest.mark.parametrize(("records", "entries", "as_of", "codes"), [
    ([], [], date(2026, 6, 1), []),
    ([rec(1, date(2026, 3, 10))], [], date(2026, 6, 1), ["recent_penalty"]),
    ([rec(1, date(2023, 3, 10), **LONG)], [], date(2026, 3, 9), ["recent_penalty"]),
    ([rec(1, date(2023, 3, 10), **LONG)], [], date(2026, 3, 10), []),
    ([rec(1, date(2026, 3, 10), violation_type="广告违法")], [], date(2026, 6, 1), []),
    ([rec(1, date(2026, 3, 10), revoked=True)], [], date(2026, 6, 1), []),
    ([rec(1, date(2026, 3, 10), categories=("警告",), fine=None)], [], date(2026, 6, 1), []),
    ([rec(1, date(2026, 3, 10), published_on=date(2026, 6, 2))], [], date(2026, 6, 1), []),
    ([], [black(5, date(2026, 1, 1), date(2028, 12, 31))], date(2026, 6, 1), ["blacklisted"]),
    ([], [black(5, date(2023, 1, 1), date(2025, 12, 31))], date(2026, 6, 1), []),
    ([], [black(5, None, None, status="proposed")], date(2026, 6, 1), []),
])
def test_red_refusals(records, entries, as_of, codes):
    history = SubjectHistory(1, tuple(records), tuple(entries))
    assert [r.code for r in red_refusals(history, as_of, POLICY)] == codes
