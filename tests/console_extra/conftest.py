"""Fixtures for the console's list, audit, client, report and upload pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.core import clock
from tests.console.helpers import logged_in, make_user
from tests.factories import make_authority


@pytest.fixture
def today():
    return clock.today()


@pytest.fixture
def authority(session):
    return make_authority("天津市北辰区市场监督管理局", department="市场监管")


@pytest.fixture
def other_authority(session):
    return make_authority("北京市版权局", department="版权")


@pytest.fixture
def reviewer(authority):
    return make_user(authority, "reviewer", display_name="审核员王")


@pytest.fixture
def clerk(authority):
    return make_user(authority, "clerk", display_name="录入员李")


@pytest.fixture
def admin(session):
    return make_user(None, "admin", display_name="管理员")


@pytest.fixture
def as_reviewer(client, reviewer):
    return logged_in(client, reviewer)


def days_ago(n: int):
    return clock.today() - timedelta(days=n)
