"""`python -m service setup --demo`: demo officials, so that the console can be tried at once.

Only with --demo, only into a database without users; the passwords are random
and printed once.
"""

from __future__ import annotations

import secrets

import click
from sqlalchemy import select

from service.accounts.models import User
from service.console.accounts import create_user
from service.core.actors import Actor
from service.core.clock import now
from service.core.db import db, transactional
from service.register.identifiers import complete_uscc
from service.register.models import Authority
from service.register.operations import find_or_create_authority

DEMO_AUTHORITY = ("北京市朝阳区市场监督管理局", complete_uscc("11110105MB0123456"))
DEMO_USERS = (("demo.admin", "演示管理员", "admin"), ("demo.clerk", "演示录入员", "clerk"),
              ("demo.reviewer", "演示审核员", "reviewer"))


@transactional
def create_demo_officials(*, demo: bool) -> None:
    """Create an admin, a clerk and a reviewer of one authority (demo databases only)."""
    if not demo or db.session.scalar(select(User.id).limit(1)) is not None:
        return
    moment = now()
    authority = db.session.scalars(select(Authority).where(Authority.uscc.is_not(None))
                                   .order_by(Authority.id).limit(1)).first() \
        or find_or_create_authority(*DEMO_AUTHORITY, now=moment)
    click.echo(f"demo officials of {authority.name} (passwords shown once):")
    for username, name, role in DEMO_USERS:
        password = f"{secrets.token_urlsafe(9)}-{secrets.randbelow(90) + 10}"
        create_user({"username": username, "display_name": name, "role": role,
                     "authority_id": None if role == "admin" else authority.id,
                     "password": password}, actor=Actor.cli("setup"), now=moment)
        click.echo(f"  {username:14} {role:9} {password}")
    click.echo("sign in at /console/login")
