"""`flask rules ...`: evaluate the policy over the register, show or check a policy file."""

from __future__ import annotations

import sys
from dataclasses import fields

import click
from flask.cli import with_appcontext

from service.core import clock
from service.core.actors import Actor
from service.core.db import db
from service.rules.policy import current_policy, policy_problems

rules_cli = click.Group("rules", help="Disclosure and list rules: evaluate, show the policy.")
DATE = click.DateTime(formats=["%Y-%m-%d"])


@rules_cli.command("evaluate")
@click.option("--as-of", type=DATE, default=None,
              help="The day to evaluate for (YYYY-MM-DD); default: today (Asia/Shanghai).")
@click.option("--batch-size", type=click.IntRange(10, 20000), default=1000, show_default=True)
@with_appcontext
def evaluate(as_of, batch_size: int) -> None:
    """Re-apply the rules to every subject; record expired entries; propose listings.

    Idempotent and safe from cron: each batch is committed once written, and a
    second run changes nothing.
    """
    from service.lists.operations import count_subjects, evaluate_all

    today = as_of.date() if as_of else clock.today()
    total = count_subjects()
    try:
        with click.progressbar(length=total, label=f"evaluating {total} subjects as of {today}",
                               file=sys.stderr) as bar:
            summary = evaluate_all(actor=Actor.cli("rules evaluate"), now=clock.now(),
                                   today=today, progress=bar.update,
                                   checkpoint=db.session.commit, batch_size=batch_size)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    click.echo(f"evaluated {summary.subjects} subjects as of {today} "
               f"(policy {current_policy().version})")
    for name in ("proposed", "extended", "ended", "expired", "trimmed", "reclassified"):
        click.echo(f"  {name:<13}{getattr(summary, name)}")


def _show(value) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(value)) or "(none)"
    if isinstance(value, dict):
        return ", ".join(f"{k} → {v}" for k, v in sorted(value.items()))
    return str(value)


@rules_cli.command("show-policy")
@with_appcontext
def show_policy() -> None:
    """Print the policy in force: every period, threshold and list."""
    policy = current_policy()
    click.echo(f"# {policy.source}")
    click.echo(f"version = {policy.version}\nname = {policy.name}")
    for section in ("disclosure", "blacklist", "redlist"):
        values = getattr(policy, section)
        click.echo(f"\n[{section}]")
        for f in fields(values):
            click.echo(f"{f.name} = {_show(getattr(values, f.name))}")


@rules_cli.command("check-policy")
@click.argument("file", type=click.Path(dir_okay=False))
def check_policy(file: str) -> None:
    """Check a policy file before using it (POLICY_FILE): list everything wrong with it."""
    policy, problems = policy_problems(file)
    if problems:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"ok: {file} (version {policy.version}) can be used")
