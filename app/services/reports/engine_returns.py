"""Report sections of returns runs (docs/returns.md): acceptance where brought, the channel matrix, refusals by
reason, refunds, restock delay per channel, the policy flags, and the other scenarios' latest runs beside it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services.reports.engine_format import _count, _notes, _num, _pct, _plural, _result
from exports import charts
from exports.report_model import Branding, EngineResult, Figure, Table
from models import EngineRun


def _returns(session: Session, run: EngineRun, branding: Branding) -> EngineResult:
    m = run.metrics
    reasons: dict[str, int] = m.get("refused_by_reason", {})
    refunds: dict[str, int] = m.get("refunds", {})
    headline = [("Returns", _count(m.get("returns"))),
                ("Accepted where brought", _pct(m.get("acceptance_rate"))),
                ("Refused: no order visibility", _count(reasons.get("no_order_visibility"))),
                ("Refused: out of window", _count(reasons.get("out_of_window"))),
                ("Refunded to the original tender", _count(refunds.get("original_tender"))),
                ("Store credit", _count(refunds.get("store_credit"))), ("Exchanges", _count(refunds.get("exchange"))),
                ("Policy flags", _count(len(m.get("conflicts", []))))]
    figures = []
    peers = _scenario_peers(session, run)
    by_channel = m.get("by_return_channel", {})
    channels = sorted({c for p in peers for c in p.metrics.get("by_return_channel", {})})
    if channels:
        figures.append(Figure(charts.grouped_bar_chart(
            channels, {p.scenario.name: [100 * p.metrics.get("by_return_channel", {}).get(c, {}).get(
                "acceptance_rate", 0.0) for c in channels] for p in peers},
            title="Returns accepted where brought, per return channel", unit="%",
            colours=[branding.primary_colour, branding.accent_colour, *charts.PALETTE[2:]]),
            "This run" + (" beside the latest run of each other scenario." if len(peers) > 1 else ".")))
    if any(reasons.values()):
        figures.append(Figure(charts.bar_chart([k.replace("_", " ") for k in reasons], list(reasons.values()),
                                               title="Refused returns by reason", colour=branding.primary_colour),
                              "Each refused return counts once, under the first reason that applies."))
    tables = [Table(("Bought on", "Brought to", "Returns", "Accepted"),
                    tuple((o, r, _count(c["returns"]), _count(c["accepted"]))
                          for o, row in m.get("matrix", {}).items() for r, c in row.items()),
                    caption="Original × return channel", numeric=(2, 3))]
    delays = m.get("restock_delay_hours", {})
    if delays:
        tables.append(Table(("Selling channel", "Units seen again", "Mean hours", "Worst hours", "Never seen"),
                            tuple((c, _count(d["units"]), _num(d["mean_hours"]), _num(d["worst_hours"]),
                                   _count(d["never_units"])) for c, d in delays.items()),
                            caption="Restock delay: from the return until the channel sells the unit again",
                            numeric=(1, 2, 3, 4)))
    if by_channel:
        tables.append(Table(("Return channel", "Returns", "Accepted", "Share"),
                            tuple((c, _count(x["returns"]), _count(x["accepted"]), _pct(x["acceptance_rate"]))
                                  for c, x in by_channel.items()), caption="Per return channel", numeric=(1, 2, 3)))
    notes = [*(f"Flag: {c}" for c in m.get("conflicts", [])), *_notes(m)]
    return _result(run, _summary(run, peers), headline, figures, tables, notes)


def _scenario_peers(session: Session, run: EngineRun) -> list[EngineRun]:
    """This run and the latest done returns run of each other scenario on the same returns data."""
    candidates = session.scalars(
        select(EngineRun).where(EngineRun.engagement_id == run.engagement_id, EngineRun.kind == "returns",
                                EngineRun.status == "done", EngineRun.scenario_id != run.scenario_id)
        .options(selectinload(EngineRun.scenario)).order_by(EngineRun.id.desc()))
    peers: dict[int, EngineRun] = {run.scenario_id: run}
    for other in candidates:
        if other.scenario_id not in peers and other.metrics and other.dataset_versions == run.dataset_versions:
            peers[other.scenario_id] = other
    return list(peers.values())


def _summary(run: EngineRun, peers: list[EngineRun]) -> str:
    m = run.metrics
    reasons = {k: v for k, v in m.get("refused_by_reason", {}).items() if v}
    sentences = [f"Of {_plural(int(m.get('returns', 0)), 'return')}, {_pct(m.get('acceptance_rate'))} are accepted "
                 "where the customer brings them."]
    if reasons:
        reason, count = max(reasons.items(), key=lambda kv: kv[1])
        sentences.append(f"{_plural(sum(reasons.values()), 'return')} are refused, mostly for "
                         f"{reason.replace('_', ' ')} ({count:,}).")
    if m.get("conflicts"):
        sentences.append(m["conflicts"][0])
    for other in peers[1:]:
        blind = int(other.metrics.get("refused_by_reason", {}).get("no_order_visibility", 0))
        sentences.append(f"{other.scenario.name} accepts {_pct(other.metrics.get('acceptance_rate'))} "
                         f"({_plural(blind, 'return')} refused for want of an order path).")
    return " ".join(sentences)
