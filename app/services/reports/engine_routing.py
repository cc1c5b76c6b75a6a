"""Report sections of order-routing runs (docs/routing.md): one strategy's figures beside its peers on the same data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.reports.engine_format import TOP_ROWS, _count, _money, _notes, _num, _pct, _plural, _result, _share
from exports import charts
from exports.report_model import Branding, EngineResult, Figure, Table
from models import EngineRun


def _routing(session: Session, run: EngineRun, branding: Branding) -> EngineResult:
    m = run.metrics
    params = run.parameters or {}
    cost, util = m.get("cost", {}), m.get("utilisation", {})
    promise = (params.get("cost_model") or {}).get("max_distance_km")
    unfilled: dict[str, int] = m.get("unfilled", {})
    dist = m.get("distance_km", {})
    headline = [("Strategy", str(params.get("strategy", "—"))), ("Orders", _count(m.get("orders"))),
                (f"Lines filled ({_count(m.get('filled'))} of {_count(m.get('lines'))})", _pct(m.get("fill_rate"))),
                ("Split rate", _pct(m.get("split_rate"))),
                ("Shipments per order", _num(m.get("shipments_per_order"), 2)),
                ("Total cost", _money(cost.get("total"))), ("Cost per order", _money(m.get("cost_per_order"))),
                ("Shipped from stores", _pct(m.get("from_stores"))),
                _promise(promise, m, unfilled),
                *_promise_dates_headline(m),
                ("Nodes at capacity", _count(util.get("nodes_at_capacity")))]
    figures, notes = [], list(_notes(m))
    peers = _strategy_peers(session, run)
    if len(peers) > 1:
        names = [f"{p.parameters.get('strategy')} (run {p.id})" for p in peers]
        figures.append(Figure(charts.bar_chart(names, [p.metrics.get("cost_per_order", 0) for p in peers],
                                               title="Cost per order by strategy", colour=branding.primary_colour,
                                               value_format=_money),
                              "The latest run of each strategy on the same scenario and order data."))
        figures.append(Figure(charts.grouped_bar_chart(
            names, {"Fill rate": [100 * p.metrics.get("fill_rate", 0) for p in peers],
                    "Split rate": [100 * p.metrics.get("split_rate", 0) for p in peers],
                    "From stores": [100 * p.metrics.get("from_stores", 0) for p in peers]},
            title="Service by strategy", unit="%",
            colours=[branding.primary_colour, branding.accent_colour, charts.PALETTE[2]]),
            "Fill rate, share of orders split and share of shipments from stores, per strategy."))
    else:
        notes.append("No run of another strategy on the same scenario and order data to compare with.")
    by_channel: dict[str, dict[str, Any]] = m.get("by_channel", {})
    if by_channel:
        channels = list(by_channel)
        figures.append(Figure(charts.grouped_bar_chart(
            channels, {"Fill rate": [100 * by_channel[c]["fill_rate"] for c in channels],
                       "Split rate": [100 * by_channel[c]["split_rate"] for c in channels],
                       "From stores": [100 * by_channel[c]["from_stores"] for c in channels]},
            title="Per channel", unit="%", colours=[branding.primary_colour, branding.accent_colour,
                                                   charts.PALETTE[2]]),
            "Fill rate, split rate and share shipped from stores per channel."))
    tables = [Table(("Cost", "Amount"), (
        ("Shipping", _money(cost.get("shipping"))), ("Handling", _money(cost.get("handling"))),
        ("Split penalty", _money(cost.get("split_penalty"))),
        ("Unfilled penalty", _money(cost.get("unfilled_penalty"))), ("Total", _money(cost.get("total"))),
        ("Mean distance (km)", _num(dist.get("mean"))), ("95th percentile distance (km)", _num(dist.get("p95"))),
        ("Mean node utilisation", _pct(util.get("mean"))), ("Max node utilisation", _pct(util.get("max"))),
    ), caption="Cost and network", numeric=(1,))]
    dates = m.get("promise")
    if dates:
        tables.append(Table(("Promise dates", "Value"), (
            ("Filled lines on time", f"{_count(dates['on_time'])} of {_count(dates['lines'])}"),
            ("On-time rate", _pct(dates["on_time_rate"])), ("Late lines", _count(dates["late"])),
            ("Line-days late", _count(dates["late_line_days"])), ("Late cost", _money(dates["late_cost"])),
            *((f"Late lines, {c}", f"{_count(x['late'])} of {_count(x['lines'])}")
              for c, x in dates.get("by_channel", {}).items()),
        ), caption="Promise dates: predicted delivery (cut-off, transit days by distance) against the promise",
            numeric=(1,)))
    if unfilled:
        tables.append(Table(("Reason", "Unfilled lines"),
                            tuple((k.replace("_", " "), _count(v)) for k, v in
                                  sorted(unfilled.items(), key=lambda kv: -kv[1])),
                            caption="Unfilled lines by reason", numeric=(1,)))
    if by_channel:
        tables.append(Table(("Channel", "Lines", "Filled", "Orders", "Shipments", "Split rate", "From stores"),
                            tuple((c, _count(x["lines"]), _pct(x["fill_rate"]), _count(x["groups"]),
                                   _count(x["shipments"]), _pct(x["split_rate"]), _pct(x["from_stores"]))
                                  for c, x in by_channel.items()),
                            caption="Per channel", numeric=(1, 2, 3, 4, 5, 6)))
    nodes = sorted(m.get("nodes", []), key=lambda n: (-n.get("shipments", 0), str(n.get("id"))))
    busy = [n for n in nodes if n.get("shipments")][:TOP_ROWS]
    if busy:
        tables.append(Table(("Node", "Type", "Shipments", "Units", "Peak orders/day", "Capacity", "Days at capacity"),
                            tuple((str(n["id"]), str(n.get("type", "")), _count(n["shipments"]), _count(n["units"]),
                                   _count(n.get("peak_load")),
                                   _count(n["capacity"]) if n.get("capacity", -1) >= 0 else "—",
                                   _count(n.get("days_at_capacity"))) for n in busy),
                            caption=f"Busiest nodes (top {len(busy)} of {len(nodes)})", numeric=(2, 3, 4, 5, 6)))
    if not m.get("trusted", True):
        notes.insert(0, f"The strategy broke {_plural(len(m.get('violations', [])), 'constraint')}; its figures are "
                        f"not to be trusted.")
    return _result(run, _routing_summary(run, peers, promise, unfilled), headline, figures, tables, notes)


def _promise(promise: Any, m: dict[str, Any], unfilled: dict[str, int]) -> tuple[str, str]:
    """Share of lines not lost to the distance promise (routing never ships beyond it), or "none set"."""
    if promise is None:
        return "Delivery promise (max distance)", "none set"
    missed = int(unfilled.get("max_distance", 0))
    lines = int(m.get("lines", 0))
    return f"Delivery promise met (≤ {_num(promise, 0)} km)", _pct(_share(lines - missed, lines))


def _promise_dates_headline(m: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """"Delivered on promise" when the run had promise dates, else nothing."""
    dates = m.get("promise")
    if not dates:
        return ()
    return (("Filled lines on promise date", _pct(dates.get("on_time_rate"))),)


def _strategy_peers(session: Session, run: EngineRun) -> list[EngineRun]:
    """This run and the latest done run of each other strategy on the same scenario and order data."""
    candidates = session.scalars(
        select(EngineRun).where(EngineRun.engagement_id == run.engagement_id, EngineRun.kind == "routing",
                                EngineRun.scenario_id == run.scenario_id, EngineRun.status == "done",
                                EngineRun.id != run.id).order_by(EngineRun.id.desc()))
    mine = (run.parameters or {}).get("strategy")
    peers: dict[str, EngineRun] = {mine: run}
    for other in candidates:
        strategy = (other.parameters or {}).get("strategy")
        if strategy not in peers and other.metrics and other.dataset_versions == run.dataset_versions:
            peers[strategy] = other
    return [run] + sorted((p for s, p in peers.items() if s != mine), key=lambda p: p.parameters.get("strategy"))


def _routing_summary(run: EngineRun, peers: list[EngineRun], promise: Any, unfilled: dict[str, int]) -> str:
    m = run.metrics
    strategy = run.parameters.get("strategy")
    cost = m.get("cost", {})
    lines = _plural(int(m.get("lines", 0)), "order line")
    sentences = [f"The {strategy} strategy filled {_pct(m.get('fill_rate'))} of {lines} "
                 f"for {_plural(int(m.get('orders', 0)), 'order')} at {_money(cost.get('total'))} in total "
                 f"({_money(m.get('cost_per_order'))} per order); {_pct(m.get('split_rate'))} of orders shipped in "
                 f"more than one parcel and {_pct(m.get('from_stores'))} of shipments left from stores."]
    if unfilled:
        reason, count = max(unfilled.items(), key=lambda kv: kv[1])
        sentences.append(f"{_plural(sum(unfilled.values()), 'line')} could not be filled, mostly for "
                         f"{reason.replace('_', ' ')} ({count:,}).")
    if promise is not None and unfilled.get("max_distance"):
        sentences.append(f"The {_num(promise, 0)} km delivery promise cost "
                         f"{_plural(unfilled['max_distance'], 'line')}.")
    dates = m.get("promise")
    if dates and dates.get("late"):
        sentences.append(f"{_plural(int(dates['late']), 'filled line')} {'is' if dates['late'] == 1 else 'are'} "
                         f"predicted after {'its' if dates['late'] == 1 else 'their'} promised date "
                         f"({_count(dates['late_line_days'])} line-days late, {_money(dates['late_cost'])}).")
    elif dates:
        sentences.append("Every filled line is predicted to arrive by its promised date.")
    if len(peers) > 1:
        cost = {p.id: round(float(p.metrics.get("cost_per_order", 0)), 2) for p in peers}
        cheapest = min(peers, key=lambda p: cost[p.id])
        if len(set(cost.values())) == 1:
            sentences.append(f"The {len(peers)} strategies run on the same data cost the same per order.")
        elif cost[run.id] == cost[cheapest.id]:
            sentences.append(f"It is the cheapest of the {len(peers)} strategies run on the same data.")
        else:
            saving = _share(run.metrics["cost_per_order"] - cheapest.metrics["cost_per_order"],
                            run.metrics["cost_per_order"])
            sentences.append(f"The {cheapest.parameters.get('strategy')} strategy costs {_pct(saving, 0)} less per "
                             f"order on the same data.")
    return " ".join(sentences)
