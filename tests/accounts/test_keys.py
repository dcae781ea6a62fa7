from datetime import UTC, datetime

import pytest

from service.accounts.keys import (
    authenticate_key,
    create_api_client,
    revoke_api_client,
    rotate_api_key,
)
from service.accounts.models import ApiClient
from service.accounts.passwords import hash_password, password_problem, verify_password
from service.core.actors import Actor

NOW = datetime(2026, 11, 1, 8, tzinfo=UTC)


def test_key_is_stored_hashed_and_authenticates(session):
    client, key = create_api_client("工商银行北京分行", ["check"], actor=Actor.cli(), now=NOW)
    stored = session.get(ApiClient, client.id)
    assert key.split("_", 2)[2] not in (stored.key_hash, stored.key_prefix)
    assert authenticate_key(key) is client
    assert authenticate_key(key + "x") is None
    assert authenticate_key("garbage") is None


def test_rotation_and_revocation_stop_the_old_key(session):
    client, key = create_api_client("建设银行", ["check", "monitor"], actor=Actor.cli(), now=NOW)
    new_key = rotate_api_key(client, actor=Actor.cli(), now=NOW)
    assert authenticate_key(key) is None
    assert authenticate_key(new_key) is client
    revoke_api_client(client, actor=Actor.cli(), now=NOW)
    assert authenticate_key(new_key) is None


def test_unknown_scope_is_refused(session):
    with pytest.raises(ValueError, match="unknown scopes"):
        create_api_client("x", ["admin"], actor=Actor.cli(), now=NOW)


def test_passwords_are_argon2_and_checked():
    digest = hash_password("correct horse 1")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "correct horse 1")
    assert not verify_password(digest, "wrong horse 1")
    assert password_problem("short1") is not None
    assert password_problem("onlyletters") is not None
    assert password_problem("long enough 1") is None
