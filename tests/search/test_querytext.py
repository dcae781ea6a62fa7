"""Whatever is typed into the box becomes a query (no database)."""

import pytest

from service.search.engine import Clause, edit_distance
from service.search.querytext import MAX_QUERY_CHARS, parse_query


@pytest.mark.parametrize(("raw", "groups"), [
    ("鑫源 电子", ((Clause("鑫源"),), (Clause("电子"),))),
    ('"鑫源电子 科技"', ((Clause("鑫源电子 科技"),),)),
    ('"鑫源电子', ((Clause("鑫源电子"),),)),  # unbalanced quote
    ("“耐克”运动鞋", ((Clause("耐克"),), (Clause("运动鞋"),))),
    ("耐克 OR 阿迪达斯", ((Clause("耐克"), Clause("阿迪达斯")),)),
    ("耐克 -运动鞋", ((Clause("耐克"),), (Clause("运动鞋", negated=True),))),
    ("耐克 NOT 运动鞋", ((Clause("耐克"),), (Clause("运动鞋", negated=True),))),
    ("AND OR NOT", ()),  # operators only
    ("OR 耐克 AND", ((Clause("耐克"),),)),  # stray operators
    ("耐克 AND AND 鞋", ((Clause("耐克"),), (Clause("鞋"),))),
    ("*** ??? ((( )))", ()),  # special characters only
    ("耐克* (运动鞋)", ((Clause("耐克"),), (Clause("运动鞋"),))),
    ("ＡＤＩＤＡＳ", ((Clause("ADIDAS"),),)),  # full-width Latin
    ("", ()),
    ("   \t\n ", ()),
])
def test_parse_query(raw, groups):
    assert parse_query(raw).groups == groups


def test_very_long_input_is_cut_and_flagged():
    parsed = parse_query("商标" * 500)
    assert parsed.truncated
    assert len(parsed.groups[0][0].text) == MAX_QUERY_CHARS


def test_control_characters_are_ignored():
    assert parse_query("耐克\x00\x1b运动鞋").groups == ((Clause("耐克"),), (Clause("运动鞋"),))


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("adidas", "adidas", 0), ("adidsa", "adidas", 1), ("dysno", "dyson", 1),
    ("rollex", "rolex", 1), ("philps", "philips", 1), ("nike", "puma", 4), ("", "ab", 2),
])
def test_edit_distance_counts_a_swap_as_one(a, b, distance):
    assert edit_distance(a, b) == distance
