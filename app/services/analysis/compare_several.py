"""Two or more scenarios side by side: headline figures, criteria verdicts and findings per scenario, and each
scenario against the first (the baseline of the comparison): membership, findings, criteria and values.

The first scenario named is the baseline; every other one is compared with it (`app.graph.compare` for
model, findings and criteria, `value_diff` for the values field by field).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.graph.compare import Comparison, Metrics, compare, metrics
from app.graph.criteria import FAIL, PASS, CriteriaReport
from app.graph.findings import Finding, FindingsReport
from app.graph.units import format_duration
from app.services.analysis.scenario import Analysis, analyse
from app.services.analysis.value_diff import ValueDiff, value_diffs
from app.services.errors import ValidationError
from models import Engagement, Scenario


@dataclass(frozen=True)
class Column:
    """One scenario of the comparison with its figures, findings and criteria."""

    analysis: Analysis
    metrics: Metrics
    findings: FindingsReport
    criteria: CriteriaReport

    @property
    def scenario(self) -> Scenario:
        """The scenario of this column."""
        return self.analysis.scenario


@dataclass(frozen=True)
class CriteriaRow:
    """A requirement whose verdict is not the same in every scenario (None: no executable criteria there)."""

    requirement_id: int
    ref: str
    statuses: tuple[str | None, ...]

    @property
    def flip(self) -> bool:
        """True when it passes in one scenario and fails in another."""
        return {PASS, FAIL} <= set(self.statuses)


@dataclass(frozen=True)
class FindingRow:
    """A finding that some scenarios have and others not (True: that scenario has it)."""

    finding: Finding
    present: tuple[bool, ...]


@dataclass(frozen=True)
class SeveralComparison:
    """Columns in the order asked, and each scenario after the first against the first."""

    columns: tuple[Column, ...]
    pairs: tuple[Comparison, ...]  # the first against columns[1], columns[2]…
    values: tuple[ValueDiff, ...]  # the same pairs, field by field

    @property
    def baseline(self) -> Column:
        """The first scenario, the one the others are compared with."""
        return self.columns[0]

    def metric_rows(self) -> list[tuple[str, tuple[object, ...]]]:
        """Headline figures, one value per scenario, as (label, values)."""
        ms = [c.metrics for c in self.columns]
        rows: list[tuple[str, tuple[object, ...]]] = [
            (label, tuple(getattr(m, name) for m in ms)) for label, name in (
                ("Systems", "systems"), ("Flows", "flows"), ("Integrations (system pairs)", "integrations"),
                ("Point-to-point pairs", "point_to_point"),
                ("Entities with several systems of record", "sor_conflicts"),
                ("Entities in use without a system of record", "sor_missing"),
            )
        ]
        rows += [(f"Findings: {severity}", tuple(m.findings.get(severity, 0) for m in ms))
                 for severity in ms[0].findings]
        names = self.columns[0].analysis.snapshot
        for channel in sorted(set().union(*(m.inventory_freshness.keys() for m in ms))):
            rows.append((f"Inventory freshness on {names.name_of(channel)} (worst)",
                         tuple(format_duration(m.inventory_freshness.get(channel)) for m in ms)))
        return rows

    def criteria_rows(self) -> list[CriteriaRow]:
        """Requirements whose verdict differs between the scenarios, in requirement order."""
        order: dict[int, str] = {}
        for c in self.columns:
            for r in c.criteria.requirements:
                order.setdefault(r.requirement_id, r.ref)
        rows = [CriteriaRow(rid, ref, tuple(c.criteria.status_of(rid) for c in self.columns))
                for rid, ref in order.items()]
        return [r for r in rows if len(set(r.statuses)) > 1]

    def finding_rows(self) -> list[FindingRow]:
        """Findings not found in every scenario, in the order the scenarios list them."""
        keys = [c.findings.keys for c in self.columns]
        seen: dict[str, Finding] = {}
        for c in self.columns:
            for f in c.findings.findings:
                seen.setdefault(f.key, f)
        rows = [FindingRow(f, tuple(k in ks for ks in keys)) for k, f in seen.items()]
        return [r for r in rows if not all(r.present)]


def compare_several(
    session: Session, engagement: Engagement, scenarios: Sequence[Scenario | str | int]
) -> SeveralComparison:
    """Compare two or more scenarios (ids, names or rows), the first being the baseline."""
    if len(scenarios) < 2:
        raise ValidationError({"scenarios": "Name at least two scenarios to compare."})
    loaded = [analyse(session, engagement, s) for s in scenarios]
    settings = loaded[0].settings
    columns = []
    for a in loaded:
        findings = a.findings()
        columns.append(Column(a, metrics(a.graph, findings), findings, a.criteria()))
    pairs = tuple(compare(loaded[0].graph, other.graph, settings) for other in loaded[1:])
    return SeveralComparison(tuple(columns), pairs, value_diffs(session, [a.scenario for a in loaded]))
