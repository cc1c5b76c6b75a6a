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


@click.command("invite-user")
@with_appcontext
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--admin", is_flag=True, help="May manage users.")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="Where people reach this server; the printed link starts with it.")
def invite_user_command(email: str, name: str, admin: bool, base_url: str) -> None:
    """Invite a user: print a one-time link (72 hours) where they choose their password."""
    from app.services.user_admin import invite_user

    try:
        user, token = invite_user(db.session, email, name, is_admin=admin)
    except ServiceError as exc:
        fail(exc)
        return
    click.echo(f"Invited user {user.id} <{user.email}>. Send them this one-time link (valid 72 hours):")
    click.echo(f"{base_url.rstrip('/')}/account/set-password/{token}")
