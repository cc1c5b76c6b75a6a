"""`flask --app app analysis …`: findings, freshness, criteria, impact, comparison (docs/analysis-cli.md)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli.common import emit_json, fail, resolve_engagement
from app.extensions import db
from app.graph import report
from app.graph.findings import SEVERITIES
from app.graph.units import format_duration
from app.services.analysis import scenario as analysis
from app.services.analysis.compare_several import compare_several
from app.services.analysis.value_diff import as_json as value_json
from app.services.errors import ServiceError

_SCENARIO = click.option("--scenario", default=None, help="Scenario id or name [default: the current state].")
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON (see docs/analysis-cli.md).")


@click.group("analysis", cls=AppGroup)  # subcommands get an app context even outside `flask` (test runner)
def analysis_cli() -> None:
    """Analyse a scenario: findings, data freshness, acceptance criteria, impact, comparison."""


def _load(engagement: str, scenario: str | None) -> analysis.Analysis:
    found = resolve_engagement(engagement)
    try:
        return analysis.analyse(db.session, found, scenario)
    except ServiceError as exc:
        fail(exc)
        raise  # fail() exits; this tells readers (and type checkers) that nothing follows


@analysis_cli.command("findings")
@click.argument("engagement")
@_SCENARIO
@_JSON
def findings_command(engagement: str, scenario: str | None, as_json: bool) -> None:
    """List the findings of the rule suite for a scenario, most severe first."""
    loaded = _load(engagement, scenario)
    result = loaded.findings()
    if as_json:
        emit_json(report.findings(loaded.snapshot, result))
        return
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items() if n)
    click.echo(f"{loaded.scenario.name}: {len(result.findings)} finding(s){f' ({counts})' if counts else ''}")
    if result.disabled:
        click.echo(f"Rules switched off: {', '.join(result.disabled)}")
    for f in result.findings:
        click.echo(f"\n[{f.severity}] {f.rule_id}: {f.title}")
        click.echo(f"  {f.explanation}")
        click.echo(f"  Remedy: {f.remedy}")


@analysis_cli.command("freshness")
@click.argument("engagement")
@_SCENARIO
@click.option("--entity", default=None, help="Only this entity (name, matched loosely).")
@click.option("--channel", default=None, help="Only this channel (name, matched loosely).")
@_JSON
def freshness_command(engagement: str, scenario: str | None, entity: str | None, channel: str | None,
                      as_json: bool) -> None:
    """Worst and typical latency from the system of record to each channel, per entity."""
    loaded = _load(engagement, scenario)
    try:
        rows = loaded.freshness(entity, channel)
    except ServiceError as exc:
        fail(exc)
        return
    snap = loaded.snapshot
    if as_json:
        emit_json(report.freshness(snap, rows))
        return
    click.echo(f"{loaded.scenario.name}: data freshness (worst / typical latency from the system of record)")
    for row in rows:
        where = f"{snap.name_of(row.entity_id)} → {snap.name_of(row.channel_id)}"
        if row.path is not None and row.known:
            route = " → ".join(snap.name_of(s) for s in row.path.systems)
            click.echo(f"  {where}: {format_duration(row.worst_latency)} / {format_duration(row.latency)}  "
                       f"via {route}")
        else:
            click.echo(f"  {where}: unknown ({row.reason}: {row.explanation})")


@analysis_cli.command("criteria")
@click.argument("engagement")
@_SCENARIO
@click.option("--requirement", default=None, help="Only this requirement (REQ-n or id).")
@_JSON
def criteria_command(engagement: str, scenario: str | None, requirement: str | None, as_json: bool) -> None:
    """Evaluate the requirements' executable acceptance criteria: pass, fail or unknown."""
    loaded = _load(engagement, scenario)
    try:
        result = loaded.criteria(requirement)
    except ServiceError as exc:
        fail(exc)
        return
    if as_json:
        emit_json(report.criteria(loaded.snapshot, result))
        return
    counts = ", ".join(f"{n} {s}" for s, n in result.counts.items())
    click.echo(f"{loaded.scenario.name}: {len(result.requirements)} requirement(s) with criteria ({counts})")
    for req in result.requirements:
        click.echo(f"\n{req.ref}: {req.status}")
        for r in req.results:
            click.echo(f"  [{r.status}] {r.text}\n      {r.message}")


@analysis_cli.command("impact")
@click.argument("engagement")
@click.argument("system", required=False)
@click.option("--flow", type=int, default=None, help="Start from a flow (id) instead of a system.")
@click.option("--depth", type=click.IntRange(min=0), default=None, help="Hops to follow [default: all].")
@click.option("--entity", "entities", multiple=True, help="Follow only this entity (repeatable).")
@_SCENARIO
@_JSON
def impact_command(engagement: str, system: str | None, flow: int | None, depth: int | None,
                   entities: tuple[str, ...], scenario: str | None, as_json: bool) -> None:
    """What is upstream and downstream of SYSTEM (id or name) or of --flow ID, and what it touches."""
    loaded = _load(engagement, scenario)
    try:
        result = loaded.impact(system, flow=flow, depth=depth, entities=entities)
    except ServiceError as exc:
        fail(exc)
        return
    snap = loaded.snapshot
    if as_json:
        emit_json(report.impact(snap, result))
        return
    click.echo(f"{loaded.scenario.name}: impact of {result.origin_kind} {snap.name_of(result.origin_id)}"
               f" (depth {'all' if depth is None else depth})")
    for label, items in (("Upstream", result.upstream), ("Downstream", result.downstream)):
        click.echo(f"{label}:")
        for i in items:
            relay = " (middleware)" if i.relay_only else ""
            click.echo(f"  {i.distance}  {snap.name_of(i.system_id)}{relay}: "
                       f"{', '.join(snap.name_of(e) for e in i.entities)}")
        if not items:
            click.echo("  none")
    for label, ids in (("Channels", result.channels), ("Requirements", result.requirements),
                       ("Decisions", result.decisions)):
        click.echo(f"{label}: {', '.join(snap.name_of(i) for i in ids) or 'none'}")


@analysis_cli.command("compare")
@click.argument("engagement")
@click.argument("scenarios", nargs=-1, required=True)
@_JSON
def compare_command(engagement: str, scenarios: tuple[str, ...], as_json: bool) -> None:
    """Compare SCENARIOS (two or more; the first is the baseline, the others are compared with it): model,
    values field by field, findings, criteria, headline metrics."""
    if len(scenarios) < 2:
        raise click.UsageError("Name at least two scenarios: the baseline, then one or more to compare with it.")
    found = resolve_engagement(engagement)
    try:
        result = compare_several(db.session, found, scenarios)
    except ServiceError as exc:
        fail(exc)
        return
    base = result.baseline.analysis
    documents = [{**report.comparison(base.snapshot, column.analysis.snapshot, pair), "values": value_json(values)}
                 for column, pair, values in zip(result.columns[1:], result.pairs, result.values, strict=True)]
    if as_json:
        emit_json(documents[0] if len(documents) == 1 else {
            "baseline": documents[0]["a"], "scenarios": [report.scenario(c.analysis.snapshot) for c in result.columns],
            "comparisons": documents})
        return
    for column, pair, values in zip(result.columns[1:], result.pairs, result.values, strict=True):
        _print_pair(base, column.analysis, pair, values)


def _print_pair(a: analysis.Analysis, b: analysis.Analysis, result, values) -> None:
    click.echo(f"{a.scenario.name} → {b.scenario.name}")
    document = report.comparison(a.snapshot, b.snapshot, result)
    model = document["model"]
    for kind in ("systems", "flows", "ownerships"):
        part = model[kind]
        click.echo(f"{kind.capitalize()}: +{len(part['added'])} -{len(part['removed'])}"
                   + (f" ~{len(part['changed'])}" if "changed" in part else ""))
        for sign, key in (("+", "added"), ("-", "removed")):
            for item in part[key]:
                click.echo(f"  {sign} {item['name']}")
        for item in part.get("changed", ()):
            click.echo(f"  ~ {item['after']['name']} ({', '.join(item['changed'])})")
    click.echo(f"Values: {len(values.changed)} object(s) with other values")
    for change in values.changed:
        click.echo(f"  ~ {change}")
    click.echo(f"Findings: {len(result.findings.resolved)} resolved, {len(result.findings.introduced)} introduced, "
               f"{len(result.findings.persisting)} persisting")
    for f in result.findings.resolved:
        click.echo(f"  resolved   [{f.severity}] {f.title}")
    for f in result.findings.introduced:
        click.echo(f"  introduced [{f.severity}] {f.title}")
    for change in result.criteria.changes:
        click.echo(f"Criteria: {change.ref} {change.before} → {change.after}")
    ma, mb = result.metrics_a, result.metrics_b
    click.echo(f"Integrations: {ma.integrations} → {mb.integrations}; SoR conflicts: {ma.sor_conflicts} → "
               f"{mb.sor_conflicts}")
    for channel, worst in ma.inventory_freshness.items():
        after = mb.inventory_freshness.get(channel)
        click.echo(f"Inventory freshness on {b.snapshot.name_of(channel)}: {format_duration(worst)} → "
                   f"{format_duration(after)}")


@analysis_cli.command("rules")
@click.argument("engagement")
@_JSON
def rules_command(engagement: str, as_json: bool) -> None:
    """List the rules with their severity and whether they are switched on for the engagement."""
    found = resolve_engagement(engagement)
    rows = report.rules(analysis.rule_settings(found))
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        state = "on " if row["enabled"] else "off"
        override = "" if row["severity"] == row["default_severity"] else f" (default {row['default_severity']})"
        click.echo(f"{state}  {row['severity']:<8}  {row['id']:<28} {row['title']}{override}")


@analysis_cli.command("set-rule")
@click.argument("engagement")
@click.argument("rule_id")
@click.option("--enable/--disable", "enabled", default=True, help="Switch the rule on or off [default: on].")
@click.option("--severity", type=click.Choice([*SEVERITIES, "default"]), default="default",
              help="Override the rule's severity for this engagement [default: the rule's own].")
def set_rule_command(engagement: str, rule_id: str, enabled: bool, severity: str) -> None:
    """Switch a rule on or off, or re-weight it, for one engagement."""
    found = resolve_engagement(engagement)
    try:
        setting = analysis.set_rule(db.session, found, rule_id, enabled, None if severity == "default" else severity)
    except ServiceError as exc:
        fail(exc)
        return
    click.echo(f"{setting.rule_id}: {'on' if setting.enabled else 'off'}, severity {setting.severity}")
