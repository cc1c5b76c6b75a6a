"""Report sections of customer identity runs (docs/identity.md), built from the runs' stored metrics."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.services.engines.identity import datasets_read, read_label
from app.services.reports.engine_format import _cap, _count, _num, _pct, _plural, _result, _share
from exports import charts
from exports.report_model import Branding, EngineResult, Figure, Table
from models import EngineRun


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
    low = int((m.get("customers_range") or {}).get("low", real))  # runs stored before the range: one figure
    headline = [("Records", _count(records)), ("Real customers", _count(real)),
                ("Records per customer", _num(_share(matched, real), 2)),
                *([("Real customers, if name-only pairs merged", _count(low))] if low < real else []),
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
    if low < real:  # the pairs held because only the name (and city) agrees, merged where they would merge
        sentences.append(f"Customers between {_count(low)} and {_count(real)}: the lower figure merges the pairs "
                         f"held for review because only the name agrees.")
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
    notes = ["Extracts read: " + "; ".join(map(read_label, datasets_read(run))) + "."]
    notes += [f"Left out of this scenario (its system is not in it): {name} ({system})." if system else
             f"Left out of this scenario: {name}." for name, system in
             ((run.parameters or {}).get("left_out") or {}).items()]
    notes += [str(f.get("text", "")) if isinstance(f, dict) else str(f) for f in m.get("findings") or ()]
    return _result(run, " ".join(sentences), headline, figures, tables, notes)
