"""`flask --app app dataset …`: upload captured datasets, list them, write templates (docs/atp.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.cli.common import emit_json, fail, resolve_engagement, user_by_email
from app.extensions import db
from app.services.datasets import uploads as datasets
from app.services.datasets.kinds import KINDS, template_csv
from app.services.datasets.validation import DatasetRejected, Report
from app.services.errors import ServiceError


@click.group("dataset", cls=AppGroup)  # subcommands get an app context even outside `flask` (test runner)
def dataset_cli() -> None:
    """Captured datasets: locations, inventory, orders, receipts."""


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        header, sep, column = pair.partition("=")
        if not sep or not header.strip() or not column.strip():
            raise click.BadParameter(f"{pair!r}: use CLIENT_HEADER=our_column.", param_hint="--map")
        mapping[header.strip()] = column.strip()
    return mapping


def _print_report(report: Report) -> None:
    if report.mapping:
        renamed = {c: h for c, h in report.mapping.items() if h != c}
        if renamed:
            click.echo("Columns mapped: " + ", ".join(f"{h} → {c}" for c, h in renamed.items()))
    if report.ignored:
        click.echo("Headers ignored: " + ", ".join(report.ignored))


@dataset_cli.command("upload")
@click.argument("engagement")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--system", required=True, help="The catalog system the data was extracted from (name or id).")
@click.option("--name", default=None,
              help="Dataset name; the same name adds a version [default: the system's own dataset of KIND, else a "
                   "new one named after the system (customers) or the kind].")
@click.option("--map", "pairs", multiple=True, metavar="CLIENT_HEADER=COLUMN",
              help="Map a header of the file to one of our columns (repeatable).")
@click.option("--by", "by_email", default=None, help="Email of the user recorded as uploader.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def upload_command(engagement, kind, file: Path, system, name, pairs, by_email, as_json) -> None:
    """Validate FILE (CSV or XLSX) and store it as the next version of a KIND dataset; exit 1 if rejected."""
    found = resolve_engagement(engagement)
    user = user_by_email(by_email)
    mapping = _mapping(pairs)
    try:
        upload = datasets.upload_dataset(db.session, found, kind, file.read_bytes(), file.name, system=system,
                                         name=name, mapping=mapping, user=user)
    except DatasetRejected as exc:
        report = exc.report
        if as_json:
            emit_json({"ok": False, "errors": report.total, "counts": dict(report.counts),
                       "problems": [{"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message}
                                    for p in report.problems]})
            raise SystemExit(1) from None
        _print_report(report)
        click.echo(f"Rejected: {report.total:,} problem(s) in {report.sheet}; nothing was stored.", err=True)
        for what, count in report.counts.most_common():
            click.echo(f"  {count:>8,}  {what}", err=True)
        fail(exc)
        return
    except ServiceError as exc:
        fail(exc)
        return
    version = upload.version
    findings = version.profile.get("findings", [])
    if as_json:
        emit_json({"ok": True, "dataset_id": version.dataset_id, "version_id": version.id, "version": version.number,
                   "rows": version.row_count, "status": version.status, "mapping": version.column_mapping,
                   "findings": findings})
        return
    _print_report(upload.report)
    click.echo(f"Stored {version.dataset.name} v{version.number} ({kind}): {version.row_count:,} rows, "
               f"{version.size_bytes:,} bytes compressed.")
    for finding in findings:
        click.echo(f"  [{finding['severity']}] {finding['message']}")


@dataset_cli.command("list")
@click.argument("engagement")
@click.option("--json", "as_json", is_flag=True)
def list_command(engagement: str, as_json: bool) -> None:
    """List the engagement's datasets and their versions."""
    found = resolve_engagement(engagement)
    rows = datasets.list_datasets(db.session, found.id)
    if as_json:
        emit_json([
            {"id": d.id, "kind": d.kind, "name": d.name, "system": d.system.name if d.system else None,
             "versions": [{"id": v.id, "version": v.number, "rows": v.row_count, "status": v.status,
                           "uploaded_at": v.uploaded_at.isoformat()} for v in d.versions]}
            for d in rows
        ])
        return
    for d in rows:
        latest = d.versions[-1] if d.versions else None
        where = d.system.name if d.system else "no system"
        click.echo(f"{d.id}\t{d.kind}\t{d.name} (from {where})\t"
                   f"v{latest.number if latest else 0}\t{latest.row_count if latest else 0:,} rows")


@dataset_cli.command("template")
@click.argument("kind", type=click.Choice(list(KINDS)))
def template_command(kind: str) -> None:
    """Print the CSV template of a dataset kind."""
    click.echo(template_csv(kind), nl=False)
