"""Every object of the engagement, loaded once up front (a few IN queries) and indexed for matching rows
and resolving references: by name, by ref and title, flows by their identifying key, ownership, trace links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services.catalog.fields import KINDS, Kind
from app.services.workbook.mapping import _COUNTER, _KIND_OF_MODEL
from models import DataFlow, Decision, DecisionParticipant, Element, Engagement, Scenario, TraceLink, name_key


class EngagementIndex:
    """The engagement's objects, indexed; the import adds what it creates so later rows find it."""

    def __init__(self, session: Session, engagement: Engagement) -> None:
        """Load and index every object of the engagement."""
        eid = engagement.id
        scenarios = list(session.scalars(select(Scenario).where(Scenario.engagement_id == eid)))
        self.baseline = next((s for s in scenarios if s.is_baseline), None)
        self.by_name: dict[str, dict[str, Any]] = {"scenario": {s.name_key: s for s in scenarios}}
        self.refs: dict[type, dict[int, Any]] = {Scenario: {s.id: s for s in scenarios}}
        self.all: dict[str, list[Element]] = {}
        for kind, spec in KINDS.items():
            rows = list(session.scalars(_query(spec, eid)))
            self.all[kind] = rows
            if spec.named:
                self.by_name[kind] = {e.name_key: e for e in rows}
            if spec.model in _KIND_OF_MODEL:
                self.refs[spec.model] = {e.id: e for e in rows}
        self.flows: dict[tuple, list[DataFlow]] = {}
        self.flows_between: dict[tuple[int, int], list[DataFlow]] = {}
        for f in self.all["flow"]:
            self.flows.setdefault(_flow_key(f), []).append(f)
            self.flows_between.setdefault((f.source_id, f.target_id), []).append(f)
        self.flow_used: dict[tuple, int] = {}
        self.ownerships = {(o.system_id, o.entity_id, o.role): o for o in self.all["ownership"]}
        self.by_ref: dict[str, dict[str, Any]] = {}
        self.by_title: dict[str, dict[str, list[Any]]] = {}
        self.counter_start: dict[str, int] = {}
        self.numbers_used: dict[str, set[int]] = {}
        for kind in ("requirement", "decision"):
            self.by_ref[kind] = {e.ref.upper(): e for e in self.all[kind] if e.ref}
            self.by_title[kind] = {}
            for e in self.all[kind]:
                self.by_title[kind].setdefault(name_key(e.name), []).append(e)
            self.counter_start[kind] = getattr(engagement, _COUNTER[kind])
            self.numbers_used[kind] = {e.number for e in self.all[kind]}
        self.links: dict[tuple[str, int, int], int] = {}
        self.link_ends: dict[tuple[str, bool, int], set[int]] = {}  # (kind, from the source?, id) -> other ends
        for link in session.scalars(select(TraceLink).where(TraceLink.engagement_id == eid)):
            self.index_link(link.kind, link.source_id, link.target_id, link.id)

    def index_link(self, kind: str, source: int, target: int, link_id: int) -> None:
        """Index one trace link by its kind and ends, both ways."""
        self.links[(kind, source, target)] = link_id
        self.link_ends.setdefault((kind, True, source), set()).add(target)
        self.link_ends.setdefault((kind, False, target), set()).add(source)


def _query(spec: Kind, engagement_id: int):
    """Every element of a kind with what matching, comparing and snapshotting touch, in a few IN queries."""
    options = []
    if spec.in_scenarios:
        options.append(selectinload(spec.model.scenarios))
    for f in spec.fields:
        if f.type == "tags":
            options.append(selectinload(spec.model.tag_rows))
        elif f.type == "participants" and f.attr == "decider":
            options.append(selectinload(Decision.participants).selectinload(DecisionParticipant.stakeholder))
        elif f.type in ("ref", "refs") and f.name != "scenario_ids":
            options.append(selectinload(getattr(spec.model, f.attr or f.name)))
    return select(spec.model).where(spec.model.engagement_id == engagement_id).order_by(spec.model.id).options(*options)


def _flow_key(flow: DataFlow) -> tuple:
    return (flow.source_id, flow.target_id, frozenset(e.id for e in flow.entities), flow.pattern, flow.via_id)
