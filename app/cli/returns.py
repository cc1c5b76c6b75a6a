"""`flask --app app returns …`: replay the client's returns under a scenario's return policy and architecture,
and print or replace the policy (docs/returns.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.atp import _pairs, run_payload
from app.cli.common import emit_json, fail, resolve_engagement, scenario_document, user_by_email
from app.extensions import db
from app.services.analysis import scenario as analysis
from app.services.engines import returns as returns_service
from app.services.engines import runs as engine_runs
from app.services.errors import ServiceError

_SCENARIO = click.option("--scenario", default=None, help="Scenario id or name [default: the current state].")


@click.group("returns", cls=AppGroup)
def returns_cli() -> None:
    """Returns and exchanges anywhere: which returns each design accepts where the customer brings them."""


@returns_cli.command("replay")
@click.argument("engagement")
@_SCENARIO
@click.option("--dataset-version", "versions", multiple=True, metavar="KIND=VERSION_ID",
              help="Use this dataset version instead of the latest (repeatable).")
@click.option("--by", "by_email", default=None, help="Email of the user recorded as running it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/returns.md).")
def replay_command(engagement, scenario, versions, by_email, as_json) -> None:
    """Replay every return of the returns dataset; the run is stored."""
    found = resolve_engagement(engagement)
    try:
        target = analysis.find_scenario(db.session, found, scenario)
        run = engine_runs.run_now(db.session, found, target, "returns",
                                  versions=_pairs(versions, "--dataset-version", int), user=user_by_email(by_email))
    except ServiceError as exc:
        fail(exc)
        return
    if run.status == "failed":
        click.echo(f"error: run {run.id} failed: {run.error}", err=True)
        raise SystemExit(1)
    if as_json:
        emit_json(run_payload(run))
        return
    for line in summary_lines(run.id, run.scenario.name, run.metrics):
        click.echo(line)


def summary_lines(run_id: int, scenario: str, m: dict) -> list[str]:
    """The run as lines of text: acceptance, reasons, refunds, the channel matrix, restock delays, flags."""
    out = [f"Returns run {run_id} for {scenario}: {m['returns']:,} returns, {m['accepted']:,} accepted where brought "
           f"({m['acceptance_rate']:.1%}), {m['refused']:,} refused"]
    refused = {k: v for k, v in m["refused_by_reason"].items() if v}
    if refused:
        out.append("  refused: " + ", ".join(f"{k} {v:,}" for k, v in refused.items()))
    out.append("  refunds: " + ", ".join(f"{k} {v:,}" for k, v in m["refunds"].items())
               + "; units: " + ", ".join(f"{k} {v:,}" for k, v in m["units_by_disposition"].items()))
    out.append("  original -> returned      returns  accepted")
    for origin, row in m["matrix"].items():
        for returned, cell in row.items():
            out.append(f"  {origin + ' -> ' + returned:<24} {cell['returns']:>8,} {cell['accepted']:>9,}")
    for channel, d in m["restock_delay_hours"].items():
        seen = f"mean {d['mean_hours']} h, worst {d['worst_hours']} h" if d["units"] else "none"
        out.append(f"  restocked units seen on {channel}: {d['units']:,} ({seen}); never {d['never_units']:,}")
    out.extend(f"  FLAG: {c}" for c in m.get("conflicts", []))
    out.extend(f"  note: {n}" for n in m.get("notes", []))
    return out


@returns_cli.command("policy")
@click.argument("engagement")
@_SCENARIO
@click.option("--set", "source", type=click.File("r"), default=None,
              help="Replace the return policy with this JSON document ('-' for stdin).")
def policy_command(engagement, scenario, source) -> None:
    """Print a scenario's return policy as JSON, or replace it with --set FILE."""
    scenario_document(engagement, scenario, source, "policy", returns_service.policy_document,
                      returns_service.save_policy)
