"""Report sections of ATP and oversell-replay runs (docs/atp.md), built from the runs' stored metrics."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.services.reports.engine_format import (
    TOP_ROWS,
    _cap,
    _count,
    _money,
    _notes,
    _pct,
    _plural,
    _result,
    _seconds,
    _share,
)
from exports import charts
from exports.report_model import Branding, EngineResult, Figure, Table
from models import EngineRun


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
