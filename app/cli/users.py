"""`flask --app app create-user`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.common import fail
from app.extensions import db
from app.services.accounts import create_user
from app.services.errors import ServiceError


@click.command("create-user")
@with_appcontext  # an app context outside `flask` too (app.test_cli_runner), like the AppGroup commands
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="May create users and engagements for others.")
def create_user_command(email: str, name: str, password: str, admin: bool) -> None:
    """Create a user who can log in."""
    try:
        user = create_user(db.session, email, name, password, is_admin=admin)
    except ServiceError as exc:
        fail(exc)
        return
    click.echo(f"Created user {user.id} <{user.email}>.")
