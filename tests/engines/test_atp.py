"""The ATP engine: public worked examples come out exactly, and its invariants hold for any input."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engines.atp import (
    DAY,
    Grant,
    RingFence,
    Rules,
    SafetyStock,
    locations_from_rows,
    network_atp,
    stock_from_rows,
)
from app.engines.rules import default_document, parse_rules, rules_to_document

ENGINES = Path(__file__).resolve().parents[2] / "app" / "engines"


def test_hotwax_node_atp_is_qoh_minus_excluded_minus_threshold_minus_brokering_queue():
    # HotWax: QOH 100, excluded 10, threshold 5, 5 in the brokering queue -> ATP 80.
    store = locations_from_rows(["BROOKLYN"], ["store"])
    stock = stock_from_rows(["SKU-1"], [0], [0], on_hand=[100], allocated=[5], safety_stock=[10])
    result = network_atp(stock, store, Rules(thresholds=(("store", 5),)))
    assert result.node_atp.tolist() == [80]


def test_hotwax_channel_atp_leaves_out_the_facilities_excluded_from_the_channel():
    # HotWax: total ATP 100, 60 of it in facilities excluded from online -> online ATP 40.
    network = locations_from_rows(["WH", "STORE-A", "STORE-B"], ["dc", "store", "store"])
    stock = stock_from_rows(["SKU-1"], [0, 0, 0], [0, 1, 2], on_hand=[40, 30, 30])
    rules = Rules(channels=("online", "pos"), eligibility_default="none", grants=(
        Grant("online", "ship", frozenset({"dc", "store"}), exclude_locations=frozenset({"STORE-A", "STORE-B"})),
        Grant("pos", "pickup", frozenset({"store"})),
    ))
    result = network_atp(stock, network, rules)
    assert result.pool.tolist() == [100]
    assert dict(zip(result.channels, result.network[0].tolist(), strict=True)) == {"online": 40, "pos": 60}


def test_store_stock_is_visible_on_web_only_for_ship_from_store_stores():
    network = locations_from_rows(["DC", "S1", "S2"], ["dc", "store", "store"], ship_from=[True, True, False])
    stock = stock_from_rows(["A"], [0, 0, 0], [0, 1, 2], on_hand=[10, 4, 7])
    rules = Rules(channels=("web",), eligibility_default="none",
                  grants=(Grant("web", "ship", frozenset({"dc"})), Grant("web", "ship", frozenset({"store"}),
                                                                          only_flagged=True)))
    assert network_atp(stock, network, rules).network[0, 0] == 14


def test_the_most_specific_safety_stock_wins_and_percentages_round_up():
    network = locations_from_rows(["DC", "S1", "S2"], ["dc", "store", "store"])
    stock = stock_from_rows(["A", "B"], [0, 0, 0, 1], [0, 1, 2, 1], on_hand=[100, 10, 10, 10],
                            safety_stock=[-1, -1, 1, -1])
    rules = Rules(
        safety_default=SafetyStock(quantity=1),
        safety_by_type=(("store", SafetyStock(percent=25)),),  # 25 % of 10 is 2.5 -> 3
        safety_by_location=(("DC", SafetyStock(quantity=7)),),
        safety_by_sku=(("B", SafetyStock(quantity=6)),),
    )
    # DC: location rule 7; S1: type 25 % -> 3; S2: the dataset's own value 1; B at S1: SKU rule 6.
    assert network_atp(stock, network, rules).node_atp.tolist() == [93, 7, 9, 4]


def test_in_transit_counts_only_within_the_horizon_and_is_discounted_down():
    network = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A", "B", "C"], [0, 1, 2], [0, 0, 0], on_hand=[5, 5, 5], in_transit=[10, 10, 10],
                            eta=[2 * DAY, 9 * DAY, np.iinfo(np.int64).min])
    rules = Rules(in_transit=True, in_transit_horizon_days=3, in_transit_discount_percent=25)
    assert network_atp(stock, network, rules, as_of=0).node_atp.tolist() == [12, 5, 5]  # 10 * 75 % = 7.5 -> 7


def test_atp_never_goes_negative_unless_backorders_are_allowed():
    network = locations_from_rows(["S1"], ["store"])
    stock = stock_from_rows(["A"], [0], [0], on_hand=[2], allocated=[5])
    assert network_atp(stock, network, Rules()).node_atp.tolist() == [0]
    assert network_atp(stock, network, Rules(backorders=True)).node_atp.tolist() == [-3]


def test_ring_fences_are_served_in_priority_order_and_the_rest_is_shared():
    network = locations_from_rows(["DC"], ["dc"])
    stock = stock_from_rows(["A"], [0], [0], on_hand=[100])
    rules = Rules(channels=("web", "marketplace", "app"), allocation="ring_fenced",
                  fences=(RingFence("marketplace", percent=30), RingFence("app", quantity=90)))
    result = network_atp(stock, network, rules)
    atp = dict(zip(result.channels, result.network[0].tolist(), strict=True))
    reserved = dict(zip(result.channels, result.reserved[0].tolist(), strict=True))
    assert reserved == {"web": 0, "marketplace": 30, "app": 70}  # app gets what is left, not 90
    assert atp == {"web": 0, "marketplace": 30, "app": 70}


def test_a_ring_fence_its_channel_cannot_reach_goes_back_to_the_pool_when_shared():
    network = locations_from_rows(["DC", "S1"], ["dc", "store"])
    stock = stock_from_rows(["A"], [0, 0], [0, 1], on_hand=[50, 50])
    fence = (RingFence("marketplace", percent=80),)
    grants = (Grant("marketplace", "ship", frozenset({"dc"})), Grant("web", "ship", frozenset({"dc", "store"})))
    keep = Rules(channels=("web", "marketplace"), grants=grants, eligibility_default="none",
                 allocation="ring_fenced", fences=fence, unused_fence="keep")
    share = Rules(**{**keep.__dict__, "unused_fence": "share"})
    # The fence is 80 but marketplace reaches only the DC's 50: 30 is unusable to it.
    assert network_atp(stock, network, keep).network[0].tolist() == [20, 50]
    assert network_atp(stock, network, share).network[0].tolist() == [50, 50]


def test_the_rules_document_round_trips_and_errors_name_their_place():
    document = default_document()
    rules, errors = parse_rules(document)
    assert errors == {} and rules_to_document(rules) == document
    bad = {**document, "thresholds": {"kiosk": 2, "store": -1}, "allocation": {"mode": "ring_fenced",
           "ring_fences": [{"channel": "web", "percent": 70}, {"channel": "app", "percent": 40}]}}
    rules, errors = parse_rules(bad)
    assert rules is None
    assert "thresholds.kiosk" in errors and "thresholds.store" in errors
    assert errors["allocation.ring_fences"] == ["Percentages add up to 110 %, more than the whole pool."]


def test_the_engines_import_no_flask_sqlalchemy_or_models():
    for path in ENGINES.rglob("*.py"):  # the packages (routing/, replay/, identity/) too
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        roots = {name.split(".")[0] for name in names}
        where = path.relative_to(ENGINES)
        assert not roots & {"flask", "sqlalchemy", "models"}, where
        assert not any(name.startswith("app.") and not name.startswith("app.engines") for name in names), where


# --- invariants -----------------------------------------------------------------------------------

TYPES = ("store", "dc", "3pl", "dark_store")


@st.composite
def networks(draw):
    n_nodes = draw(st.integers(1, 5))
    n_skus = draw(st.integers(1, 4))
    types = draw(st.lists(st.sampled_from(TYPES), min_size=n_nodes, max_size=n_nodes))
    flags = draw(st.lists(st.booleans(), min_size=n_nodes, max_size=n_nodes))
    cells = draw(st.lists(st.tuples(st.integers(0, n_skus - 1), st.integers(0, n_nodes - 1)), min_size=1,
                          max_size=n_skus * n_nodes, unique=True))
    numbers = st.integers(-5, 60)
    stock = stock_from_rows(
        [f"S{i}" for i in range(n_skus)], [c[0] for c in cells], [c[1] for c in cells],
        on_hand=draw(st.lists(numbers, min_size=len(cells), max_size=len(cells))),
        allocated=draw(st.lists(st.integers(0, 20), min_size=len(cells), max_size=len(cells))),
        safety_stock=draw(st.lists(st.integers(-1, 10), min_size=len(cells), max_size=len(cells))),
    )
    locations = locations_from_rows([f"L{i}" for i in range(n_nodes)], types, flags, flags)
    channels = ("web", "store", "marketplace")
    grants = tuple(
        Grant(c, f, frozenset(draw(st.sets(st.sampled_from(TYPES), max_size=3))), only_flagged=draw(st.booleans()))
        for c in channels for f in ("ship", "pickup") if draw(st.booleans())
    )
    fenced = draw(st.booleans())
    fences = ()
    if fenced:
        fences = tuple(RingFence(c, percent=draw(st.integers(0, 40))) if draw(st.booleans())
                       else RingFence(c, quantity=draw(st.integers(0, 50))) for c in channels[:draw(st.integers(1, 3))])
    rules = Rules(
        channels=channels,
        thresholds=tuple((t, draw(st.integers(0, 3))) for t in TYPES if draw(st.booleans())),
        safety_by_type=tuple((t, SafetyStock(percent=draw(st.integers(0, 50)))) for t in TYPES if draw(st.booleans())),
        grants=grants,
        eligibility_default=draw(st.sampled_from(("all", "none"))),
        allocation="ring_fenced" if fences else "shared",
        fences=fences,
        unused_fence=draw(st.sampled_from(("keep", "share"))),
        backorders=draw(st.booleans()),
    )
    return stock, locations, rules


@settings(max_examples=150, deadline=None)
@given(networks())
def test_node_atp_is_never_negative_unless_backorders_are_allowed(case):
    stock, locations, rules = case
    result = network_atp(stock, locations, rules)
    if not rules.backorders:
        assert (result.node_atp >= 0).all()
        assert (result.network >= 0).all()


@settings(max_examples=150, deadline=None)
@given(networks())
def test_network_atp_is_the_sum_of_eligible_node_atp(case):
    stock, locations, rules = case
    result = network_atp(stock, locations, rules)
    comp = result.compiled
    for s in range(len(stock.skus)):
        for c in range(len(result.channels)):
            rows = (stock.sku == s) & comp.any_eligible[c][stock.node]
            assert result.eligible_sum[s, c] == result.node_atp[rows].sum()
            if not comp.fenced:
                assert result.network[s, c] == result.eligible_sum[s, c]
            else:
                assert result.network[s, c] <= max(result.eligible_sum[s, c], 0)


@settings(max_examples=150, deadline=None)
@given(networks())
def test_ring_fenced_quantities_never_exceed_the_pool(case):
    stock, locations, rules = case
    result = network_atp(stock, locations, rules)
    assert (result.reserved >= 0).all()
    assert (result.reserved.sum(axis=1) <= np.maximum(result.pool, 0)).all()
