"""Policy files: every problem is named with its section and key; the CLI shows and checks."""

import pytest

from service.core.config import DEFAULT_POLICY, ConfigError
from service.rules.cli import check_policy
from service.rules.policy import Period, load_policy, policy_problems

DEFAULT = DEFAULT_POLICY.read_text(encoding="utf-8")


def write(tmp_path, text):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_policy_has_no_problem():
    policy, problems = policy_problems(DEFAULT_POLICY)
    assert problems == []
    assert policy.blacklist.category_basis["责令关闭"] == "closure"
    assert policy.blacklist.basis_lookback == Period(3, "y")


@pytest.mark.parametrize(("old", "new", "problem"), [
    ('repeat_window = "5y"', 'repeat_window = "5 years"', "[blacklist] repeat_window: bad period"),
    ("repeat_count = 2 ", "repeat_count = 1 ", "repeat_count: a repeat needs at least 2"),
    ('large_fine_min = "100"', "large_fine_min = 100.5", "write the amount as a string"),
    ('duration = "3y"', 'duration = "3y"\nduraton = "3y"', "[blacklist] unknown key 'duraton'"),
    ('\nrepair_after = "1y"', '\nrepair_after = "4y"', "repair_after (4y) is longer than duration"),
    ('basis_lookback = "3y"', "", "[blacklist] is missing 'basis_lookback'"),
    ('"责令关闭" = "closure" }', '"责令关闭" = "Closure!" }', "is not a basis code"),
    ('"吊销许可证件" = "licence_revoked", ', "", "'吊销许可证件' has no basis code"),
    ("[redlist]", "[red_list]", "missing section [redlist]"),
    ("serious_if_repeat = true", 'serious_if_repeat = "yes"', "expected true or false"),
])
def test_problems_name_the_section_and_key(tmp_path, old, new, problem):
    assert old in DEFAULT
    path = write(tmp_path, DEFAULT.replace(old, new, 1))
    policy, problems = policy_problems(path)
    assert policy is None
    assert any(problem in p for p in problems), problems
    with pytest.raises(ConfigError, match="policy file"):
        load_policy(path)


def test_every_problem_is_listed_at_once(tmp_path):
    text = DEFAULT.replace('minor_period = "3m"', 'minor_period = "3w"').replace(
        "repeat_count = 2", 'repeat_count = "two"')
    _, problems = policy_problems(write(tmp_path, text))
    assert len(problems) == 2


def test_check_policy_command(app, tmp_path):
    runner = app.test_cli_runner()
    ok = runner.invoke(check_policy, [str(DEFAULT_POLICY)])
    assert ok.exit_code == 0
    assert "can be used" in ok.output
    bad = runner.invoke(check_policy, [str(write(tmp_path, "version = 1\n[disclosure\n"))])
    assert bad.exit_code == 1
    assert "error: cannot read" in bad.output


def test_show_policy_command(app):
    result = app.test_cli_runner().invoke(args=["rules", "show-policy"])
    assert result.exit_code == 0
    assert "repeat_window = 5y" in result.output
    assert "category_basis = 吊销许可证件 → licence_revoked, 责令关闭 → closure" in result.output
