"""The policy: load, validate and hold the versioned rules file."""

from __future__ import annotations

import calendar
import functools
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from service.core.config import ConfigError

_PERIOD = re.compile(r"^(\d+)([dmy])$")


@dataclass(frozen=True)
class Period:
    """A calendar period: n days, months or years."""

    amount: int
    unit: str  # d / m / y

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if not match:
            raise ValueError(f"bad period {text!r}: write e.g. '3m', '1y' or '30d'")
        return cls(int(match.group(1)), match.group(2))

    def after(self, start: date) -> date:
        """The same calendar day `self` later (29 Feb → 28 Feb in common years)."""
        return _after(self.amount, self.unit, start)

    def last_day_from(self, start: date) -> date:
        """Last day (inclusive) of a period that starts on `start`."""
        return self.after(start) - timedelta(days=1)

    def zh(self) -> str:
        """The period in Chinese, for basis texts: 5年, 3个月, 30日."""
        return f"{self.amount}{ {'d': '日', 'm': '个月', 'y': '年'}[self.unit]}"

    def is_longer_than(self, other: Period) -> bool:
        """Compare two periods by the days they span from a fixed reference date."""
        return self.after(_REFERENCE_DAY) > other.after(_REFERENCE_DAY)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


_REFERENCE_DAY = date(2001, 1, 1)


# The rules ask this for the same few periods and dates again and again (half a
# million times in a 20,000-row import): remember the answers.
@functools.lru_cache(maxsize=1 << 16)
def _after(amount: int, unit: str, start: date) -> date:
    if unit == "d":
        return start + timedelta(days=amount)
    months = amount * (12 if unit == "y" else 1)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass(frozen=True)
class DisclosurePolicy:
    minor_period: Period
    ordinary_period: Period
    serious_period: Period
    ordinary_repair_after: Period
    serious_repair_after: Period
    undisclosed_categories: frozenset[str]
    undisclosed_simple_procedure: bool
    minor_categories: frozenset[str]
    serious_fine_min: Decimal
    serious_categories: frozenset[str]
    serious_if_criminal_transfer: bool
    serious_if_repeat: bool
    unrepairable_categories: frozenset[str]
    unrepairable_violation_types: frozenset[str]


@dataclass(frozen=True)
class BlacklistPolicy:
    ip_violation_types: frozenset[str]
    repeat_count: int
    repeat_window: Period
    large_fine_min: Decimal
    trigger_categories: frozenset[str]
    trigger_criminal_transfer: bool
    trigger_nonperformance: bool
    duration: Period
    repair_after: Period
    list_legal_representatives: bool
    # A penalty can found a new listing only within this period from its decision date.
    basis_lookback: Period
    # Basis code of each trigger category (吊销许可证件 → licence_revoked...).
    category_basis: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class RedlistPolicy:
    exclusion_window: Period


@dataclass(frozen=True)
class Policy:
    version: str
    name: str
    disclosure: DisclosurePolicy
    blacklist: BlacklistPolicy
    redlist: RedlistPolicy
    source: str = field(default="", compare=False)


_SECTIONS = {"disclosure": DisclosurePolicy, "blacklist": BlacklistPolicy, "redlist": RedlistPolicy}
_BASIS_CODE = re.compile(r"^[a-z_]{1,30}$")


def _convert(hint: str, value):
    """Turn one TOML value into the type a policy field declares."""
    if hint == "Period":
        return Period.parse(value)
    if hint == "Decimal":
        if isinstance(value, bool | float):
            raise ValueError(f"write the amount as a string, e.g. \"100\" (got {value!r})")
        return Decimal(str(value))
    if hint.startswith("frozenset"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("expected a list of strings")
        return frozenset(value)
    if hint.startswith("dict"):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError("expected a table of strings, e.g. { \"责令关闭\" = \"closure\" }")
        return dict(value)
    if hint == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expected a whole number")
        return value
    if hint == "bool" and not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _build(cls, raw: dict, section: str, problems: list[str]):
    """Build one section's dataclass, appending every problem found instead of stopping."""
    values = {}
    for name, hint in cls.__annotations__.items():
        if name not in raw:
            problems.append(f"[{section}] is missing {name!r}")
            continue
        try:
            values[name] = _convert(hint, raw[name])
        except (ValueError, ArithmeticError, TypeError) as exc:
            problems.append(f"[{section}] {name}: {exc}")
    problems.extend(f"[{section}] unknown key {name!r} (a typo?)"
                    for name in raw if name not in cls.__annotations__)
    return cls(**values) if len(values) == len(cls.__annotations__) else None


def _coherence_problems(policy: Policy) -> list[str]:
    """Rules that hold between values: each names the keys to fix."""
    d, b, r = policy.disclosure, policy.blacklist, policy.redlist
    problems = []
    if b.repeat_count < 2:
        problems.append("[blacklist] repeat_count: a repeat needs at least 2 penalties")
    if not b.ip_violation_types:
        problems.append("[blacklist] ip_violation_types: list at least one violation type")
    problems.extend(f"[blacklist] category_basis: trigger category {c!r} has no basis code"
                    for c in sorted(b.trigger_categories - set(b.category_basis)))
    problems.extend(f"[blacklist] category_basis: {c!r} → {code!r} is not a basis code "
                    "(lower-case letters and _, at most 30)"
                    for c, code in sorted(b.category_basis.items()) if not _BASIS_CODE.match(code))
    for section, name, amount in (("disclosure", "serious_fine_min", d.serious_fine_min),
                                  ("blacklist", "large_fine_min", b.large_fine_min)):
        if amount <= 0:
            problems.append(f"[{section}] {name}: must be a positive amount in 万元")
    for section, name, period in (
        ("disclosure", "minor_period", d.minor_period),
        ("disclosure", "ordinary_period", d.ordinary_period),
        ("disclosure", "serious_period", d.serious_period),
        ("blacklist", "repeat_window", b.repeat_window),
        ("blacklist", "duration", b.duration),
        ("blacklist", "basis_lookback", b.basis_lookback),
        ("redlist", "exclusion_window", r.exclusion_window),
    ):
        if period.amount <= 0:
            problems.append(f"[{section}] {name}: must be longer than 0")
    for section, name, short, long_name, long in (
        ("disclosure", "ordinary_repair_after", d.ordinary_repair_after, "ordinary_period",
         d.ordinary_period),
        ("disclosure", "serious_repair_after", d.serious_repair_after, "serious_period",
         d.serious_period),
        ("blacklist", "repair_after", b.repair_after, "duration", b.duration),
    ):
        if short.is_longer_than(long):
            problems.append(f"[{section}] {name} ({short}) is longer than {long_name} ({long}): "
                            "repair could never come early")
    return problems


def policy_problems(path: str | Path) -> tuple[Policy | None, list[str]]:
    """Read a policy file and list everything wrong with it (empty when it can be used)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, [f"cannot read {path}: {exc}"]
    problems: list[str] = []
    sections = {}
    for section, cls in _SECTIONS.items():
        if not isinstance(raw.get(section), dict):
            problems.append(f"missing section [{section}]")
            continue
        sections[section] = _build(cls, raw[section], section, problems)
    if problems:
        return None, problems
    policy = Policy(version=str(raw.get("version", "unversioned")), name=str(raw.get("name", "")),
                    source=str(path), **sections)
    problems = _coherence_problems(policy)
    return (None if problems else policy), problems


def load_policy(path: str | Path) -> Policy:
    """Read and check a policy file; errors name the section and key to fix."""
    policy, problems = policy_problems(path)
    if policy is None:
        raise ConfigError(f"policy file {path}: " + "; ".join(problems))
    return policy


def default_policy() -> Policy:
    from service.core.config import DEFAULT_POLICY

    return load_policy(DEFAULT_POLICY)


def init_policy(app) -> None:
    app.extensions["policy"] = load_policy(app.config["POLICY_FILE"])


def current_policy() -> Policy:
    from flask import current_app

    return current_app.extensions["policy"]
