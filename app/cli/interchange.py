"""`flask --app app export …` and `flask --app app import …`: model interchange files (ArchiMate, ReqIF, ADRs, Mermaid).

The commands live beside their formats (`app/cli/interchange_archimate.py`, `app/cli/interchange_documents.py`)
and attach themselves to these two groups when imported (`register_cli` imports them); this module
imports neither, so the import graph has no circle.
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

