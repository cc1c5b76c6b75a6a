"""A tiny builder for hand-made scenarios: name things, get a ScenarioSnapshot with predictable ids."""

from __future__ import annotations

from dataclasses import replace
from itertools import count

from app.graph import snapshot as s
from app.graph.model import ScenarioGraph, build_graph

CATEGORIES = {"oms": "OMS", "erp": "ERP", "ecommerce": "E-commerce platform", "pos": "POS", "wms": "WMS",
              "ipaas": "iPaaS / ESB", "crm": "CRM", "custom": "Custom"}
PATTERNS = {"api": "API request/response", "event": "Event / stream", "batch": "Batch file", "manual": "Manual"}


class Model:
    """Build a scenario by names: `m.system("ERP")`, `m.flow("ERP", "Web shop", "Inventory")`, `m.graph()`."""

    def __init__(self, scenario_id: int = 1, name: str = "Test scenario"):
        self._ids = count(100)
        self.scenario_id, self.name = scenario_id, name
        self.ids: dict[str, int] = {}
        self.systems: dict[str, s.System] = {}
        self.channels: dict[str, s.Channel] = {}
        self.entities: dict[str, s.Entity] = {}
        self.flows: list[s.Flow] = []
        self.ownerships: list[s.Ownership] = []
        self.requirements: list[s.Requirement] = []
        self.decisions: list[s.Decision] = []
        self.links: list[s.TraceLink] = []

    def _new(self, name: str) -> int:
        if name in self.ids:
            raise ValueError(f"{name} already exists")
        self.ids[name] = next(self._ids)
        return self.ids[name]

    def __getitem__(self, name: str) -> int:
        return self.ids[name]

    def channel(self, name: str, customer_facing: bool = True) -> Model:
        self.channels[name] = s.Channel(self._new(name), name, customer_facing)
        return self

    def entity(self, name: str, time_critical: bool = False) -> Model:
        self.entities[name] = s.Entity(self._new(name), name, time_critical)
        return self

    def system(self, name: str, category: str = "custom", *, channels=(), lifecycle: str = "active",
               owned: bool = True) -> Model:
        for c in channels:
            if c not in self.channels:
                self.channel(c)
        self.systems[name] = s.System(self._new(name), name, category, lifecycle, owned,
                                      frozenset(self.ids[c] for c in channels))
        return self

    def flow(self, source: str, target: str, *entities: str, pattern: str = "api", latency: float | None = 1.0,
             worst: float | None = None, via: str | None = None, two_way: bool = False, name: str | None = None
             ) -> int:
        for e in entities:
            if e not in self.entities:
                self.entity(e, time_critical=e in ("Inventory", "Price", "Order"))
        for system in (source, target, via):
            if system is not None and system not in self.systems:
                self.system(system)
        flow_id = self._new(name or f"flow {source}->{target} {len(self.flows)}")
        self.flows.append(s.Flow(
            flow_id, self.ids[source], self.ids[target], frozenset(self.ids[e] for e in entities), pattern, latency,
            latency if worst is None else worst, self.ids[via] if via else None, "two_way" if two_way else "one_way"))
        return flow_id

    def owns(self, system: str, entity: str, role: str = "sor") -> Model:
        if entity not in self.entities:
            self.entity(entity, time_critical=entity in ("Inventory", "Price", "Order"))
        if system not in self.systems:
            self.system(system)
        self.ownerships.append(s.Ownership(next(self._ids), self.ids[system], self.ids[entity], role))
        return self

    def requirement(self, ref: str, acceptance: str = "", priority: str = "should", status: str = "agreed",
                    title: str = "") -> Model:
        self.requirements.append(s.Requirement(self._new(ref), ref, title or ref, priority, status, acceptance))
        return self

    def decision(self, ref: str, status: str = "accepted") -> Model:
        self.decisions.append(s.Decision(self._new(ref), ref, ref, status))
        return self

    def link(self, kind: str, source: str, target: str) -> Model:
        self.links.append(s.TraceLink(kind, self.ids[source], self.ids[target]))
        return self

    def without_flow(self, flow_id: int) -> Model:
        self.flows = [f for f in self.flows if f.id != flow_id]
        return self

    def retime(self, flow_id: int, latency: float, worst: float) -> Model:
        self.flows = [replace(f, latency=latency, worst_latency=worst) if f.id == flow_id else f for f in self.flows]
        return self

    def snapshot(self) -> s.ScenarioSnapshot:
        return s.ScenarioSnapshot(
            scenario_id=self.scenario_id,
            scenario_name=self.name,
            systems=tuple(self.systems.values()),
            channels=tuple(self.channels.values()),
            entities=tuple(self.entities.values()),
            flows=tuple(self.flows),
            ownerships=tuple(self.ownerships),
            requirements=tuple(self.requirements),
            decisions=tuple(self.decisions),
            links=tuple(self.links),
            vocabulary=s.Vocabulary(CATEGORIES, PATTERNS),
        )

    def graph(self) -> ScenarioGraph:
        return build_graph(self.snapshot())


def retail() -> Model:
    """ERP masters stock and sends it nightly through middleware to the web shop; the POS serves stores."""
    m = Model()
    m.channel("Web").channel("Mobile app").channel("Stores").channel("Store associate app", customer_facing=False)
    m.entity("Inventory", time_critical=True).entity("Price", time_critical=True).entity("Order", time_critical=True)
    m.entity("Customer").entity("Product")
    m.system("ERP", "erp").system("ESB", "ipaas")
    m.system("Web shop", "ecommerce", channels=["Web", "Mobile app"]).system("POS", "pos", channels=["Stores"])
    m.owns("ERP", "Inventory").owns("ERP", "Price").owns("ERP", "Order").owns("Web shop", "Inventory", "replica")
    return m
