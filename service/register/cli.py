"""`python -m service register ...`: bulk import of penalty decisions."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click
from flask.cli import with_appcontext

from service.core import clock
from service.core.actors import Actor

register_cli = click.Group("register", help="The penalty register: import decisions.")


@register_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority", default=None,
              help="Full name of the authority (处罚机关) for files without its columns.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Where to write rejected rows [default: FILE.rejects.csv].")
@click.option("--dry-run", is_flag=True, help="Check every row; store nothing.")
@click.option("--batch-size", type=click.IntRange(1, 50_000), default=1000, show_default=True,
              help="Rows per committed batch.")
@with_appcontext
def import_command(file: Path, authority: str | None, rejects_path: Path | None,
                   dry_run: bool, batch_size: int) -> None:
    """Import decisions from a CSV or XLSX file (双公示 standard headers or English keys).

    Valid rows are published (bulk files come from officials' case systems);
    a row whose authority + decision number exists is unchanged when equal and
    a correction when different. Each batch is committed, so re-running the
    same file after an interruption resumes where it stopped. Exits with status
    1 when any row was rejected (the valid rows are stored all the same).
    """
    from tqdm import tqdm

    from service.register.importer import import_file
    from service.register.tabular import FileFormatError

    actor = Actor("import", None, file.name)

    def evaluating(subjects: int):
        """A second bar for the lists rules that run once the rows are stored."""
        bar.close()
        rules = stack.enter_context(tqdm(total=subjects, unit=" subjects", disable=None,
                                         desc="lists rules (黑名单规则)", mininterval=0.5))
        return rules.update

    with ExitStack() as stack:
        bar = stack.enter_context(tqdm(unit=" rows", desc=file.name, disable=None,
                                       mininterval=0.5))
        try:
            summary = import_file(file, actor=actor, now=clock.now(), rejects_path=rejects_path,
                                  progress=bar.update, evaluating=evaluating,
                                  default_authority=authority,
                                  dry_run=dry_run, batch_size=batch_size)
        except FileFormatError as exc:
            stored = exc.stored
            if stored is not None and stored.rows and not dry_run:
                raise click.ClickException(
                    f"{exc}\nBefore it, {stored.rows} rows were taken and stored: "
                    f"{stored.created} created, {stored.corrected} corrected, "
                    f"{stored.unchanged} unchanged, {stored.rejected} rejected. Fix the file "
                    "and run the same command again: stored rows stay as they are, the rest "
                    "is imported (导入中断，已保存部分可重复导入).") from exc
            raise click.ClickException(str(exc)) from exc
    for row, field, reason in summary.errors[:20]:
        click.echo(f"row {row}, {field}: {reason}", err=True)
    if len(summary.errors) > 20 or summary.rejected > len(summary.errors):
        click.echo("... (every rejected row is in the rejects file)", err=True)
    verb = "would be" if dry_run else "were"
    click.echo(f"{summary.rows} rows: {summary.created} created, {summary.corrected} corrected, "
               f"{summary.unchanged} unchanged, {summary.rejected} rejected"
               + (" (dry run: nothing stored)" if dry_run else
                  f"; lists rules run for {summary.evaluated} subjects"))
    if summary.rejects_path:
        click.echo(f"rejected rows {verb} written with their reasons (错误原因) to "
                   f"{summary.rejects_path}")
    if summary.rejected:  # the valid rows are stored; the exit status tells scripts to look
        raise SystemExit(1)
