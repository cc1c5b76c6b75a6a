"""`flask --app app workbook …`: import and export the spreadsheet workbook (docs/workbook.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.common import resolve_engagement, user_by_email
from app.extensions import db
from app.services.workbook.export import export_workbook, template_workbook
from app.services.workbook.importer import import_workbook
from exports.workbook import MAX_FILE_BYTES

_FORMATS = {".xlsx": "xlsx", ".zip": "zip"}


@click.group("workbook", cls=AppGroup)  # subcommands get an app context even outside `flask` (test runner)
def workbook_cli() -> None:
    """Import and export the spreadsheet workbook (XLSX, or a ZIP of CSV files)."""


@workbook_cli.command("import")
@click.argument("engagement")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Report what would change; save nothing.")
@click.option("--user", "user_email", default=None, help="Email of the user the change log records.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the rows left unchanged.")
def import_command(engagement: str, file, dry_run: bool, user_email: str | None, verbose: bool) -> None:
    """Import FILE (.xlsx or .zip of CSV files, '-' for stdin) into ENGAGEMENT (id or name), all or nothing.

    Prints the report (rows to create, update, left unchanged; every error with sheet, row and column)
    and exits 1 when anything is wrong, in which case nothing is saved."""
    found = resolve_engagement(engagement)
    user = user_by_email(user_email)
    data = file.read(MAX_FILE_BYTES + 1)
    name = Path(file.name).name if getattr(file, "name", None) not in (None, "<stdin>", "-") else None
    report = import_workbook(db.session, found, data, filename=name, user_id=user.id if user else None, dry_run=dry_run)
    for line in report.lines(verbose=verbose):
        click.echo(line)
    for problem in report.notes:
        click.echo(f"note: {problem}")
    for problem in report.warnings:
        click.echo(f"warning: {problem}", err=True)
    for problem in report.errors:
        click.echo(f"error: {problem}", err=True)
    if not report.ok:
        click.echo(f"{len(report.errors)} error(s): nothing was saved.", err=True)
        sys.exit(1)
    if dry_run:
        click.echo(f"Dry run: {report.summary()}; nothing was saved.")
    else:
        click.echo(f"Imported into engagement {found.id}: {report.summary()}.")


@workbook_cli.command("export")
@click.argument("engagement")
@click.option("-o", "--output", required=True, help="File to write; .xlsx or .zip (CSV files) picks the format.")
def export_command(engagement: str, output: str) -> None:
    """Write ENGAGEMENT (id or name) as a workbook."""
    fmt = _format_of(output)
    found = resolve_engagement(engagement)
    Path(output).write_bytes(export_workbook(db.session, found, fmt))
    click.echo(f"Exported engagement {found.id} to {output}")


@workbook_cli.command("template")
@click.option("-o", "--output", required=True, help="File to write (.xlsx).")
def template_command(output: str) -> None:
    """Write the empty workbook template, with its Instructions sheet."""
    if _format_of(output) != "xlsx":
        raise click.BadParameter("The template is an .xlsx file.", param_hint="-o")
    Path(output).write_bytes(template_workbook())
    click.echo(f"Wrote the workbook template to {output}")


def _format_of(path: str) -> str:
    fmt = _FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise click.BadParameter("Name the file .xlsx (a workbook) or .zip (CSV files).", param_hint="-o")
    return fmt
