"""`python -m service accounts ...`: create officials' users and API clients."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from service.accounts.keys import RATE_LIMIT_HINT, SCOPES, create_api_client, valid_rate_limit
from service.accounts.models import Role, User
from service.accounts.passwords import hash_password, password_problem
from service.core.actors import Actor
from service.core.clock import now
from service.core.db import db, transactional
from service.register.models import Authority

accounts_cli = click.Group("accounts", help="Officials' users and API clients (banks, systems).")


def _authority(name: str | None) -> Authority | None:
    if name is None:
        return None
    authority = db.session.scalar(select(Authority).where(Authority.name == name))
    if authority is None:
        raise click.BadParameter(f"no authority named {name!r} (处罚机关不存在)",
                                 param_hint="--authority")
    return authority


@accounts_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.CLERK.value)
@click.option("--authority", help="The authority's full name (处罚机关名称); admins may omit it.")
@click.option("--display-name", default=None)
@click.password_option(help="At least 10 characters, not only letters or only digits.")
@transactional
def create_user(username: str, role: str, authority: str | None, display_name: str | None,
                password: str) -> None:
    """Create an official's account."""
    problem = password_problem(password)
    if problem:
        raise click.BadParameter(problem, param_hint="--password")
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.BadParameter(f"user {username!r} exists", param_hint="USERNAME")
    found = _authority(authority)
    if found is None and role != Role.ADMIN:
        raise click.BadParameter("clerks and reviewers belong to an authority",
                                 param_hint="--authority")
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=hash_password(password), authority_id=found.id if found else None)
    db.session.add(user)
    db.session.flush()
    from service.audit.operations import log_event

    log_event(Actor.cli(), "user.create", now=now(), object_type="user", object_id=user.id,
              authority_id=user.authority_id, after={"username": username, "role": role})
    click.echo(f"created user {username} ({role})")


@accounts_cli.command("reset-password")
@click.argument("username")
@click.password_option(help="The new password; the user must choose their own at next sign-in.")
@transactional
def reset_password_command(username: str, password: str) -> None:
    """Set a user's password (e.g. an admin's, forgotten): their sessions end, a lockout is
    lifted, and they set a password of their own at next sign-in. Audited."""
    from service.console.accounts import AccountError, reset_password

    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        raise click.BadParameter(f"no user {username!r} (用户不存在)", param_hint="USERNAME")
    try:
        reset_password(user, password, password, actor=Actor.cli(), now=now())
    except AccountError as exc:
        raise click.BadParameter(exc.message, param_hint="--password") from exc
    click.echo(f"password of {user.username} reset; they choose a new one at next sign-in")


def _rate_limit(_context, _param, value: str | None) -> str | None:
    if value is None:
        return None
    if not valid_rate_limit(value := value.strip()):
        raise click.BadParameter(RATE_LIMIT_HINT)
    return value


@accounts_cli.command("create-client")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(SCOPES), required=True)
@click.option("--institution", default=None, help="The bank or system owning the client.")
@click.option("--authority", help="For 'submit' clients: the authority they submit for.")
@click.option("--rate-limit", default=None, callback=_rate_limit, help='e.g. "600/minute"')
@transactional
def create_client(name: str, scopes: tuple[str, ...], institution: str | None,
                  authority: str | None, rate_limit: str | None) -> None:
    """Create an API client and print its key once (it is stored hashed)."""
    found = _authority(authority)
    if "submit" in scopes and found is None:
        raise click.BadParameter("a 'submit' client needs --authority", param_hint="--authority")
    client, key = create_api_client(name, list(scopes), actor=Actor.cli(), now=now(),
                                    institution=institution, rate_limit=rate_limit,
                                    authority_id=found.id if found else None)
    click.echo(f"client {client.id} {name}: scopes {', '.join(client.scopes)}")
    click.echo(f"API key (shown once, store it now): {key}")
