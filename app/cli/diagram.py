"""`flask --app app diagram ENGAGEMENT --kind … -o FILE`: a scenario diagram as SVG, PNG, DOT or Mermaid."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cli.common import fail, resolve_engagement, write_output
from app.extensions import db
from app.services.analysis import diagram_layout as layouts
from app.services.analysis import diagrams as svc
from app.services.errors import ServiceError
from exports.diagrams import CLUSTERS
from exports.graphviz_render import DiagramError, render


@click.command("diagram")
@with_appcontext  # an app context outside `flask` too (app.test_cli_runner), like the AppGroup commands
@click.argument("engagement")
@click.option("--kind", type=click.Choice(svc.KINDS), required=True, help="What to draw.")
@click.option("--scenario", default=None, help="Scenario id or name [default: the current state].")
@click.option("--entity", default=None,
              help="entity: the entity to draw; impact: follow only this entity (name, matched loosely).")
@click.option("--system", default=None, help="impact: the system to start from (id or name).")
@click.option("--flow", type=int, default=None, help="impact: start from a flow (id) instead of a system.")
@click.option("--depth", type=click.IntRange(min=0), default=None, help="impact: hops to follow [default: all].")
@click.option("--against", default=None, help="diff: the scenario to compare --scenario with (id or name).")
@click.option("--cluster", type=click.Choice(CLUSTERS), default="category", show_default=True,
              help="landscape: group systems by channel or by category.")
@click.option("--format", "fmt", type=click.Choice(svc.FORMATS), default=None,
              help="Output format [default: from the file name's extension, else svg].")
@click.option("--relayout", is_flag=True,
              help="landscape, entity: lay the diagram out afresh (pinned systems stay) instead of keeping "
                   "its remembered layout.")
@click.option("-o", "--output", required=True, help="File to write, or - for standard output.")
def diagram_command(engagement: str, kind: str, scenario: str | None, entity: str | None, system: str | None,
                    flow: int | None, depth: int | None, against: str | None, cluster: str, fmt: str | None,
                    relayout: bool, output: str) -> None:
    """Draw a scenario: its landscape, one entity's flows, the impact of a system or flow, or a diff. SVG and
    PNG keep the layout the diagram was first drawn with (as on the web); DOT and Mermaid carry no positions."""
    fmt = fmt or _format_of(output)
    found = resolve_engagement(engagement)
    request = svc.DiagramRequest(kind, scenario, cluster, entity, system, flow, depth, against)
    try:
        if fmt in svc.TEXT_FORMATS:
            diagram = svc.build(db.session, found, request)
            data = diagram.source(fmt).encode("utf-8")
        else:
            drawing = layouts.draw(db.session, found, request, relayout=relayout)
            diagram = drawing.diagram
            data = render(drawing.source, fmt)
    except ServiceError as exc:
        fail(exc)
        return
    except DiagramError as exc:
        raise click.ClickException(f"{exc} (--format dot writes the source without rendering it)") from None
    if write_output(output, data):
        click.echo(f"Wrote {diagram.title} to {output} ({fmt}, {len(data):,} bytes).")


def _format_of(output: str) -> str:
    suffix = Path(output).suffix.lower().lstrip(".")
    return suffix if suffix in svc.FORMATS else "svg"
