"""Helpers shared by the CLI commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from app.extensions import db
from app.services import engagements
from app.services.accounts import user_by_email as find_user
from app.services.errors import ServiceError, ValidationError
from models import Engagement, User


def resolve_engagement(ident: str) -> Engagement:
    """ENGAGEMENT argument (id or name) -> Engagement, or a clean CLI error."""
    try:
        return engagements.resolve(db.session, ident)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None


def user_by_email(email: str | None) -> User | None:
    """--owner EMAIL -> User (None when no email was given), or a clean CLI error."""
    if not email:
        return None
    user = find_user(db.session, email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    return user


def fail(exc: ServiceError) -> None:
    """Print a service error the way a person can act on it, then exit non-zero."""
    if isinstance(exc, ValidationError):
        for where, messages in exc.errors.items():
            for message in messages:
                click.echo(f"error: {where}: {message}", err=True)
    else:
        click.echo(f"error: {exc}", err=True)
    sys.exit(1)


def emit_json(payload: Any) -> None:
    """Machine output for --json."""
    click.echo(json.dumps(payload, indent=2, sort_keys=True, default=str))


def write_output(output: str, data: bytes) -> bool:
    """Write bytes to the file `output`, or to stdout for "-"; True when a file was written (to say so)."""
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return False
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"Cannot write {output}: {exc.strerror or exc}") from None
    return True


def scenario_document(engagement: str, scenario: str | None, source, field: str, read, save) -> None:
    """Print a scenario's settings document (ATP rules, cost model, return policy) as JSON, or replace it with the
    JSON read from `source` first: `read(session, scenario)` and `save(session, engagement, scenario, document)`."""
    from app.services.analysis import scenario as analysis

    found = resolve_engagement(engagement)
    try:
        target = analysis.find_scenario(db.session, found, scenario)
        if source is not None:
            try:
                document = json.load(source)
            except json.JSONDecodeError as exc:
                raise ValidationError({field: f"Invalid JSON: {exc}"}) from None
            save(db.session, found, target, document)
    except ServiceError as exc:
        fail(exc)
        return
    emit_json(read(db.session, target))
