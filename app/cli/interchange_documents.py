"""`export reqif`, `export adr` and `export mermaid`: requirements, decision records and diagrams as files."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli.common import fail, resolve_engagement, write_output
from app.extensions import db
from app.services.analysis import diagrams as diagrams
from app.services.errors import ServiceError
from app.services.interchange import documents as documents
from exports.diagrams import CLUSTERS


def _write(output: str, data: bytes, what: str) -> None:
    if write_output(output, data):
        click.echo(f"Wrote {what} to {output} ({len(data):,} bytes).")


@click.command("reqif")
@with_appcontext
@click.argument("engagement")
@click.option("-o", "--output", required=True, help="FILE.reqif (XML) or FILE.reqifz (zip archive), or - for stdout.")
@click.option("--group-by", type=click.Choice(documents.GROUPINGS), default="type", show_default=True,
              help="Specification hierarchy: one heading per requirement type or per channel.")
@click.option("--format", "fmt", type=click.Choice(tuple(documents.REQIF_FORMATS)), default=None,
              help="reqif or reqifz [default: from the file name's extension, else reqif].")
def reqif_command(engagement: str, output: str, group_by: str, fmt: str | None) -> None:
    """Requirements, decisions and their trace links as ReqIF 1.2 (docs/interchange.md)."""
    fmt = fmt or ("reqifz" if output.lower().endswith(".reqifz") else "reqif")
    found = resolve_engagement(engagement)
    try:
        data = documents.export_reqif(db.session, found, fmt=fmt, group_by=group_by)
    except ServiceError as exc:
        fail(exc)
        return
    _write(output, data, f"{found.name} requirements ({fmt}, by {group_by})")


@click.command("adr")
@with_appcontext
@click.argument("engagement")
@click.option("-o", "--output", required=True, help="FILE.zip, or - for stdout.")
@click.option("--requirement-url", default=None,
              help="Link addressed requirements to this URL; {id} is replaced by the requirement's id "
                   "(e.g. https://throughline.example/e/3/requirements/{id}).")
def adr_command(engagement: str, output: str, requirement_url: str | None) -> None:
    """Decisions as MADR markdown files (0001-<title>.md …) in a zip."""
    if requirement_url is not None and "{id}" not in requirement_url:
        raise click.BadParameter("must contain {id}", param_hint="--requirement-url")
    found = resolve_engagement(engagement)
    data = documents.export_adrs(db.session, found, requirement_url=requirement_url)
    _write(output, data, f"{found.name} decision records (zip)")


@click.command("mermaid")
@with_appcontext
@click.argument("engagement")
@click.option("--kind", type=click.Choice(diagrams.KINDS), default="landscape", show_default=True,
              help="What to draw.")
@click.option("--scenario", default=None, help="Scenario id or name [default: the current state].")
@click.option("--entity", default=None, help="entity: the entity to draw; impact: follow only this entity.")
@click.option("--system", default=None, help="impact: the system to start from (id or name).")
@click.option("--flow", type=int, default=None, help="impact: start from a flow (id) instead of a system.")
@click.option("--depth", type=click.IntRange(min=0), default=None, help="impact: hops to follow [default: all].")
@click.option("--against", default=None, help="diff: the scenario to compare --scenario with (id or name).")
@click.option("--cluster", type=click.Choice(CLUSTERS), default="category", show_default=True,
              help="landscape: group systems by channel or by category.")
@click.option("-o", "--output", required=True, help="FILE.mmd, or - for stdout.")
def mermaid_command(engagement: str, kind: str, scenario: str | None, entity: str | None, system: str | None,
                    flow: int | None, depth: int | None, against: str | None, cluster: str, output: str) -> None:
    """A scenario diagram as a Mermaid flowchart (the same diagrams as `flask diagram`)."""
    found = resolve_engagement(engagement)
    request = diagrams.DiagramRequest(kind, scenario, cluster, entity, system, flow, depth, against)
    try:
        diagram = diagrams.build(db.session, found, request)
    except ServiceError as exc:
        fail(exc)
        return
    _write(output, diagram.mermaid.encode("utf-8"), f"{diagram.title} (Mermaid)")
