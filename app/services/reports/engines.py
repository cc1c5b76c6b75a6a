"""Engine results for the report: the stored runs a consultant may pick, and each run as an `EngineResult`.

Everything is read from the stored `EngineRun.metrics` (docs/atp.md, docs/routing.md, docs/identity.md) —
nothing is recomputed — so the report shows the figures the run pages showed. Summaries are built from those
figures; charts come from `exports.charts` in the engagement's branding colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services.errors import NotFound, ValidationError
from exports import charts
from exports.report_model import Branding, EngineResult, Figure, Table
from models import Engagement, EngineRun

REPORT_KINDS = ("atp", "replay", "routing", "identity")
KIND_TITLES = {"atp": "Available to promise", "replay": "Oversell replay", "routing": "Order routing",
               "identity": "Customer identity"}
TOP_ROWS = 10  # rows of "top" tables (SKUs, locations, nodes) in print
MAX_RUNS = 20  # runs per report: each brings several pages


@dataclass(frozen=True)
class RunChoice:
    """A finished run the consultant can put in a report."""

    id: int
    kind: str
    label: str
    scenario: str
    finished_at: datetime | None


def available_runs(session: Session, engagement: Engagement, limit: int = 200) -> list[RunChoice]:
    """Done runs of the engagement (ATP, replay, routing, identity), newest first."""
    runs = session.scalars(
        select(EngineRun).where(EngineRun.engagement_id == engagement.id, EngineRun.status == "done",
                                EngineRun.kind.in_(REPORT_KINDS))
        .options(selectinload(EngineRun.scenario)).order_by(EngineRun.id.desc()).limit(limit)
    )
    return [RunChoice(id=r.id, kind=r.kind, label=run_label(r), scenario=r.scenario.name, finished_at=r.finished_at)
            for r in runs]


def run_label(run: EngineRun) -> str:
    """"Run 12 · Oversell replay · Target A · 2026-11-20 14:02" (routing adds its strategy)."""
    parts = [f"Run {run.id}", KIND_TITLES.get(run.kind, run.kind)]
    if run.kind == "routing" and (run.parameters or {}).get("strategy"):
        parts[-1] += f" ({run.parameters['strategy']})"
    parts.append(run.scenario.name)
    moment = run.finished_at or run.created_at
    if moment is not None:
        parts.append(moment.strftime("%Y-%m-%d %H:%M"))
    return " · ".join(parts)


def engine_results(session: Session, engagement: Engagement, run_ids: Sequence[int], *,
                   branding: Branding | None = None) -> list[EngineResult]:
    """The picked runs as report sections, in the order given (duplicates once).

    NotFound names an id that is not a run of this engagement; ValidationError names a run that is not done
    or not of a reportable kind, or an id that is not a number."""
    ids: list[int] = []
    for raw in run_ids:
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({"runs": f"Run id {raw!r} is not a number."}) from None
        if number not in ids:
            ids.append(number)
    if len(ids) > MAX_RUNS:
        raise ValidationError({"runs": f"At most {MAX_RUNS} runs per report ({len(ids)} picked)."})
    found = {r.id: r for r in session.scalars(
        select(EngineRun).where(EngineRun.id.in_(ids), EngineRun.engagement_id == engagement.id)
        .options(selectinload(EngineRun.scenario)))} if ids else {}
    for number in ids:
        run = found.get(number)
        if run is None:  # another engagement's run looks exactly like a missing one
            raise NotFound(f"No run {number} in this engagement.")
        if run.kind not in REPORT_KINDS:
            raise ValidationError({"runs": f"Run {number} is a {run.kind} run; reports show ATP, replay, routing "
                                           f"and identity runs."})
        if run.status != "done" or not run.metrics:
            raise ValidationError({"runs": f"Run {number} has not finished successfully (status: {run.status})."})
    if branding is None:
        from app.services.reports.branding import branding_for

        branding = branding_for(session, engagement)
    builders = {"atp": _atp, "replay": _replay, "routing": _routing, "identity": _identity}
    return [builders[found[i].kind](session, found[i], branding) for i in ids]


# --- formatting ----------------------------------------------------------------------------------------


def _count(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


def _pct(rate: Any, digits: int = 1) -> str:
    return "—" if rate is None else f"{float(rate) * 100:.{digits}f}%"


def _money(value: Any) -> str:
    return "—" if value is None else f"{float(value):,.2f}"


def _num(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"


def _seconds(value: Any) -> str:
    """A latency in words: 45 s, 5 min, 2 h, 1 d."""
    if value is None:
        return "—"
    seconds = float(value)
    for limit, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= limit:
            amount = seconds / limit
            return f"{amount:.0f} {unit}" if amount == int(amount) else f"{amount:.1f} {unit}"
    return f"{seconds:.0f} s"


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


def _cap(text: str) -> str:
    """A name opening a sentence gets a capital (channel and location types are lower-case codes)."""
    return text[:1].upper() + text[1:]


def _notes(metrics: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(n) for n in metrics.get("notes") or ())


def _result(run: EngineRun, summary: str, headline: list[tuple[str, str]], figures: list[Figure],
            tables: list[Table], notes: Sequence[str] = ()) -> EngineResult:
    title = KIND_TITLES[run.kind]
    if run.kind == "routing":
        title += f" — {(run.parameters or {}).get('strategy', '')}"
    return EngineResult(kind=run.kind, title=f"{title} — {run.scenario.name}", run_label=run_label(run),
                        scenario=run.scenario.name, summary=summary, headline=tuple(headline),
                        figures=tuple(figures), tables=tuple(tables), notes=tuple(notes))


# --- ATP -------------------------------------------------------------------------------------------------


def _atp(session: Session, run: EngineRun, branding: Branding) -> EngineResult:
    m = run.metrics
    on_hand, pool = int(m.get("on_hand_units", 0)), int(m.get("pool_units", 0))
    by_channel: dict[str, dict[str, Any]] = m.get("by_channel", {})
    by_type: dict[str, dict[str, Any]] = m.get("by_location_type", {})
    headline = [("SKUs", _count(m.get("skus"))), ("Locations", _count(m.get("nodes"))),
                ("Units on hand", _count(on_hand)), ("Units available to promise", _count(pool)),
                ("Share of stock promisable", _pct(_share(pool, on_hand))),
                ("Channels", _count(len(by_channel)))]
    figures = []
    channels = list(by_channel)
    if channels:
        figures.append(Figure(charts.grouped_bar_chart(
            channels, {"ATP units": [by_channel[c]["atp_units"] for c in channels],
                       "Ship units": [by_channel[c]["ship_units"] for c in channels]},
            title="Network ATP per channel", colours=[branding.primary_colour, branding.accent_colour]),
            "Units each channel may promise (all methods), and those it may ship."))
    if by_type:
        types = list(by_type)
        figures.append(Figure(charts.grouped_bar_chart(
            types, {"On hand": [by_type[t]["on_hand_units"] for t in types],
                    "ATP": [by_type[t]["atp_units"] for t in types]},
            title="Stock and ATP per location type", colours=[branding.primary_colour, branding.accent_colour]),
            "On-hand units and the units the rules make available to promise, per type of location."))
    tables = [
        Table(("Channel", "ATP units", "Ship units", "SKUs available", "Locations", "Ring-fenced units"),
              tuple((c, _count(x["atp_units"]), _count(x["ship_units"]), _count(x["skus_available"]),
                     _count(x["eligible_nodes"]), _count(x["reserved_units"])) for c, x in by_channel.items()),
              caption="Network ATP per channel", numeric=(1, 2, 3, 4, 5)),
        Table(("Location type", "Locations", "On hand", "ATP", "ATP share"),
              tuple((t, _count(x["nodes"]), _count(x["on_hand_units"]), _count(x["atp_units"]),
                     _pct(_share(x["atp_units"], x["on_hand_units"]))) for t, x in by_type.items()),
              caption="Per location type", numeric=(1, 2, 3, 4)),
    ]
    top = m.get("top_skus", [])[:TOP_ROWS]
    if top:
        tables.append(Table(("SKU", "Pool", *channels),
                            tuple((s["sku"], _count(s["pool"]), *(_count(s["atp"].get(c, 0)) for c in channels))
                                  for s in top),
                            caption=f"The {len(top)} SKUs with the most stock",
                            numeric=tuple(range(1, 2 + len(channels)))))
    sentences = [f"Of {_count(on_hand)} units on hand across {_plural(int(m.get('nodes', 0)), 'location')}, "
                 f"{_count(pool)} ({_pct(_share(pool, on_hand))}) can be promised under this scenario's rules."]
    if channels:
        ranked = sorted(channels, key=lambda c: by_channel[c]["atp_units"], reverse=True)
        best, worst = ranked[0], ranked[-1]
        sentences.append(f"{_cap(best)} can promise the most ({_count(by_channel[best]['atp_units'])} units over "
                         f"{_plural(by_channel[best]['skus_available'], 'SKU')})"
                         + (f"; {worst} the least ({_count(by_channel[worst]['atp_units'])} units over "
                            f"{_plural(by_channel[worst]['skus_available'], 'SKU')})." if worst != best else "."))
        fenced = sum(x["reserved_units"] for x in by_channel.values())
        if fenced:
            sentences.append(f"{_count(fenced)} units are ring-fenced for particular channels.")
    if by_type and on_hand:
        biggest = max(by_type, key=lambda t: by_type[t]["on_hand_units"])
        share = _pct(_share(by_type[biggest]["on_hand_units"], on_hand), 0)
        sentences.append(f"{_cap(biggest)} locations hold {share} of the stock.")
    return _result(run, " ".join(sentences), headline, figures, tables, _notes(m))


# --- oversell replay -------------------------------------------------------------------------------------


def _replay(session: Session, run: EngineRun, branding: Branding) -> EngineResult:
    m = run.metrics
    t = m.get("totals", {})
    by_channel: dict[str, dict[str, Any]] = m.get("by_channel", {})
    latency: dict[str, dict[str, Any]] = (run.parameters or {}).get("latency", {})
    lines = int(t.get("lines", 0))
    # tiles: short values, the detail in the label
    headline = [("Order lines", _count(lines)), ("Accepted", _pct(t.get("availability_rate"))),
                ("Oversold rate", _pct(t.get("oversold_rate"), 2)),
                (f"Oversold lines ({_count(t.get('oversold_units'))} units)", _count(t.get("oversold"))),
                ("Phantom stock-out rate", _pct(t.get("phantom_rate"), 2)),
                ("Phantom stock-outs (lines)", _count(t.get("phantom"))),
                ("Refused lines", _count(t.get("refused")))]
    if t.get("oversold_value") is not None:
        headline.append(("Value oversold", _money(t["oversold_value"])))
    if t.get("phantom_value") is not None:
        headline.append(("Value lost to phantom stock-outs", _money(t["phantom_value"])))
    channels = list(by_channel)
    figures = []
    if channels:
        figures.append(Figure(charts.grouped_bar_chart(
            channels, {"Oversold": [100 * by_channel[c]["oversold_rate"] for c in channels],
                       "Phantom stock-out": [100 * by_channel[c]["phantom_rate"] for c in channels]},
            title="Oversold and phantom stock-out rate per channel", unit="%",
            colours=[branding.accent_colour, branding.primary_colour]),
            "Share of each channel's order lines accepted without stock to cover them (oversold) and refused "
            "although stock was there (phantom)."))
    if channels:
        # accepted includes oversold and refused includes phantom (docs/atp.md): split them into four outcomes
        outcomes = {
            "Served": [by_channel[c]["accepted"] - by_channel[c]["oversold"] for c in channels],
            "Oversold": [by_channel[c]["oversold"] for c in channels],
            "Phantom stock-out": [by_channel[c]["phantom"] for c in channels],
            "Refused, no stock": [by_channel[c]["refused"] - by_channel[c]["phantom"] for c in channels],
        }
        figures.append(Figure(charts.stacked_bar(
            channels, outcomes, title="What happened to each channel's order lines", normalise=True,
            colours=[branding.primary_colour, branding.accent_colour, charts.PALETTE[3], "#b0b0b0"]),
            "Shares of each channel's lines: served from stock, oversold, refused although stock was there, "
            "refused with no stock."))
    days = _daily_oversold(m.get("by_day", []))
    if days:
        labels = list(days)
        figures.append(Figure(charts.column_chart(labels, [days[d] for d in labels], title="Oversold lines per day",
                                                  colour=branding.accent_colour),
                              "Oversold order lines per day, all channels."))
    locations = m.get("top_locations", [])[:TOP_ROWS]
    if locations:
        figures.append(Figure(charts.bar_chart([loc["location_id"] for loc in locations],
                                               [loc["oversold_lines"] for loc in locations],
                                               title="Locations behind oversells", colour=branding.primary_colour),
                              "Oversold lines by the location whose stale stock figure overstated stock the most."))
    tables = [Table(
        ("Channel", "Stock latency", "Lines", "Accepted", "Oversold", "Oversold units", "Phantom", "Refused",
         "Value oversold"),
        tuple((c, _seconds(latency.get(c, {}).get("seconds", m.get("latency_seconds", {}).get(c))),
               _count(x["lines"]), _pct(x["availability_rate"]),
               f"{_count(x['oversold'])} ({_pct(x['oversold_rate'], 2)})", _count(x["oversold_units"]),
               f"{_count(x['phantom'])} ({_pct(x['phantom_rate'], 2)})", _count(x["refused"]),
               _money(x.get("oversold_value"))) for c, x in by_channel.items()),
        caption="Per channel", numeric=(1, 2, 3, 4, 5, 6, 7, 8))]
    skus = m.get("top_skus", [])[:TOP_ROWS]
    if skus:
        tables.append(Table(("SKU", "Oversold lines", "Units short", "Phantom lines"),
                            tuple((s["sku"], _count(s["oversold_lines"]), _count(s["oversold_units"]),
                                   _count(s["phantom_lines"])) for s in skus),
                            caption="SKUs behind oversells", numeric=(1, 2, 3)))
    if locations:
        tables.append(Table(("Location", "Oversold lines", "Units short"),
                            tuple((loc["location_id"], _count(loc["oversold_lines"]), _count(loc["oversold_units"]))
                                  for loc in locations),
                            caption="Locations behind oversells", numeric=(1, 2)))
    sentences = [f"Replaying {_plural(lines, 'order line')} against stock as each channel saw it, "
                 f"{_pct(t.get('oversold_rate'), 2)} ({_plural(int(t.get('oversold', 0)), 'line')}, "
                 f"{_plural(int(t.get('oversold_units', 0)), 'unit')}) were accepted without stock to cover them "
                 f"and {_pct(t.get('phantom_rate'), 2)} ({_plural(int(t.get('phantom', 0)), 'line')}) were refused "
                 f"although stock was there."]
    if channels:
        worst = max(channels, key=lambda c: (by_channel[c]["oversold_rate"], by_channel[c]["oversold"]))
        if by_channel[worst]["oversold"]:
            lag = latency.get(worst, {}).get("seconds", m.get("latency_seconds", {}).get(worst))
            sentences.append(f"{_cap(worst)} oversells most: {_pct(by_channel[worst]['oversold_rate'], 2)} of its lines"
                             + (f", with stock figures {_seconds(lag)} old." if lag is not None else "."))
        else:
            sentences.append("No channel oversold.")
    if skus and skus[0]["oversold_lines"]:
        sentences.append(f"SKU {skus[0]['sku']} is behind the most oversold lines ({skus[0]['oversold_lines']:,}).")
    return _result(run, " ".join(sentences), headline, figures, tables, _notes(m))


def _daily_oversold(by_day: list[dict[str, Any]]) -> dict[str, int]:
    """Oversold lines per day over all channels (days with lines only), in date order."""
    out: dict[str, int] = {}
    for row in by_day:
        if row.get("lines"):
            out[str(row["date"])] = out.get(str(row["date"]), 0) + int(row.get("oversold", 0))
    return dict(sorted(out.items()))


# --- routing ---------------------------------------------------------------------------------------------


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


# --- identity --------------------------------------------------------------------------------------------


def _identity(session: Session, run: EngineRun, branding: Branding) -> EngineResult:
    m = run.metrics
    records, real = int(m.get("records", 0)), int(m.get("real_customers", 0))
    matched = int(m.get("matched_records", records))
    overlap = m.get("overlap", {})
    systems: list[str] = list(overlap.get("systems", []))
    matrix: dict[str, dict[str, int]] = overlap.get("matrix", {})
    duplicate: dict[str, float] = m.get("duplicate_rate", {})
    quality: dict[str, dict[str, Any]] = m.get("quality", {})
    multi = sum(v for k, v in overlap.get("by_count", {}).items() if int(k) > 1)
    headline = [("Records", _count(records)), ("Real customers", _count(real)),
                ("Records per customer", _num(_share(matched, real), 2)),
                (f"Customers in 2+ systems ({_count(multi)})", _pct(_share(multi, real))),
                ("Systems", _count(len(systems))), ("Pairs to review", _count(m.get("review")))]
    figures = []
    if systems:
        figures.append(Figure(charts.bar_chart(systems, [100 * duplicate.get(s, 0) for s in systems],
                                               title="Duplicate rate per system", unit="%",
                                               colour=branding.accent_colour),
                              "Share of each system's records that duplicate another record of the same system."))
        figures.append(Figure(charts.heatmap(systems, systems, [[matrix.get(a, {}).get(b, 0) for b in systems]
                                                                for a in systems],
                                             title="Customers shared between systems",
                                             colour=branding.primary_colour),
                              "Real customers found in both systems (diagonal: customers in that system)."))
    by_count = overlap.get("by_count", {})
    if by_count:
        keys = sorted(by_count, key=int)
        figures.append(Figure(charts.bar_chart([_plural(int(k), "system") for k in keys], [by_count[k] for k in keys],
                                               title="Real customers by number of systems",
                                               colour=branding.primary_colour),
                              "How many systems each real customer appears in."))
    tables = []
    if systems:
        tables.append(Table(("", *systems), tuple((a, *(_count(matrix.get(a, {}).get(b, 0)) for b in systems))
                                                  for a in systems),
                            caption="Cross-system overlap (real customers)", numeric=tuple(range(1, len(systems) + 1))))
        tables.append(Table(("System", "Records", "Duplicated", "Invalid emails", "Invalid phones",
                             "Invalid birth dates", "Test records"),
                            tuple((s, _count(quality.get(s, {}).get("records")), _pct(duplicate.get(s)),
                                   _count(quality.get(s, {}).get("invalid_email")),
                                   _count(quality.get(s, {}).get("invalid_phone")),
                                   _count(quality.get(s, {}).get("invalid_birth_date")),
                                   _count(quality.get(s, {}).get("test_records"))) for s in systems),
                            caption="Data quality per system", numeric=(1, 2, 3, 4, 5, 6)))
        fields = list((quality.get(systems[0], {}) or {}).get("fill_rate", {}))
        if fields:
            tables.append(Table(("Field", *systems),
                                tuple((f.replace("_", " "), *(_pct(quality.get(s, {}).get("fill_rate", {}).get(f), 0)
                                                              for s in systems)) for f in fields),
                                caption="Fill rate per field", numeric=tuple(range(1, len(systems) + 1))))
    left_out = f" ({records - matched:,} test records left out)" if matched != records else ""
    sentences = [f"{_plural(records, 'customer record')} in {_plural(len(systems), 'system')}{left_out} describe "
                 f"{_plural(real, 'real customer')}: {_num(_share(matched, real), 2)} records per customer."]
    if duplicate:
        worst = max(systems, key=lambda s: duplicate.get(s, 0))
        if duplicate.get(worst, 0) > 0:
            sentences.append(f"{_cap(worst)} is the most duplicated: {_pct(duplicate[worst], 0)} of its records "
                             f"duplicate another {worst} record.")
        else:
            sentences.append("No system holds duplicates of its own records.")
    if real:
        sentences.append(f"{_pct(_share(multi, real), 0)} of customers appear in more than one system.")
    pairs = [(a, b, _share(matrix[a][b], matrix[a][a])) for a in systems for b in systems
             if a != b and matrix.get(a, {}).get(a)]
    if pairs:
        a, b, share = max(pairs, key=lambda p: p[2])
        if share > 0:
            sentences.append(f"The largest overlap: {_pct(share, 0)} of {a} customers are also in {b}.")
    invalid = {s: sum(int(quality.get(s, {}).get(k, 0)) for k in ("invalid_email", "invalid_phone",
                                                                  "invalid_birth_date")) for s in systems}
    if invalid and max(invalid.values()) > 0:
        worst_q = max(invalid, key=invalid.get)
        sentences.append(f"{_cap(worst_q)} has the most invalid contact data ({_plural(invalid[worst_q], 'value')}).")
    notes = [f"Left out of this scenario (its system is not in it): {name} ({system})." if system else
             f"Left out of this scenario: {name}." for name, system in
             ((run.parameters or {}).get("left_out") or {}).items()]
    notes += [str(f.get("text", "")) if isinstance(f, dict) else str(f) for f in m.get("findings") or ()]
    return _result(run, " ".join(sentences), headline, figures, tables, notes)
