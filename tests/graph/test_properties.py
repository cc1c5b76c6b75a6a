"""Properties that must hold on any model: monotone freshness, and symmetric, empty-on-itself comparisons."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.graph import snapshot as s
from app.graph.compare import compare
from app.graph.freshness import LATENCY_UNKNOWN, freshness_table
from app.graph.model import build_graph

SYSTEMS = list(range(1, 8))
CHANNELS = [s.Channel(20, "Web"), s.Channel(21, "Stores"), s.Channel(22, "Back office", customer_facing=False)]
ENTITIES = [s.Entity(30, "Inventory", True), s.Entity(31, "Price", True), s.Entity(32, "Customer")]
LATENCIES = [None, 0.0, 1.0, 60.0, 3600.0, 86400.0]
PATTERNS = ["api", "event", "batch", "manual"]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def flows(draw, first_id: int = 100) -> s.Flow:
    source, target = draw(st.lists(st.sampled_from(SYSTEMS), min_size=2, max_size=2, unique=True))
    via = draw(st.one_of(st.none(), st.sampled_from([x for x in SYSTEMS if x not in (source, target)])))
    typical = draw(st.sampled_from(LATENCIES))
    worst = None if typical is None else typical * draw(st.sampled_from([1, 2, 10]))
    return s.Flow(
        draw(st.integers(first_id, first_id + 10_000)), source, target,
        frozenset(draw(st.sets(st.sampled_from([e.id for e in ENTITIES]), min_size=1))),
        draw(st.sampled_from(PATTERNS)), typical, worst, via, draw(st.sampled_from(["one_way", "two_way"])),
    )


@st.composite
def snapshots(draw, scenario_id: int = 1) -> s.ScenarioSnapshot:
    systems = tuple(
        s.System(i, f"System {i}", draw(st.sampled_from(["erp", "oms", "pos", "ecommerce"])),
                 draw(st.sampled_from(["active", "retiring"])), draw(st.booleans()),
                 frozenset(draw(st.sets(st.sampled_from([c.id for c in CHANNELS]), max_size=2))))
        for i in SYSTEMS
    )
    drawn = draw(st.lists(flows(), max_size=12, unique_by=lambda f: f.id))
    ownerships = tuple(
        s.Ownership(200 + n, system, entity, role)
        for n, (system, entity, role) in enumerate(sorted(draw(st.sets(
            st.tuples(st.sampled_from(SYSTEMS), st.sampled_from([e.id for e in ENTITIES]),
                      st.sampled_from(["sor", "replica", "writes", "reads"])), max_size=8))))
    )
    requirements = (s.Requirement(300, "REQ-1", "Fresh stock", "must", "agreed",
                                  "freshness(inventory, web) <= 1h\nreachable(inventory, stores -> oms)"),)
    return s.ScenarioSnapshot(scenario_id, f"Scenario {scenario_id}", systems, tuple(CHANNELS), tuple(ENTITIES),
                              tuple(drawn), ownerships, requirements)


def staleness(row) -> tuple:
    """Order freshness results from fresh to stale: known by worst latency, then unknown latency, then no path."""
    if row.known:
        return (0, row.worst_latency)
    return (1, 0) if row.reason == LATENCY_UNKNOWN else (2, 0)


def table(snapshot: s.ScenarioSnapshot) -> dict:
    return {(r.entity_id, r.channel_id): r for r in freshness_table(build_graph(snapshot))}


@FAST
@given(snapshots(), flows(first_id=50_000))
def test_adding_a_flow_never_makes_any_channel_staler(snapshot, extra):
    before = table(snapshot)
    after = table(replace(snapshot, flows=snapshot.flows + (extra,)))
    for pair, row in before.items():
        assert staleness(after[pair]) <= staleness(row), pair


@FAST
@given(snapshots(), st.data())
def test_removing_a_flow_never_makes_any_channel_fresher(snapshot, data):
    if not snapshot.flows:
        return
    gone = data.draw(st.sampled_from(snapshot.flows))
    before = table(snapshot)
    after = table(replace(snapshot, flows=tuple(f for f in snapshot.flows if f is not gone)))
    for pair, row in before.items():
        assert staleness(after[pair]) >= staleness(row), pair


@FAST
@given(snapshots(), st.data())
def test_making_a_flow_faster_never_makes_any_channel_staler(snapshot, data):
    if not snapshot.flows:
        return
    slow = data.draw(st.sampled_from(snapshot.flows))
    faster = replace(slow, latency=0.0, worst_latency=0.0)
    before = table(snapshot)
    after = table(replace(snapshot, flows=tuple(faster if f is slow else f for f in snapshot.flows)))
    for pair, row in before.items():
        assert staleness(after[pair]) <= staleness(row), pair


@FAST
@given(snapshots())
def test_a_scenario_compared_with_itself_has_an_empty_diff(snapshot):
    graph = build_graph(snapshot)
    result = compare(graph, graph)
    assert result.empty and result.metrics_a == result.metrics_b


@FAST
@given(snapshots(scenario_id=1), snapshots(scenario_id=2))
def test_the_diff_from_b_to_a_is_the_reverse_of_the_diff_from_a_to_b(a, b):
    ga, gb = build_graph(a), build_graph(b)
    forward, backward = compare(ga, gb), compare(gb, ga)
    assert backward == forward.reversed()
    assert set(forward.model.flows.added) == set(backward.model.flows.removed)
    assert {f.key for f in forward.findings.resolved} == {f.key for f in backward.findings.introduced}
