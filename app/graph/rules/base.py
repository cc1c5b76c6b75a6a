"""What a rule is and what it finds; rules register themselves here in import order."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from app.graph.model import ScenarioGraph

SEVERITIES = ("critical", "high", "medium", "info")  # most severe first


@dataclass(frozen=True)
class Finding:
    """One problem in a scenario: which rule, how bad, what it means, what to do, and what it involves.

    `key` identifies the same problem in another scenario (rule id + the ids of the objects at fault), so
    comparisons can tell resolved, introduced and persisting findings apart. `path` is an ordered list of
    system ids when the problem is a path or a cycle; `metrics` holds the figures behind it.
    """

    rule_id: str
    severity: str
    key: str
    title: str
    explanation: str
    remedy: str
    systems: tuple[int, ...] = ()
    flows: tuple[int, ...] = ()
    entities: tuple[int, ...] = ()
    channels: tuple[int, ...] = ()
    requirements: tuple[int, ...] = ()
    decisions: tuple[int, ...] = ()
    path: tuple[int, ...] = ()
    metrics: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}), hash=False)


Check = Callable[[ScenarioGraph], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A check with a stable id and a default severity (an engagement may override both switch and weight)."""

    id: str
    severity: str
    title: str
    description: str
    check: Check


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: str, title: str, description: str) -> Callable[[Check], Check]:
    """Register a check under a stable id."""
    if severity not in SEVERITIES or rule_id in RULES:
        raise ValueError(f"bad rule registration: {rule_id} ({severity})")

    def register(check: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, severity, title, description, check)
        return check

    return register


def finding(rule_id: str, key: str, title: str, explanation: str, remedy: str, **objects) -> Finding:
    """A finding of a registered rule at its default severity; `key` is made unique by the rule id."""
    metrics = objects.pop("metrics", None)
    tupled = {name: tuple(ids) for name, ids in objects.items()}
    return Finding(
        rule_id,
        RULES[rule_id].severity,
        f"{rule_id}:{key}",
        title,
        explanation,
        remedy,
        metrics=MappingProxyType(dict(metrics or {})),
        **tupled,
    )


def names(graph: ScenarioGraph, ids: Iterable[int]) -> str:
    """Readable, comma-separated names for element ids."""
    return ", ".join(graph.snapshot.name_of(i) for i in ids)
