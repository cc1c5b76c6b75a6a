"""`flask --app app routing …`: route the client's orders with a strategy under a scenario's cost model
(docs/routing.md)."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from app.cli.atp import _pairs, run_payload
from app.cli.common import emit_json, fail, resolve_engagement, scenario_document, user_by_email
from app.engines.routing import STRATEGIES
from app.extensions import db
from app.services.analysis import scenario as analysis
from app.services.engines import routing as routing
from app.services.engines import runs as engine_runs
from app.services.errors import ServiceError, ValidationError

_SCENARIO = click.option("--scenario", default=None, help="Scenario id or name [default: the current state].")


@click.group("routing", cls=AppGroup)
def routing_cli() -> None:
    """Order routing: channel_origin, rules and optimal strategies on the client's orders."""


def _load_json(source, option: str) -> dict:
    try:
        return json.load(source)
    except json.JSONDecodeError as exc:
        raise ValidationError({option: f"Invalid JSON: {exc}"}) from None


@routing_cli.command("run")
@click.argument("engagement")
@_SCENARIO
@click.option("--strategy", required=True, type=click.Choice(list(STRATEGIES)), help="Routing strategy.")
@click.option("--cost-model", "cost_file", type=click.File("r"), default=None,
              help="Use this JSON cost model for this run instead of the scenario's ('-' for stdin).")
@click.option("--as-of", default=None, help="Moment in-transit ETAs are judged against [default: now].")
@click.option("--dataset-version", "versions", multiple=True, metavar="KIND=VERSION_ID",
              help="Use this dataset version instead of the latest (repeatable).")
@click.option("--by", "by_email", default=None, help="Email of the user recorded as running it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/routing.md).")
def run_command(engagement, scenario, strategy, cost_file, as_of, versions, by_email, as_json) -> None:
    """Route every order line of the orders dataset; the run is stored."""
    found = resolve_engagement(engagement)
    try:
        target = analysis.find_scenario(db.session, found, scenario)
        costs = _load_json(cost_file, "cost_model") if cost_file is not None else None
        run = engine_runs.run_now(db.session, found, target, "routing", strategy=strategy, cost_model=costs,
                                  as_of=as_of, versions=_pairs(versions, "--dataset-version", int),
                                  user=user_by_email(by_email))
    except ServiceError as exc:
        fail(exc)
        return
    if run.status == "failed":
        click.echo(f"error: run {run.id} failed: {run.error}", err=True)
        raise SystemExit(1)
    if as_json:
        emit_json(run_payload(run))
        return
    m = run.metrics
    c = m["cost"]
    click.echo(f"Routing run {run.id} ({m['strategy']}) for {run.scenario.name}: {m['lines']:,} lines in "
               f"{m['orders']:,} orders, {m['fill_rate']:.1%} filled; cost {c['total']:,.2f} "
               f"({m['cost_per_order']:,.2f}/order: shipping {c['shipping']:,.2f}, handling {c['handling']:,.2f}, "
               f"splits {c['split_penalty']:,.2f}, unfilled {c['unfilled_penalty']:,.2f})")
    d = m["distance_km"]
    click.echo(f"  {m['splits']:,} splits ({m['split_rate']:.1%} of orders), {m['shipments_per_order']:.2f} "
               f"shipments/order, {m['from_stores']:.1%} shipped from stores, distance mean "
               f"{d['mean'] if d['mean'] is not None else '-'} km p95 {d['p95'] if d['p95'] is not None else '-'} km")
    u = m["utilisation"]
    click.echo(f"  {u['nodes_at_capacity']} node(s) hit capacity ({u['node_days_at_capacity']} node-days); "
               f"{m['ms_per_order']:.3f} ms per order")
    for channel, figures in m["by_channel"].items():
        click.echo(f"  {channel:<14} {figures['lines']:>8,} lines  {figures['fill_rate']:>7.1%} filled  "
                   f"{figures['split_rate']:>6.1%} split  {figures['from_stores']:>6.1%} from stores")
    if m["unfilled"]:
        click.echo("  unfilled: " + ", ".join(f"{k} {v:,}" for k, v in m["unfilled"].items()))
    s = m["solver"]
    if m["strategy"] == "optimal":
        scope = "whole run, gap to the global lower bound" if s.get("scope") == "horizon" else "per batch"
        click.echo(f"  solver ({scope}): {s['optimal_batches']}/{s['batches']} optimal, max gap "
                   f"{s['max_gap'] if s['max_gap'] is not None else '-'}, {s['fallback_batches']} fell back")
    if not m["trusted"]:
        click.echo(f"  WARNING: the strategy broke {len(m['violations'])} constraint(s): "
                   + "; ".join(v["detail"] for v in m["violations"][:3]))
    for note in m.get("notes", []):
        click.echo(f"  note: {note}")


@routing_cli.command("cost-model")
@click.argument("engagement")
@_SCENARIO
@click.option("--set", "source", type=click.File("r"), default=None,
              help="Replace the cost model with this JSON document ('-' for stdin).")
def cost_model_command(engagement, scenario, source) -> None:
    """Print a scenario's routing cost model as JSON, or replace it with --set FILE."""
    scenario_document(engagement, scenario, source, "cost_model", routing.cost_document, routing.save_cost_model)
