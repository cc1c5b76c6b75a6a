"""The vectorised ATP engine agrees with a plain, SKU-by-SKU reference of the documented rules on random
networks, stock and rule sets (levels, reservations, in-transit window, distribution groups, network
deductions, online threshold, segments)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engines.atp import (
    DAY,
    NO_DATE,
    DistributionGroup,
    GroupAssignment,
    Reservation,
    Rules,
    SafetyStock,
    Segment,
    locations_from_rows,
    network_atp,
    stock_from_rows,
)

TYPES = ("store", "dc")
SKUS = ("A1", "A2", "B1")
NODES = ("N0", "N1", "N2")
NODE_TYPES = ("dc", "store", "store")
CHANNELS = ("web", "amazon")


def held(spec: SafetyStock | None, on_hand: int) -> int:
    if spec is None:
        return 0
    if spec.quantity is not None:
        return spec.quantity
    return math.ceil(max(on_hand, 0) * spec.percent / 100 - 1e-9)


def most_specific(rules_levels, sku: str, node: int) -> SafetyStock | None:
    default, by_type, by_location, by_group, by_sku = rules_levels
    group = "a" if sku.startswith("A") else None
    for table, key in ((by_sku, sku), (by_group, group), (by_location, NODES[node]), (by_type, NODE_TYPES[node])):
        if key in table:
            return table[key]
    return default


def reference(rules: Rules, rows: dict[tuple[str, int], tuple[int, int, int]], as_of: int):
    safety = (rules.safety_default, dict(rules.safety_by_type), dict(rules.safety_by_location),
              dict(rules.safety_by_sku_group), dict(rules.safety_by_sku))
    buffer = (rules.threshold_default, dict(rules.thresholds), dict(rules.threshold_by_location),
              dict(rules.threshold_by_sku_group), dict(rules.threshold_by_sku))
    live = [r for r in rules.reservations if r.expires_at is None or r.expires_at > as_of]
    node_atp = {}
    for (sku, node), (on_hand, transit, eta) in rows.items():
        value = on_hand - held(most_specific(safety, sku, node), on_hand)
        value -= held(most_specific(buffer, sku, node), on_hand)
        value -= sum(r.quantity for r in live if r.sku == sku and r.location == NODES[node])
        if as_of - rules.in_transit_past_due_days * DAY <= eta <= as_of + rules.in_transit_horizon_days * DAY:
            value += transit - math.ceil(transit * rules.in_transit_discount_percent / 100 - 1e-9)
        node_atp[sku, node] = max(value, 0)
    groups = {d.name: d for d in rules.distribution_groups}
    out = {}
    for sku in SKUS:
        deducted = sum(r.quantity for r in live if r.sku == sku and r.location is None)
        deducted += dict(rules.brokering_queue).get(sku, 0)
        pool = max(sum(v for (s, _), v in node_atp.items() if s == sku) - deducted, 0)
        remaining, reserved = pool, {}
        for seg in rules.segments:
            want = seg.quantity if seg.quantity is not None else math.floor(pool * seg.percent / 100 + 1e-9)
            reserved[seg.name] = min(want, remaining)
            remaining -= reserved[seg.name]
        for channel in CHANNELS:
            assigned = [a for a in rules.group_assignments if a.channel == channel]
            nodes = range(len(NODES))
            if assigned:
                g = groups[assigned[0].group]
                nodes = [n for n in nodes if NODE_TYPES[n] in g.location_types]
            total = sum(node_atp.get((sku, n), 0) for n in nodes) - deducted
            if rules.online_threshold is not None and channel in rules.online_channels:
                total -= held(rules.online_threshold, max(total, 0))
            total = max(total, 0)
            if rules.segments:
                own = sum(reserved[s.name] for s in rules.segments if channel in s.channels)
                only = any(s.consumption == "segment_only" for s in rules.segments if channel in s.channels)
                total = min(total, own + (0 if only else remaining))
            out[sku, channel] = total
    return out


def spec():
    return st.one_of(st.builds(SafetyStock, quantity=st.integers(0, 4)),
                     st.builds(SafetyStock, percent=st.sampled_from([0.0, 12.5, 25.0, 33.3333, 50.0])))


@st.composite
def cases(draw):
    rows = {}
    for sku in SKUS:
        for node in range(len(NODES)):
            if draw(st.booleans()):
                rows[sku, node] = (draw(st.integers(0, 30)), draw(st.integers(0, 9)),
                                   draw(st.sampled_from([NO_DATE, 0, 3 * DAY, 8 * DAY, 12 * DAY])))
    level_maps = lambda keys: st.dictionaries(st.sampled_from(keys), spec(), max_size=2).map(  # noqa: E731
        lambda d: tuple(d.items()))
    rules = Rules(
        channels=CHANNELS, sku_groups=(("a", ("A*",)),),
        safety_default=draw(st.none() | spec()), safety_by_type=draw(level_maps(TYPES)),
        safety_by_location=draw(level_maps(NODES)), safety_by_sku_group=draw(level_maps(("a",))),
        safety_by_sku=draw(level_maps(SKUS)),
        threshold_default=draw(st.none() | spec()), thresholds=draw(level_maps(TYPES)),
        threshold_by_location=draw(level_maps(NODES)), threshold_by_sku_group=draw(level_maps(("a",))),
        threshold_by_sku=draw(level_maps(SKUS)),
        online_threshold=draw(st.none() | spec()), online_channels=("web",),
        brokering_queue=tuple((s, draw(st.integers(0, 5))) for s in SKUS if draw(st.booleans())),
        reservations=tuple(Reservation(draw(st.sampled_from(SKUS)), draw(st.integers(1, 5)),
                                       draw(st.sampled_from([None, *NODES])),
                                       draw(st.sampled_from([None, 5 * DAY, 20 * DAY])))
                           for _ in range(draw(st.integers(0, 4)))),
        in_transit=True, in_transit_horizon_days=draw(st.integers(0, 5)),
        in_transit_past_due_days=draw(st.integers(0, 5)),
        in_transit_discount_percent=draw(st.sampled_from([0.0, 10.0, 50.0])),
        distribution_groups=(DistributionGroup("dcs", frozenset({"dc"})),),
        group_assignments=(GroupAssignment("amazon", "dcs"),) if draw(st.booleans()) else (),
        segments=draw(st.lists(st.sampled_from([
            Segment("mp", frozenset({"amazon"}), percent=20, consumption="segment_only"),
            Segment("vip", quantity=3),
            Segment("web-first", frozenset({"web"}), quantity=2)]), unique=True, max_size=2).map(tuple)),
    )
    return rules, rows


@settings(max_examples=150, deadline=None)
@given(cases())
def test_the_engine_matches_the_reference_for_any_rules(case):
    rules, rows = case
    as_of = 10 * DAY
    keys = list(rows)
    stock = stock_from_rows(SKUS, [SKUS.index(s) for s, _ in keys], [n for _, n in keys],
                            on_hand=[rows[k][0] for k in keys], in_transit=[rows[k][1] for k in keys],
                            eta=[rows[k][2] for k in keys])
    result = network_atp(stock, locations_from_rows(NODES, NODE_TYPES), rules, as_of=as_of)
    expected = reference(rules, rows, as_of)
    got = {(s, c): int(result.network[i, j]) for i, s in enumerate(SKUS) for j, c in enumerate(result.channels)}
    assert got == expected
