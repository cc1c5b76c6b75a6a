"""`flask --app app engagement …`: create, list, export and import engagements."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from app.cli.common import emit_json, fail, resolve_engagement, user_by_email
from app.extensions import db
from app.services import engagements
from app.services.bundle.transfer import dumps_bundle, export_bundle, filename_for, import_bundle, parse_bundle
from app.services.errors import ServiceError


@click.group("engagement", cls=AppGroup)  # subcommands get an app context even outside `flask` (test runner)
def engagement_cli() -> None:
    """Create, list, export and import engagements."""


@engagement_cli.command("create")
@click.argument("name")
@click.option("--client", default="", help="The client's name.")
@click.option("--description", default="")
@click.option("--start", "start_date", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--end", "end_date", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--owner", "owner_email", default=None, help="Email of the user who owns it.")
@click.option("--json", "as_json", is_flag=True)
def create_command(name, client, description, start_date, end_date, owner_email, as_json) -> None:
    """Create an engagement (with its current-state scenario and default channels and entities)."""
    owner = user_by_email(owner_email)
    try:
        engagement = engagements.create_engagement(
            db.session,
            name,
            client=client,
            description=description,
            start_date=_day(start_date),
            end_date=_day(end_date),
            owner=owner,
        )
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"id": engagement.id, "name": engagement.name, "client": engagement.client})
    else:
        click.echo(f"Created engagement {engagement.id}: {engagement.name}")


@engagement_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def list_command(as_json: bool) -> None:
    """List every engagement (administrators' view of the database)."""
    rows = engagements.all_engagements(db.session)
    if as_json:
        emit_json([{"id": e.id, "name": e.name, "client": e.client} for e in rows])
        return
    for e in rows:
        click.echo(f"{e.id}\t{e.name}\t{e.client}")


@engagement_cli.command("export")
@click.argument("engagement")
@click.option("-o", "--output", default=None, help="File to write, '-' for stdout [default: NAME.throughline.json].")
def export_command(engagement: str, output: str | None) -> None:
    """Write ENGAGEMENT (id or name) as a JSON bundle."""
    found = resolve_engagement(engagement)
    path = output or filename_for(found)
    data = dumps_bundle(export_bundle(db.session, found))
    with click.open_file(path, "wb") as fh:  # "-" is stdout
        fh.write(data)
    if path != "-":
        click.echo(f"Exported engagement {found.id} to {path}")


@engagement_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--owner", "owner_email", default=None, help="Email of the user who owns the new engagement.")
@click.option("--json", "as_json", is_flag=True)
def import_command(file, owner_email: str | None, as_json: bool) -> None:
    """Create a new engagement from a JSON bundle (FILE, or '-' for stdin); nothing is saved on any error."""
    owner = user_by_email(owner_email)
    try:
        engagement = import_bundle(db.session, parse_bundle(file.read()), owner=owner)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"id": engagement.id, "name": engagement.name})
    else:
        click.echo(f"Imported engagement {engagement.id}: {engagement.name}")


def _day(value) -> date | None:
    return value.date() if value else None
