"""The landscape diagram: every system and flow of a scenario, clustered by channel or by category."""

from __future__ import annotations

from collections.abc import Iterable

from app.graph.findings import SEVERITIES, Finding
from app.graph.snapshot import SLOW_PATTERNS, ScenarioSnapshot, System
from exports.diagrams.drawing import (
    CLUSTERS,
    SEVERITY_COLOURS,
    _category,
    _draw_flow,
    _flow_tooltip,
    _large,
    _legs,
    _lifecycle_style,
    _Links,
    _new,
    _sid,
)
from exports.diagrams.figure import Figure, Text
from exports.fonts import GRAPHVIZ_FONT
from exports.text import humanize


def landscape_figure(snap: ScenarioSnapshot, *, cluster: str = "category", findings: Iterable[Finding] = (),
              link_prefix: str | None = None) -> Figure:
    """Every system and flow of the scenario, clustered by channel or by category; findings colour borders."""
    if cluster not in CLUSTERS:
        raise ValueError(f"cluster must be one of {', '.join(CLUSTERS)}, not {cluster!r}")
    links = _Links(link_prefix)
    worst = _worst_severity(findings)
    large = _large(len(snap.systems), _legs(snap.flows))
    dot = _new("landscape", Text(f"{snap.scenario_name} — landscape by {cluster}"), large, clustered=True)
    groups = _by_channel(snap) if cluster == "channel" else _by_category(snap)
    for index, (label, members) in enumerate(groups):
        dot.open_cluster(f"g{index}", label=label, style="rounded", color="#c3c9d2", fontname=GRAPHVIZ_FONT)
        for system in members:
            extra = _channel_names(snap, system) if cluster == "channel" and len(system.channel_ids) > 1 else ""
            attrs = {"label": Text(system.name, _category(snap, system), extra), **_lifecycle_style(system),
                     "tooltip": f"System {system.id}: {_category(snap, system)}, {humanize(system.lifecycle)}",
                     **links.system(system.id)}
            if system.id in worst:
                attrs.update(color=SEVERITY_COLOURS[worst[system.id]], penwidth="2.5")
            dot.node(_sid(system.id), **attrs)
        dot.close()
    shown = set(snap.system_by_id)
    for flow in sorted(snap.flows, key=lambda f: f.id):
        if flow.source not in shown or flow.target not in shown:
            continue
        style = {"style": "dashed"} if flow.pattern in SLOW_PATTERNS else {}
        first = {"tooltip": _flow_tooltip(snap, flow), **style, **links.flow(flow.id)}
        _draw_flow(dot, flow, shown, first, dict(style))
    return dot


def _worst_severity(findings: Iterable[Finding]) -> dict[int, str]:
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    worst: dict[int, str] = {}
    for f in findings:
        for system in f.systems:
            if system not in worst or rank[f.severity] < rank[worst[system]]:
                worst[system] = f.severity
    return worst


def _by_category(snap: ScenarioSnapshot) -> list[tuple[str, list[System]]]:
    order = {code: i for i, code in enumerate(snap.vocabulary.categories)}
    codes = sorted({s.category for s in snap.systems}, key=lambda c: (order.get(c, len(order)), c))
    return [(snap.vocabulary.categories.get(code, code), sorted((s for s in snap.systems if s.category == code),
                                                                key=lambda s: s.id)) for code in codes]


def _by_channel(snap: ScenarioSnapshot) -> list[tuple[str, list[System]]]:
    # A node sits in one cluster only: systems of several channels get a cluster of their own (their label
    # lists the channels), systems of none are the back office.
    known = snap.channel_by_id
    single: dict[int, list[System]] = {}
    several, none = [], []
    for system in sorted(snap.systems, key=lambda s: s.id):
        channels = sorted(c for c in system.channel_ids if c in known)
        if len(channels) == 1:
            single.setdefault(channels[0], []).append(system)
        elif channels:
            several.append(system)
        else:
            none.append(system)
    groups = [(known[c].name, single[c]) for c in sorted(single)]
    if several:
        groups.append(("Several channels", several))
    if none:
        groups.append(("No channel (back office)", none))
    return groups


def _channel_names(snap: ScenarioSnapshot, system: System) -> str:
    return ", ".join(snap.channel_by_id[c].name for c in sorted(system.channel_ids) if c in snap.channel_by_id)


def landscape(snap: ScenarioSnapshot, **options) -> str:
    """`landscape_figure` as DOT text."""
    return landscape_figure(snap, **options).dot()
