"""`export archimate` and `import archimate` (Open Group ArchiMate Model Exchange File Format)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.common import emit_json, fail, resolve_engagement, user_by_email, write_output
from app.extensions import db
from app.services.errors import ServiceError
from app.services.interchange import archimate_export as archimate


@click.command("archimate")
@with_appcontext
@click.argument("engagement")
@click.option("--scenario", default=None,
              help="Scenario name or id, or 'all' for every scenario as a plateau [default: the current state].")
@click.option("-o", "--output", default=None, help="File to write, or - for stdout [default: NAME-archimate.xml].")
def archimate_export_command(engagement: str, scenario: str | None, output: str | None) -> None:
    """Write ENGAGEMENT (id or name) as an ArchiMate exchange file (docs/archimate.md)."""
    found = resolve_engagement(engagement)
    try:
        data = archimate.export_archimate(db.session, found, scenario)
    except ServiceError as exc:
        fail(exc)
        return
    path = output or archimate.filename_for(found)
    if write_output(path, data):
        click.echo(f"Wrote the ArchiMate model of engagement {found.id} to {path} ({len(data):,} bytes).")


@click.command("archimate")
@with_appcontext
@click.argument("file", type=click.File("rb"))
@click.option("--owner", "owner_email", default=None, help="Email of the user who owns the new engagement.")
@click.option("--name", default=None, help="Name of the new engagement [default: the model's name].")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def archimate_import_command(file, owner_email: str | None, name: str | None, as_json: bool) -> None:
    """Create a new engagement from an ArchiMate exchange FILE ('-' for stdin); nothing is saved on any error."""
    owner = user_by_email(owner_email)
    try:
        summary = archimate.import_archimate(db.session, file.read(), owner=owner, name=name)
    except ServiceError as exc:
        fail(exc)
        return
    engagement = summary.engagement
    if as_json:
        emit_json(
            {
                "id": engagement.id,
                "name": engagement.name,
                "elements": summary.elements,
                "relationships": summary.relationships,
                "created": summary.by_kind,
                "other_element_types": summary.generic_types,
                "views": summary.views,
                "names_made_one_line": summary.one_line_names,
            }
        )
        return
    click.echo(f"Imported engagement {engagement.id}: {engagement.name}")
    click.echo(
        f"  {summary.elements} elements, {summary.relationships} relationships; "
        + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in summary.by_kind.items() if n)
        + f"; {summary.views} views kept"
    )
    if summary.one_line_names:
        click.echo(f"  {summary.one_line_names} names held line breaks: joined into one line with spaces")
