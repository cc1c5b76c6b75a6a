"""Analysis of a scenario from the database: snapshot loading, rule settings, and the analyses of app.graph.

The snapshot takes a fixed handful of column queries whatever the size of the model (no N+1): the
scenario's member systems, flows (with their entities) and ownerships, and the engagement-wide channels,
entities, requirements (with their channels), decisions and trace links. Decisions tied to another
scenario are left out; those with no scenario apply to every scenario.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.graph import snapshot as snap
from app.graph.compare import Comparison, compare
from app.graph.criteria import CriteriaReport, evaluate_all
from app.graph.findings import RULES, SEVERITIES, FindingsReport, RuleSetting, parse_settings, run_findings
from app.graph.freshness import ChannelFreshness, freshness_table
from app.graph.impact import Impact, flow_impact, system_impact
from app.graph.model import ScenarioGraph, build_graph
from app.graph.names import match_name
from app.services.analysis import cache
from app.services.catalog.scenario_values import overrides_of
from app.services.errors import NotFound, ValidationError
from models import (
    Channel,
    DataEntity,
    DataFlow,
    Decision,
    Element,
    Engagement,
    Ownership,
    Requirement,
    Scenario,
    System,
    TraceLink,
    element_channels,
    flow_entities,
    scenario_members,
)
from models.vocab import FLOW_PATTERNS, OWNERSHIP_ROLES, SYSTEM_CATEGORIES

VOCABULARY = snap.Vocabulary(categories=SYSTEM_CATEGORIES, patterns=FLOW_PATTERNS, roles=OWNERSHIP_ROLES)


# --- scenarios and snapshots ----------------------------------------------------------------------


def find_scenario(session: Session, engagement: Engagement, ident: str | int | None = None) -> Scenario:
    """The scenario named (id, or name matched loosely), or the current state when none is given."""
    scenarios = session.scalars(
        select(Scenario).where(Scenario.engagement_id == engagement.id).order_by(Scenario.id)
    ).all()
    if ident is None or ident == "":
        found = next((s for s in scenarios if s.is_baseline), None)
        if found is None:
            raise NotFound("This engagement has no current-state scenario.")
        return found
    text = str(ident).strip()
    if text.isdigit():
        by_id = next((s for s in scenarios if s.id == int(text)), None)
        if by_id is not None:
            return by_id
    # Picking the wrong scenario silently would mislead: partial names must be unique, not just closest.
    match = match_name(text, ((s.id, s.name) for s in scenarios), closest=False)
    if match.ok:
        return next(s for s in scenarios if s.id == match.key)
    if match.candidates:
        raise ValidationError({"scenario": match.message("scenario")})
    raise NotFound(f"No scenario {text!r} in this engagement.")


def load_snapshot(session: Session, scenario: Scenario) -> snap.ScenarioSnapshot:
    """Read one scenario's model into plain dataclasses (a fixed number of queries)."""
    eid = scenario.engagement_id
    members = select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario.id)

    channels_of: dict[int, set[int]] = defaultdict(set)  # systems' and requirements' channels
    for element_id, channel_id in session.execute(
        select(element_channels.c.element_id, element_channels.c.channel_id)
        .join(Element, Element.id == element_channels.c.element_id)
        .where(Element.engagement_id == eid)
    ):
        channels_of[element_id].add(channel_id)

    systems = tuple(
        snap.System(r.id, r.name, r.category, r.lifecycle, r.owner_id is not None, frozenset(channels_of[r.id]))
        for r in session.execute(
            select(System.id, System.name, System.category, System.lifecycle, System.owner_id)
            .where(System.engagement_id == eid, System.id.in_(members))
            .order_by(System.id)
        )
    )
    carried: dict[int, set[int]] = defaultdict(set)
    for flow_id, entity_id in session.execute(
        select(flow_entities.c.flow_id, flow_entities.c.entity_id).where(flow_entities.c.flow_id.in_(members))
    ):
        carried[flow_id].add(entity_id)
    flows = tuple(
        snap.Flow(r.id, r.source_id, r.target_id, frozenset(carried[r.id]), r.pattern, r.latency_seconds,
                  r.worst_latency_seconds, r.via_id, r.direction)
        for r in session.execute(
            select(DataFlow.id, DataFlow.source_id, DataFlow.target_id, DataFlow.pattern, DataFlow.latency_seconds,
                   DataFlow.worst_latency_seconds, DataFlow.via_id, DataFlow.direction)
            .where(DataFlow.engagement_id == eid, DataFlow.id.in_(members))
            .order_by(DataFlow.id)
        )
    )
    ownerships = tuple(
        snap.Ownership(*row)
        for row in session.execute(
            select(Ownership.id, Ownership.system_id, Ownership.entity_id, Ownership.role)
            .where(Ownership.engagement_id == eid, Ownership.id.in_(members))
            .order_by(Ownership.id)
        )
    )
    channels = tuple(
        snap.Channel(*row)
        for row in session.execute(
            select(Channel.id, Channel.name, Channel.customer_facing).where(Channel.engagement_id == eid)
            .order_by(Channel.id)
        )
    )
    entities = tuple(
        snap.Entity(*row)
        for row in session.execute(
            select(DataEntity.id, DataEntity.name, DataEntity.time_critical).where(DataEntity.engagement_id == eid)
            .order_by(DataEntity.id)
        )
    )
    requirements = tuple(
        snap.Requirement(r.id, r.ref, r.name, r.priority, r.status, r.acceptance or "", frozenset(channels_of[r.id]))
        for r in session.execute(
            select(Requirement.id, Requirement.ref, Requirement.name, Requirement.priority, Requirement.status,
                   Requirement.acceptance)
            .where(Requirement.engagement_id == eid)
            .order_by(Requirement.number)
        )
    )
    decisions = tuple(
        snap.Decision(*row)
        for row in session.execute(
            select(Decision.id, Decision.ref, Decision.name, Decision.status)
            .where(
                Decision.engagement_id == eid,
                or_(Decision.scenario_id.is_(None), Decision.scenario_id == scenario.id),
            )
            .order_by(Decision.number)
        )
    )
    links = tuple(
        snap.TraceLink(*row)
        for row in session.execute(
            select(TraceLink.kind, TraceLink.source_id, TraceLink.target_id)
            .where(TraceLink.engagement_id == eid)
            .order_by(TraceLink.id)
        )
    )
    systems, flows, ownerships = _in_scenario(overrides_of(session, scenario.id), systems, flows, ownerships)
    return snap.ScenarioSnapshot(
        scenario_id=scenario.id,
        scenario_name=scenario.name,
        systems=systems,
        channels=channels,
        entities=entities,
        flows=flows,
        ownerships=ownerships,
        requirements=requirements,
        decisions=decisions,
        links=links,
        vocabulary=VOCABULARY,
    )


def _in_scenario(own: dict[int, dict], systems, flows, ownerships):
    """The snapshot's systems, flows and ownerships with the values the scenario holds of its own."""
    if not own:
        return systems, flows, ownerships

    def system(s: snap.System) -> snap.System:
        v = own.get(s.id)
        if not v:
            return s
        return replace(s, category=v.get("category", s.category), lifecycle=v.get("lifecycle", s.lifecycle),
                       has_owner=(v["owner_id"] is not None) if "owner_id" in v else s.has_owner,
                       channel_ids=frozenset(v["channel_ids"]) if "channel_ids" in v else s.channel_ids)

    def flow(f: snap.Flow) -> snap.Flow:
        v = own.get(f.id)
        if not v:
            return f
        return replace(f, entity_ids=frozenset(v["entity_ids"]) if "entity_ids" in v else f.entity_ids,
                       pattern=v.get("pattern", f.pattern), latency=v.get("latency_seconds", f.latency),
                       worst_latency=v.get("worst_latency_seconds", f.worst_latency), via=v.get("via_id", f.via),
                       direction=v.get("direction", f.direction))

    def ownership(o: snap.Ownership) -> snap.Ownership:
        v = own.get(o.id)
        return replace(o, role=v["role"]) if v and "role" in v else o

    return tuple(map(system, systems)), tuple(map(flow, flows)), tuple(map(ownership, ownerships))


# --- rule settings --------------------------------------------------------------------------------


def rule_settings(engagement: Engagement) -> dict[str, RuleSetting]:
    """Every rule as this engagement has it (switched on or off, effective severity)."""
    return parse_settings((engagement.settings or {}).get("rules"))


def set_rule(
    session: Session,
    engagement: Engagement,
    rule_id: str,
    enabled: bool = True,
    severity: str | None = None,
    *,
    commit: bool = True,
) -> RuleSetting:
    """Switch a rule on or off and override its severity (None: the rule's default) for one engagement."""
    errors: dict[str, str] = {}
    if rule_id not in RULES:
        errors["rule"] = f"Unknown rule {rule_id!r}; known: {', '.join(sorted(RULES))}."
    if severity is not None and severity not in SEVERITIES:
        errors["severity"] = f"Must be one of: {', '.join(SEVERITIES)}."
    if not isinstance(enabled, bool):
        errors["enabled"] = "Must be true or false."
    if errors:
        raise ValidationError(errors)
    settings = dict(engagement.settings or {})
    rules = dict(settings.get("rules") or {})
    effective = severity or RULES[rule_id].severity
    if enabled and effective == RULES[rule_id].severity:
        rules.pop(rule_id, None)  # back to the default: keep the document small
    else:
        rules[rule_id] = {"enabled": enabled, "severity": effective}
    settings["rules"] = rules
    engagement.settings = settings  # a new dict: the JSON column does not track in-place changes
    if commit:
        session.commit()
    return rule_settings(engagement)[rule_id]


# --- analyses -------------------------------------------------------------------------------------


@dataclass
class Analysis:
    """One scenario loaded for analysis, with name lookups for the command line and the web views."""

    engagement: Engagement
    scenario: Scenario
    graph: ScenarioGraph
    # Where results of this revision are kept (None: computed every time, e.g. while a write is uncommitted).
    slot: cache.Slot | None = field(default=None, repr=False, compare=False)

    @property
    def snapshot(self) -> snap.ScenarioSnapshot:
        """The scenario's model as plain data."""
        return self.graph.snapshot

    @cached_property
    def settings(self) -> dict[str, RuleSetting]:
        """The engagement's rule settings."""
        return rule_settings(self.engagement)

    def findings(self) -> FindingsReport:
        """The rule suite with the engagement's settings."""
        # The settings are part of the key: the engagement row may have been read before the revision was.
        key = tuple(sorted((k, s.enabled, s.severity) for k, s in self.settings.items()))
        return self._cached(("findings", key), lambda: run_findings(self.graph, self.settings))

    def findings_all_rules(self) -> FindingsReport:
        """The rule suite with every rule on at its default severity (what a switched-off rule would find)."""
        return self._cached(("findings", "all rules"), lambda: run_findings(self.graph))

    def freshness(self, entity: str | None = None, channel: str | None = None) -> tuple[ChannelFreshness, ...]:
        """Freshness for every entity × channel pair, or the pairs of one named entity and/or channel."""
        entities = [self.entity_id(entity)] if entity else None
        channels = [self.channel_id(channel)] if channel else None
        return self._cached(("freshness", tuple(entities or ()), tuple(channels or ())),
                            lambda: freshness_table(self.graph, entities, channels))

    def criteria(self, requirement: str | None = None) -> CriteriaReport:
        """Every requirement's acceptance criteria, or one requirement's (by ref such as REQ-3, or id)."""
        reqs = self.snapshot.requirements
        if requirement:
            wanted = requirement.strip().casefold()
            reqs = tuple(r for r in reqs if r.ref.casefold() == wanted or str(r.id) == wanted)
            if not reqs:
                raise NotFound(f"No requirement {requirement!r} in this engagement.")
        return self._cached(("criteria", tuple(r.id for r in reqs) if requirement else ()),
                            lambda: evaluate_all(self.graph, reqs))

    def _cached(self, what: tuple, compute):
        return compute() if self.slot is None else self.slot.get(what, compute)

    def impact(
        self,
        system: str | None = None,
        *,
        flow: int | None = None,
        depth: int | None = None,
        entities: Iterable[str] = (),
    ) -> Impact:
        """Upstream and downstream of a system (id or name) or of a flow (id)."""
        if (system is None) == (flow is None):
            raise ValidationError({"origin": "Give either a system or a flow."})
        if depth is not None and depth < 0:
            raise ValidationError({"depth": "Must be 0 or more."})
        entity_ids = [self.entity_id(e) for e in entities] or None
        if flow is not None:
            if flow not in self.snapshot.flow_by_id:
                raise NotFound(f"No flow {flow} in scenario {self.scenario.name!r}.")
            return flow_impact(self.graph, flow, depth=depth, entity_ids=entity_ids)
        return system_impact(self.graph, self.system_id(system), depth=depth, entity_ids=entity_ids)

    def entity_id(self, name: str) -> int:
        """An entity by (loose) name or id."""
        return self._lookup(name, "entity", ((e.id, e.name) for e in self.snapshot.entities))

    def channel_id(self, name: str) -> int:
        """A channel by (loose) name or id."""
        return self._lookup(name, "channel", ((c.id, c.name) for c in self.snapshot.channels))

    def system_id(self, name: str) -> int:
        """A system of this scenario by (loose) name or id."""
        return self._lookup(name, "system", ((s.id, s.name) for s in self.snapshot.systems))

    def _lookup(self, name: str, what: str, options: Iterable[tuple[int, str]]) -> int:
        options = list(options)
        text = str(name).strip()
        if text.isdigit() and any(i == int(text) for i, _ in options):
            return int(text)
        match = match_name(text, options)
        if match.ok:
            return match.key
        if match.candidates:
            raise ValidationError({what: match.message(what)})
        raise NotFound(f"No {what} {text!r} in scenario {self.scenario.name!r}.")


def analyse(session: Session, engagement: Engagement, scenario: Scenario | str | int | None = None) -> Analysis:
    """Load a scenario (default: the current state) for analysis, from the cache when its revision is there."""
    if not isinstance(scenario, Scenario):
        scenario = find_scenario(session, engagement, scenario)
    elif scenario.engagement_id != engagement.id:
        raise NotFound("No such scenario in this engagement.")
    slot = cache.slot(session, engagement.id, scenario.id)
    if slot is None:
        return Analysis(engagement, scenario, build_graph(load_snapshot(session, scenario)))
    return Analysis(engagement, scenario, slot.get(("graph",), lambda: build_graph(load_snapshot(session, scenario))),
                    slot)


def compare_scenarios(
    session: Session, engagement: Engagement, a: Scenario | str | int, b: Scenario | str | int
) -> tuple[Analysis, Analysis, Comparison]:
    """Compare two scenarios of an engagement (A before, B after) under the engagement's rule settings."""
    first, second = analyse(session, engagement, a), analyse(session, engagement, b)
    return first, second, compare(first.graph, second.graph, first.settings)
