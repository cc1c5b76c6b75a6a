"""`flask --app app export …` and `flask --app app import …`: model interchange files (ArchiMate, ReqIF, ADRs, Mermaid).

The commands live beside their formats (`app/cli/interchange_archimate.py`, `app/cli/interchange_documents.py`)
and attach themselves to these two groups when imported.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup


@click.group("export", cls=AppGroup)
def export_cli() -> None:
    """Export an engagement as an interchange file for another tool."""


@click.group("import", cls=AppGroup)
def import_cli() -> None:
    """Import an interchange file as a new engagement."""


def load_commands() -> None:
    """Import the modules whose commands attach to the groups above."""
    from app.cli import interchange_archimate, interchange_documents  # noqa: F401
