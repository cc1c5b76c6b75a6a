"""Analysis core: a scenario as a graph, and the findings, freshness, impact, criteria and comparisons on it.

Pure Python on networkx: no Flask, no SQLAlchemy, no models. `app.services.analysis.scenario` builds the
`ScenarioSnapshot` from the database; web views and diagram renderers use the result dataclasses directly.
"""

from app.graph.compare import Comparison, compare, metrics
from app.graph.criteria import CriteriaReport, CriterionResult, RequirementCriteria, evaluate_all, evaluate_criterion
from app.graph.findings import RULES, SEVERITIES, Finding, FindingsReport, RuleSetting, parse_settings, run_findings
from app.graph.freshness import ChannelFreshness, channel_freshness, freshness_table
from app.graph.impact import Impact, ImpactedSystem, flow_impact, system_impact
from app.graph.model import Hop, ScenarioGraph, Step, build_graph
from app.graph.paths import Path
from app.graph.snapshot import ScenarioSnapshot

__all__ = [
    "RULES",
    "SEVERITIES",
    "ChannelFreshness",
    "Comparison",
    "CriteriaReport",
    "CriterionResult",
    "Finding",
    "FindingsReport",
    "Hop",
    "Impact",
    "ImpactedSystem",
    "Path",
    "RequirementCriteria",
    "RuleSetting",
    "ScenarioGraph",
    "ScenarioSnapshot",
    "Step",
    "build_graph",
    "channel_freshness",
    "compare",
    "evaluate_all",
    "evaluate_criterion",
    "flow_impact",
    "freshness_table",
    "metrics",
    "parse_settings",
    "run_findings",
    "system_impact",
]
