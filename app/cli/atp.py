"""`flask --app app atp …`: run available-to-promise and the oversell replay for a scenario (docs/atp.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.common import emit_json, fail, resolve_engagement, scenario_document, user_by_email
from app.extensions import db
from app.services.analysis import scenario as analysis
from app.services.engines import atp_rules as atp_rules
from app.services.engines import runs as engine_runs
from app.services.errors import ServiceError

_SCENARIO = click.option("--scenario", default=None, help="Scenario id or name [default: the current state].")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/atp.md).")
_VERSIONS = click.option("--dataset-version", "versions", multiple=True, metavar="KIND=VERSION_ID",
                         help="Use this dataset version instead of the latest (repeatable).")


@click.group("atp", cls=AppGroup)  # subcommands get an app context even outside `flask` (test runner)
def atp_cli() -> None:
    """Available-to-promise over one inventory pool, and the oversell replay."""


def _pairs(values: tuple[str, ...], option: str, number=float) -> dict[str, float]:
    out = {}
    for value in values:
        key, sep, raw = value.partition("=")
        try:
            out[key.strip()] = number(raw)
        except ValueError:
            raise click.BadParameter(f"{value!r}: use NAME=NUMBER.", param_hint=option) from None
        if not sep or not key.strip():
            raise click.BadParameter(f"{value!r}: use NAME=NUMBER.", param_hint=option)
    return out


def run_payload(run) -> dict:
    """The JSON printed for a run (docs/atp.md)."""
    return {
        "run_id": run.id,
        "kind": run.kind,
        "scenario": {"id": run.scenario_id, "name": run.scenario.name},
        "status": run.status,
        "error": run.error or None,
        "dataset_versions": run.dataset_versions,
        "rules": run.rules,
        "parameters": run.parameters,
        "metrics": run.metrics,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def _run(engagement: str, scenario: str | None, kind: str, **kw):
    found = resolve_engagement(engagement)
    try:
        target = analysis.find_scenario(db.session, found, scenario)
        run = engine_runs.run_now(db.session, found, target, kind, **kw)
    except ServiceError as exc:
        fail(exc)
        raise
    if run.status == "failed":
        click.echo(f"error: run {run.id} failed: {run.error}", err=True)
        raise SystemExit(1)
    return run


@atp_cli.command("run")
@click.argument("engagement")
@_SCENARIO
@click.option("--as-of", default=None, help="Moment in-transit ETAs are judged against [default: now].")
@_VERSIONS
@click.option("--by", "by_email", default=None, help="Email of the user recorded as running it.")
@_JSON
def run_command(engagement, scenario, as_of, versions, by_email, as_json) -> None:
    """Network ATP for every SKU × channel under the scenario's rules; the run is stored."""
    run = _run(engagement, scenario, "atp", as_of=as_of, versions=_pairs(versions, "--dataset-version", int),
               user=user_by_email(by_email))
    if as_json:
        emit_json(run_payload(run))
        return
    m = run.metrics
    click.echo(f"ATP run {run.id} for {run.scenario.name}: {m['skus']:,} SKUs × {m['nodes']} locations "
               f"({m['inventory_rows']:,} inventory rows); pool {m['pool_units']:,} of {m['on_hand_units']:,} "
               "units on hand")
    for channel, figures in m["by_channel"].items():
        click.echo(f"  {channel:<14} ATP {figures['atp_units']:>10,} units  ship {figures['ship_units']:>10,}  "
                   f"{figures['skus_available']:,} SKUs available  {figures['eligible_nodes']} locations"
                   + (f"  ring-fenced {figures['reserved_units']:,}" if figures["reserved_units"] else ""))
    for note in m.get("notes", []):
        click.echo(f"  note: {note}")


@atp_cli.command("replay")
@click.argument("engagement")
@_SCENARIO
@click.option("--latency", "latency", multiple=True, metavar="CHANNEL=SECONDS",
              help="Override a channel's stock latency for this run (repeatable).")
@_VERSIONS
@click.option("--by", "by_email", default=None, help="Email of the user recorded as running it.")
@_JSON
def replay_command(engagement, scenario, latency, versions, by_email, as_json) -> None:
    """Replay the orders against stock: accepted, oversold and phantom stock-out lines per channel."""
    run = _run(engagement, scenario, "replay", latency=_pairs(latency, "--latency"),
               versions=_pairs(versions, "--dataset-version", int), user=user_by_email(by_email))
    if as_json:
        emit_json(run_payload(run))
        return
    m = run.metrics
    t = m["totals"]
    click.echo(f"Replay run {run.id} for {run.scenario.name}: {t['lines']:,} lines, {t['availability_rate']:.1%} "
               f"accepted, {t['oversold_rate']:.2%} oversold, {t['phantom_rate']:.2%} phantom stock-outs")
    for channel, c in m["by_channel"].items():
        lag = run.parameters["latency"].get(channel, {})
        click.echo(f"  {channel:<14} {c['lines']:>8,} lines  {c['oversold_rate']:>7.2%} oversold "
                   f"({c['oversold']:,})  {c['phantom_rate']:>7.2%} phantom ({c['phantom']:,})  "
                   f"L={lag.get('seconds', 0):g}s [{lag.get('source', '?')}]")
    if m["top_skus"]:
        click.echo("  SKUs behind oversells: " + ", ".join(f"{s['sku']} ({s['oversold_units']})"
                                                          for s in m["top_skus"][:5]))
    for note in m.get("notes", []):
        click.echo(f"  note: {note}")


@atp_cli.command("rules")
@click.argument("engagement")
@_SCENARIO
@click.option("--set", "source", type=click.File("r"), default=None,
              help="Replace the rules with this JSON document ('-' for stdin).")
def rules_command(engagement, scenario, source) -> None:
    """Print a scenario's ATP rules as JSON, or replace them with --set FILE."""
    scenario_document(engagement, scenario, source, "rules", atp_rules.rules_document, atp_rules.save_rules)
