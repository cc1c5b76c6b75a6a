"""`flask --app app demo …`: the demo engagement."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.common import fail, user_by_email
from app.extensions import db
from app.services.demo import ensure_demo, load_demo
from app.services.errors import ServiceError


@click.group("demo", cls=AppGroup)  # subcommands get an app context even outside `flask` (test runner)
def demo_cli() -> None:
    """Load the demo engagement."""


@demo_cli.command("load")
@click.option("--owner", "owner_email", default=None, help="Email of the user who owns the demo copy.")
def load_command(owner_email: str | None) -> None:
    """Import another copy of the demo engagement (Northwind Living)."""
    owner = user_by_email(owner_email)
    try:
        engagement = load_demo(db.session, owner=owner)
    except ServiceError as exc:
        fail(exc)
        return
    click.echo(f"Loaded demo engagement {engagement.id}: {engagement.name}")


@demo_cli.command("setup")
def setup_command() -> None:
    """On an empty database, create the demo user and engagement and print the login once."""
    try:
        credentials = ensure_demo(db.session)
    except ServiceError as exc:
        fail(exc)
        return
    if credentials is None:
        click.echo("Demo already set up (the database has engagements or a demo user); nothing changed.")
        return
    click.echo(f"Demo engagement {credentials.engagement_id} created.")
    click.echo(f"Log in as {credentials.email} with password: {credentials.password}")
    click.echo("This password is shown only once.")
