"""`flask --app app scenario set …`: change the values a scenario holds of its own (docs/analysis-cli.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.common import emit_json, resolve_engagement
from app.extensions import db
from app.services.analysis.scenario import find_scenario
from app.services.catalog.scenario_set import find_object, set_values
from app.services.errors import ServiceError, ValidationError

# What the person typed, by the key of a service error.
_FLAGS = {"flow": "--flow", "system": "--system", "ownership": "--ownership", "set": "--set",
          "scenario": "--scenario", "object": "--flow/--system/--ownership"}


@click.group("scenario", cls=AppGroup)  # subcommands get an app context even outside `flask` (test runner)
def scenario_cli() -> None:
    """Give a scenario values of its own (a proposal's pattern, latency, owner…)."""


def _fail(exc: ServiceError) -> None:
    if isinstance(exc, ValidationError):
        for key, messages in exc.errors.items():
            for message in messages:
                click.echo(f"error: {_FLAGS.get(key, key)}: {message}", err=True)
    else:
        click.echo(f"error: {exc}", err=True)
    raise SystemExit(1)


@scenario_cli.command("set")
@click.argument("engagement")
@click.option("--scenario", required=True, help="The scenario (id or name) whose values change.")
@click.option("--flow", default=None, help='A flow: "SOURCE -> TARGET: ENTITY".')
@click.option("--system", default=None, help="A system, by name.")
@click.option("--ownership", default=None, help='An ownership: "SYSTEM: ENTITY".')
@click.option("--set", "assignments", multiple=True, required=True, metavar="FIELD=VALUE",
              help="A per-scenario field and its value, e.g. pattern=event, worst_latency=30s (repeatable).")
@click.option("--all-scenarios", is_flag=True, help="Change the value in every scenario, not only this one.")
@click.option("--json", "as_json", is_flag=True, help="Print what changed as JSON.")
def set_command(engagement: str, scenario: str, flow: str | None, system: str | None, ownership: str | None,
                assignments: tuple[str, ...], all_scenarios: bool, as_json: bool) -> None:
    """Change a flow's, system's or ownership's values in one scenario and print them before → after."""
    found = resolve_engagement(engagement)
    try:
        chosen = find_scenario(db.session, found, scenario)
        element = find_object(db.session, found, flow=flow, system=system, ownership=ownership)
        result = set_values(db.session, found, chosen, element, assignments,
                            scope="all" if all_scenarios else "scenario")
    except ServiceError as exc:  # the service saved nothing: a failed edit leaves no half-saved values
        _fail(exc)
        return
    where = "every scenario" if result.scope == "all" else result.scenario
    if as_json:
        emit_json({"kind": result.kind, "id": element.id, "name": result.label, "scenario": result.scenario,
                   "scope": result.scope,
                   "changes": [{"field": c.field, "label": c.label, "before": c.before, "after": c.after,
                                "before_text": c.before_text, "after_text": c.after_text} for c in result.changes]})
        return
    if not result.changes:
        click.echo(f"{result.label}: nothing changed in {where}.")
        return
    click.echo(f"{result.label} in {where}:")
    for change in result.changes:
        click.echo(f"  {change}")
