"""The service's clock. Dates are China Standard Time (Asia/Shanghai) calendar days.

Only views and CLI commands call these; operations and rules take `now`/`as_of`
as arguments so that they can be tested and replayed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return datetime.now(TZ).date()


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar day of an aware timestamp."""
    return moment.astimezone(TZ).date()


def day_end_utc(day: date) -> datetime:
    """The first instant after `day` ends in Asia/Shanghai, as UTC."""
    return datetime.combine(day + timedelta(days=1), time(), TZ).astimezone(UTC)
