"""The policy: load, validate and hold the versioned rules file."""

from __future__ import annotations

import calendar
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
        if self.unit == "d":
            return start + timedelta(days=self.amount)
        months = self.amount * (12 if self.unit == "y" else 1)
        month_index = start.month - 1 + months
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day)

    def last_day_from(self, start: date) -> date:
        """Last day (inclusive) of a period that starts on `start`."""
        return self.after(start) - timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


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


def _build(cls, raw: dict, section: str):
    values = {}
    for name, hint in cls.__annotations__.items():
        if name not in raw:
            raise ConfigError(f"policy [{section}] is missing {name!r}")
        value = raw[name]
        try:
            if hint == "Period":
                value = Period.parse(value)
            elif hint == "Decimal":
                value = Decimal(str(value))
            elif hint.startswith("frozenset"):
                value = frozenset(value)
            elif hint == "int":
                value = int(value)
            elif hint == "bool" and not isinstance(value, bool):
                raise ValueError("expected true or false")
        except (ValueError, ArithmeticError) as exc:
            raise ConfigError(f"policy [{section}] {name}: {exc}") from exc
        values[name] = value
    return cls(**values)


def load_policy(path: str | Path) -> Policy:
    """Read and check a policy file; errors name the section and key to fix."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"policy file {path}: {exc}") from exc
    for section in ("disclosure", "blacklist", "redlist"):
        if section not in raw:
            raise ConfigError(f"policy file {path}: missing section [{section}]")
    return Policy(
        version=str(raw.get("version", "unversioned")),
        name=str(raw.get("name", "")),
        disclosure=_build(DisclosurePolicy, raw["disclosure"], "disclosure"),
        blacklist=_build(BlacklistPolicy, raw["blacklist"], "blacklist"),
        redlist=_build(RedlistPolicy, raw["redlist"], "redlist"),
        source=str(path),
    )


def default_policy() -> Policy:
    from service.core.config import DEFAULT_POLICY

    return load_policy(DEFAULT_POLICY)


def init_policy(app) -> None:
    app.extensions["policy"] = load_policy(app.config["POLICY_FILE"])


def current_policy() -> Policy:
    from flask import current_app

    return current_app.extensions["policy"]
