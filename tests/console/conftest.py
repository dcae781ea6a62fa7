"""Fixtures the console tests share: an authority and a clerk of it."""

from __future__ import annotations

import pytest

from service.core.db import db
from tests.console.helpers import make_user
from tests.factories import make_authority


@pytest.fixture
def authority(session):
    return make_authority()


@pytest.fixture
def clerk(authority):
    user = make_user(authority, "clerk")
    db.session.commit()  # as if created earlier: a refused request rolls back only its own work
    return user
