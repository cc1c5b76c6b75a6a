"""`flask --app app backup` and `flask --app app restore`: a whole installation to one archive and back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.services.backup import BackupError, backup, restore


@click.command("backup")
@with_appcontext
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archive to write [default: throughline-backup-YYYYmmdd-HHMMSS.tar.gz].")
@click.option("--with-secret-key", is_flag=True,
              help="Also keep instance/secret_key (anyone holding the archive could then forge sessions).")
def backup_command(output: Path | None, with_secret_key: bool) -> None:
    """Back up the whole installation (database; the secret key on request) while it runs."""
    output = output or Path(f"throughline-backup-{datetime.now(UTC):%Y%m%d-%H%M%S}.tar.gz")
    try:
        manifest = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], Path(current_app.instance_path), output,
                          include_secret_key=with_secret_key)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = manifest["rows"]
    click.echo(f"Backed up {manifest['backend']} database ({rows.get('engagements', 0)} engagements, "
               f"{rows.get('users', 0)} users) to {output}")
    key = manifest["secret_key"]
    click.echo(f"Secret key ({key['location']}): {'included' if key['included'] else 'not included'}")


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(archive: Path, force: bool) -> None:
    """Restore a `flask backup` archive into this installation's (empty) database."""
    try:
        done = restore(archive, current_app.config["SQLALCHEMY_DATABASE_URI"], Path(current_app.instance_path),
                       force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    rows = done["rows"]
    click.echo(f"Restored the {done['backend']} backup of {done['created_at']}: {rows.get('engagements', 0)} "
               f"engagements, {rows.get('users', 0)} users, {sum(rows.values())} rows in {len(rows)} tables "
               f"(migration {done['migration'] or 'unknown'}).")
    if done["replaced"]:
        click.echo(f"Replaced what the database held: {', '.join(f'{k}: {v}' for k, v in done['replaced'].items())}")
    click.echo(f"Secret key: {done['secret_key']}")
