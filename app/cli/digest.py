"""`flask --app app send-digests`: mail each user the review updates of their engagements."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from app.extensions import db
from app.services.review.digest import send_digests


@click.command("send-digests")
@with_appcontext
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True,
              help="Where people reach this server; the mail links to its notifications page.")
def send_digests_command(base_url: str) -> None:
    """Mail each user what changed in their engagements' reviews since the last digest (MAIL_SERVER set),
    otherwise print what would be sent."""
    results = send_digests(db.session, current_app.config, click.echo, base_url)
    if not results:
        click.echo("No review updates to send.")
        return
    sent = sum(1 for _, _, ok in results if ok)
    click.echo(f"{sent} of {len(results)} digest(s) mailed"
               + ("." if current_app.config.get("MAIL_SERVER") else " (no MAIL_SERVER set: printed above)."))
