"""`flask --app app export …` and `flask --app app import …`: model interchange files (ArchiMate, ReqIF, ADRs, Mermaid).

The commands live beside their formats (`app/cli/interchange_archimate.py`, `app/cli/interchange_documents.py`) as
plain click commands; this module imports them and adds them to its two groups, so the imports run one way only.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli import interchange_archimate, interchange_documents


@click.group("export", cls=AppGroup)
def export_cli() -> None:
    """Export an engagement as an interchange file for another tool."""


@click.group("import", cls=AppGroup)
def import_cli() -> None:
    """Import an interchange file as a new engagement."""


export_cli.add_command(interchange_archimate.archimate_export_command)
export_cli.add_command(interchange_documents.reqif_command)
export_cli.add_command(interchange_documents.adr_command)
export_cli.add_command(interchange_documents.mermaid_command)
import_cli.add_command(interchange_archimate.archimate_import_command)
