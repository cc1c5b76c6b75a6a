"""Run the rule suite on a scenario, honouring an engagement's switches and severity overrides."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from app.graph.model import ScenarioGraph
from app.graph.rules import RULES, SEVERITIES, Finding, Rule

__all__ = ["RULES", "SEVERITIES", "Finding", "FindingsReport", "Rule", "RuleSetting", "parse_settings",
           "run_findings"]


@dataclass(frozen=True)
class RuleSetting:
    """A rule as an engagement has it: on or off, and its severity (the rule's default unless overridden)."""

    rule_id: str
    enabled: bool
    severity: str
    overridden: bool = False


def parse_settings(raw: Mapping[str, Any] | None) -> dict[str, RuleSetting]:
    """Every rule's setting from `Engagement.settings["rules"]`; unknown ids and bad values fall back to defaults."""
    raw = raw if isinstance(raw, Mapping) else {}
    out: dict[str, RuleSetting] = {}
    for rule_id, rule in RULES.items():
        entry = raw.get(rule_id)
        entry = entry if isinstance(entry, Mapping) else {}
        enabled = entry.get("enabled", True)
        severity = entry.get("severity")
        override = severity in SEVERITIES and severity != rule.severity
        out[rule_id] = RuleSetting(
            rule_id, enabled if isinstance(enabled, bool) else True, severity if override else rule.severity, override
        )
    return out


@dataclass(frozen=True)
class FindingsReport:
    """The findings of one scenario, most severe first, and the rules that were switched off."""

    findings: tuple[Finding, ...]
    disabled: tuple[str, ...] = ()

    @property
    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity present (0 when none)."""
        tally = Counter(f.severity for f in self.findings)
        return {s: tally.get(s, 0) for s in SEVERITIES}

    def by_rule(self, rule_id: str) -> tuple[Finding, ...]:
        """The findings of one rule."""
        return tuple(f for f in self.findings if f.rule_id == rule_id)

    @property
    def keys(self) -> frozenset[str]:
        """Stable keys of all findings."""
        return frozenset(f.key for f in self.findings)


def run_findings(
    graph: ScenarioGraph,
    settings: Mapping[str, RuleSetting] | None = None,
    rule_ids: Iterable[str] | None = None,
) -> FindingsReport:
    """Run the enabled rules (all, or those named) and apply severity overrides."""
    settings = settings if settings is not None else parse_settings(None)
    wanted = list(rule_ids) if rule_ids is not None else list(RULES)
    unknown = [r for r in wanted if r not in RULES]
    if unknown:
        raise KeyError(f"unknown rule(s): {', '.join(unknown)}")
    found: list[Finding] = []
    disabled: list[str] = []
    for rule_id in wanted:
        setting = settings.get(rule_id)
        if setting is not None and not setting.enabled:
            disabled.append(rule_id)
            continue
        severity = setting.severity if setting is not None else RULES[rule_id].severity
        for f in RULES[rule_id].check(graph):
            found.append(f if f.severity == severity else replace(f, severity=severity))
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    found.sort(key=lambda f: (rank[f.severity], f.rule_id, f.key))
    return FindingsReport(tuple(found), tuple(disabled))
