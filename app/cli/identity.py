"""`flask --app app identity …`: resolve customer identities across the customer extracts (docs/identity.md)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.cli.common import emit_json, fail, resolve_engagement, user_by_email
from app.extensions import db
from app.services.analysis import scenario as analysis
from app.services.engines import identity as identity
from app.services.engines import identity_exports as identity_exports
from app.services.engines import identity_results as identity_results
from app.services.engines import runs as engine_runs
from app.services.errors import ServiceError


@click.group("identity", cls=AppGroup)  # subcommands get an app context even outside `flask` (test runner)
def identity_cli() -> None:
    """Customer identity resolution: real customers, duplicates per system, overlap between systems."""


def run_payload(run, clusters_file: str | None, records_file: str | None = None) -> dict:
    """The JSON printed for a run (docs/identity.md): headline figures, not the golden records themselves."""
    m = run.metrics or {}
    return {
        "run_id": run.id,
        "kind": run.kind,
        "scenario": {"id": run.scenario_id, "name": run.scenario.name},
        "status": run.status,
        "error": run.error or None,
        "dataset_versions": run.dataset_versions,
        "read": identity.datasets_read(run),
        "options": run.parameters.get("options", {}),
        "decisions": len(run.parameters.get("decisions", {})),
        "records": m.get("records"),
        "real_customers": m.get("real_customers"),
        "customers_range": m.get("customers_range"),
        "duplicate_rate": m.get("duplicate_rate"),
        "overlap": m.get("overlap"),
        "quality": m.get("quality"),
        "normalised": m.get("normalised"),
        "review": m.get("review"),
        "blocking_rules": m.get("blocking_rules"),
        "model": m.get("model"),
        "findings": m.get("findings"),
        "sources": run.parameters.get("sources", {}),
        "left_out": run.parameters.get("left_out", {}),
        "finding_items": identity_results.finding_items(m) if m else [],
        "clusters_file": clusters_file,
        "records_file": records_file,
    }


@identity_cli.command("run")
@click.argument("engagement")
@click.option("--scenario", default=None, help="Scenario id or name [default: the current state].")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Match probability at or above which two records are one customer [default: 0.9].")
@click.option("--review-low", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Pairs between this and the threshold go to the review queue [default: 0.5].")
@click.option("--options", "options_file", type=click.File("r"), default=None,
              help="JSON options document (rules, survivorship, source_priority…; see docs/identity.md).")
@click.option("--clusters", "clusters_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the golden records (one row per customer) here [default: instance/exports/].")
@click.option("--records-file", "records_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every source record with its customer here (.csv or .xlsx).")
@click.option("--by", "by_email", default=None, help="Email of the user recorded as running it.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/identity.md).")
def run_command(engagement, scenario, threshold, review_low, options_file, clusters_path, records_path, by_email,
                as_json) -> None:
    """Resolve the engagement's customer extracts into real customers; the run is stored."""
    found = resolve_engagement(engagement)
    try:
        options = json.load(options_file) if options_file is not None else {}
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"--options is not JSON: {exc}") from None
    if threshold is not None:
        options["threshold"] = threshold
    if review_low is not None:
        options["review_low"] = review_low
    try:
        target = analysis.find_scenario(db.session, found, scenario)
        run = identity.run_identity(db.session, found, target, options=options, user=user_by_email(by_email))
    except ServiceError as exc:
        fail(exc)
        raise
    if run.status == "failed":
        click.echo(f"error: run {run.id} failed: {run.error}", err=True)
        raise SystemExit(1)
    path = clusters_path or Path(current_app.instance_path) / "exports" / f"identity-run-{run.id}-golden.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(identity_exports.export_csv(run))
    if records_path is not None:
        _write(run, "records", records_path)
    if as_json:
        emit_json(run_payload(run, str(path), str(records_path) if records_path else None))
        return
    m = run.metrics
    click.echo(f"Identity run {run.id} for {run.scenario.name}: {m['records']:,} records → "
               f"{m['real_customers']:,} real customers ({m['review']:,} pair(s) to review)")
    low = (m.get("customers_range") or {}).get("low", m["real_customers"])
    if low < m["real_customers"]:
        click.echo(f"  customers between {low:,} and {m['real_customers']:,} (the low end merges the pairs held "
                   f"because only the name agrees)")
    click.echo("  read: " + "; ".join(map(identity.read_label, identity.datasets_read(run))))
    left_out = run.parameters.get("left_out") or {}
    if left_out:
        click.echo(f"  left out (system not in {run.scenario.name}): " + ", ".join(
            f"{name} ({system})" if system else name for name, system in left_out.items()))
    systems = m["overlap"]["systems"]
    width = max(len(s) for s in systems)
    click.echo("  duplicate rate per system:")
    for system in systems:
        q = m["quality"][system]
        click.echo(f"    {system:<{width}} {m['duplicate_rate'][system]:>6.1%} of {q['records']:,} records; "
                   f"{q['invalid_email']} invalid email(s), {q['invalid_phone']} invalid phone(s), "
                   f"{q['test_records']} test record(s)")
    click.echo("  customers in 1, 2, 3… systems: " + ", ".join(
        f"{k}: {v:,}" for k, v in m["overlap"]["by_count"].items()))
    click.echo("  overlap (customers in both):")
    click.echo("    " + " " * width + "".join(f" {s[:12]:>12}" for s in systems))
    for a in systems:
        click.echo(f"    {a:<{width}}" + "".join(f" {m['overlap']['matrix'][a][b]:>12,}" for b in systems))
    for item in identity_results.finding_items(m):
        click.echo(f"  finding ({item['severity']}): {item['text']}")
    click.echo(f"  golden records: {path}")
    if records_path is not None:
        click.echo(f"  record -> customer: {records_path}")


def _write(run, what: str, path: Path) -> None:
    """Write an export; the format follows the file's extension (.xlsx, else CSV)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(identity_exports.export_xlsx(run, db.session, what))
    else:
        path.write_bytes(identity_exports.export_csv(run, db.session, what))


@identity_cli.command("export")
@click.argument("run_id", type=int)
@click.option("--what", type=click.Choice(["golden", "records"]), default="golden", show_default=True,
              help="golden: one row per real customer; records: every source record with its customer.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="File to write (.csv or .xlsx).")
def export_command(run_id, what, output) -> None:
    """Export a finished identity run's golden records or record -> customer table."""
    run = engine_runs.find_run(db.session, run_id)
    if run is None or run.kind != "identity":
        raise click.ClickException(f"No identity run {run_id}.")
    if run.status != "done":
        raise click.ClickException(f"Run {run_id} is {run.status}: only a finished run exports.")
    try:
        _write(run, what, output)
    except ServiceError as exc:
        fail(exc)
        raise
    click.echo(f"{what} of identity run {run.id} written to {output}")
