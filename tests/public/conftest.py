"""Fixtures for the public site: the service's today and a seeded register around it."""

from __future__ import annotations

import pytest

from service.core import clock
from tests.public.helpers import seed_world


@pytest.fixture
def today():
    return clock.today()


@pytest.fixture
def world(session, today):
    return seed_world(today)
