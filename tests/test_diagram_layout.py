"""Remembered diagram layouts, the pure part: positions kept through edits, new nodes placed, pins kept through
a re-layout, clusters kept as boxes of their own, and a remembered layout read back only when it is sound."""

from __future__ import annotations

import pytest

from exports import diagrams
from exports.diagrams import placement
from exports.diagrams.layout import ANCHOR, Remembered, as_drawn, lay_out, movement, read_layout
from exports.diagrams.placement import Item, cluster_box, overlaps, place, rect
from exports.graphviz_render import DiagramError, layout_json, render
from tests.graph.model_builder import Model, retail


def shop() -> Model:
    """A small retail landscape: ERP and middleware, two storefronts, a POS, a warehouse."""
    m = retail()
    m.system("WMS", "wms").system("OMS", "oms").system("CRM", "crm")
    m.flow("ERP", "Web shop", "Inventory", via="ESB", pattern="batch")
    m.flow("ERP", "POS", "Inventory")
    m.flow("WMS", "ERP", "Inventory", pattern="event")
    m.flow("Web shop", "OMS", "Order")
    m.flow("OMS", "WMS", "Order")
    m.flow("CRM", "Web shop", "Customer")
    return m


def landscape(m: Model, cluster: str = "category") -> diagrams.Figure:
    return diagrams.landscape_figure(m.snapshot(), cluster=cluster)


def drawn(laid) -> dict:
    """Where Graphviz draws each node of a laid-out figure, from the picture's top-left corner."""
    return as_drawn(layout_json(laid.figure.dot()), laid.figure)


def test_after_a_flow_is_added_every_node_stays_where_it_was_drawn():
    m = shop()
    first = lay_out(landscape(m))
    m.flow("POS", "CRM", "Customer")
    second = lay_out(landscape(m), first.remembered)
    assert not second.fresh and second.placed == ()
    moved = movement(drawn(first), drawn(second))
    assert moved.compared == len(m.systems) and moved.moved == 0 and moved.largest <= 1.0


def test_a_diagram_drawn_again_unchanged_is_the_same_drawing_as_the_first():
    first = lay_out(landscape(shop(), "channel"))
    again = lay_out(landscape(shop(), "channel"), first.remembered)
    assert again.figure.dot() == first.figure.dot() and again.remembered == first.remembered


def test_laid_out_afresh_the_same_flow_moves_nodes_as_the_engine_did_before():
    m = shop()
    before = diagrams.landscape(m.snapshot(), cluster="category")
    m.flow("POS", "CRM", "Customer")
    after = landscape(m)
    fresh = movement(as_drawn(layout_json(before), landscape(shop())), as_drawn(layout_json(after.dot()), after))
    assert fresh.moved > 0  # what the remembered layout saves us from


def test_a_new_system_gets_a_place_of_its_own_in_its_category_and_the_others_stay():
    m = shop()
    first = lay_out(landscape(m))
    m.system("Second ERP", "erp")
    m.flow("Second ERP", "ERP", "Order")
    second = lay_out(landscape(m), first.remembered)
    new = f"s{m['Second ERP']}"
    assert second.placed == (new,) and new in second.positions
    assert movement(drawn(first), drawn(second)).moved == 0
    boxes = cluster_boxes_drawn(second)
    erp_box = next(b for c, b in boxes.items() if c == cluster_of(second.figure, new))
    assert all(overlaps(node_box(second, ident), erp_box) for ident in (new, f"s{m['ERP']}"))


def cluster_of(figure, ident: str) -> str:
    return next(n.cluster for n in figure.nodes if n.ident == ident)


def cluster_boxes_drawn(laid) -> dict:
    """Each cluster's box as Graphviz draws it (its bb), by cluster id."""
    doc = layout_json(laid.figure.dot())
    return {o["name"].removeprefix("cluster_"): tuple(float(v) for v in o["bb"].split(","))
            for o in doc["objects"] if o["name"].startswith("cluster_")}


def node_box(laid, ident: str):
    doc = layout_json(laid.figure.dot())
    node = read_layout(doc, laid.figure)
    return rect(node.positions[ident], node.items[ident])


@pytest.mark.parametrize("cluster", ["category", "channel"])
def test_clusters_stay_boxes_of_their_own_after_several_systems_are_added(cluster):
    m = shop()
    first = lay_out(landscape(m, cluster))
    for i, category in enumerate(["erp", "erp", "pos", "oms", "wms", "ipaas"]):
        m.system(f"Added {i}", category, channels=["Web"] if i % 2 else [])
        m.flow(f"Added {i}", "ERP", "Order")
    second = lay_out(landscape(m, cluster), first.remembered)
    doc = layout_json(second.figure.dot())
    seen = read_layout(doc, second.figure)
    boxes = cluster_boxes_drawn(second)
    nodes = {k: rect(p, seen.items[k]) for k, p in seen.positions.items()}
    for a in nodes:
        assert not any(overlaps(nodes[a], nodes[b]) for b in nodes if b != a), a
        assert not any(overlaps(nodes[a], box) for c, box in boxes.items() if c != seen.items[a].cluster), a
    assert not any(overlaps(boxes[a], boxes[b]) for a in boxes for b in boxes if a < b)
    assert len(second.placed) == 6 and second.crowded == ()


def test_a_pinned_node_keeps_its_position_through_a_re_layout():
    m = shop()
    first = lay_out(landscape(m))
    erp = f"s{m['ERP']}"
    pinned_at = (first.positions[erp][0] + 400.0, first.positions[erp][1] - 300.0)  # dragged far from the rest
    memory = Remembered({**first.positions, erp: pinned_at}, frozenset({erp}), first.remembered.frame)
    m.flow("CRM", "OMS", "Customer")
    again = lay_out(landscape(m), memory, relayout=True)
    assert again.fresh and again.positions[erp] == pinned_at and again.remembered.pins == {erp}
    doc = layout_json(again.figure.dot())
    seen = read_layout(doc, again.figure)
    anchor = next(tuple(map(float, o["pos"].split(","))) for o in doc["objects"] if o["name"] == ANCHOR)
    frame = again.remembered.frame
    # Graphviz draws it exactly there, relative to the drawing's anchored corner.
    assert seen.positions[erp][0] - anchor[0] == pytest.approx(pinned_at[0] - frame[0], abs=1.0)
    assert seen.positions[erp][1] - anchor[1] == pytest.approx(pinned_at[1] - frame[1], abs=1.0)


def test_a_re_layout_without_pins_is_the_engines_fresh_layout():
    m = shop()
    memory = lay_out(landscape(m)).remembered
    moved_away = Remembered({k: (x + 500, y) for k, (x, y) in memory.positions.items()}, frozenset(), memory.frame)
    again = lay_out(landscape(m), moved_away, relayout=True)
    assert again.positions == memory.positions


def test_a_remembered_layout_asking_for_a_fresh_one_gets_it_keeping_the_pins():
    m = shop()
    first = lay_out(landscape(m))
    erp = f"s{m['ERP']}"
    asked = Remembered({erp: first.positions[erp]}, frozenset({erp}), None)  # what Re-layout leaves behind
    again = lay_out(landscape(m), asked)
    assert again.fresh and again.positions[erp] == first.positions[erp]
    assert set(again.positions) == {f"s{i}" for i in (s.id for s in m.snapshot().systems)}


def test_the_entity_view_keeps_its_nodes_and_places_the_new_holder():
    m = shop()
    inventory = m.snapshot().entity_by_id[m["Inventory"]].id
    first = lay_out(diagrams.entity_figure(m.snapshot(), inventory))
    m.flow("POS", "CRM", "Inventory")
    second = lay_out(diagrams.entity_figure(m.snapshot(), inventory), first.remembered)
    assert second.placed == (f"s{m['CRM']}",)
    assert movement(drawn(first), drawn(second)).moved == 0


def test_the_same_model_and_memory_give_the_same_drawing():
    m = shop()
    memory = lay_out(landscape(m)).remembered
    m.system("Added", "custom")
    one, two = lay_out(landscape(m), memory), lay_out(landscape(m), memory)
    assert one.figure.dot() == two.figure.dot()
    assert render(one.figure.dot(), "svg")  # Graphviz draws it (and the SVG passes the inertness check)


def test_a_large_landscape_laid_out_by_fdp_keeps_its_positions_too():
    m = Model()
    for i in range(70):
        m.system(f"System {i}", ["erp", "pos", "oms", "wms", "crm", "custom"][i % 6])
    for i in range(70):
        m.flow(f"System {i}", f"System {(i * 7 + 3) % 70}", "Inventory")
    figure = landscape(m)
    assert figure.graph["layout"] == "fdp"
    first = lay_out(figure)
    m.flow("System 1", "System 2", "Order")
    second = lay_out(landscape(m), first.remembered)
    assert 'splines="line"' in second.figure.dot()
    assert movement(drawn(first), drawn(second)).moved == 0


def test_a_remembered_layout_is_read_back_only_when_sound():
    good = {"positions": {"s1": [1.5, 2], "c3": [0, 0]}, "pins": ["s1"], "frame": [0, 10]}
    assert Remembered.from_doc(good) == Remembered({"s1": (1.5, 2.0), "c3": (0.0, 0.0)}, frozenset({"s1"}), (0.0, 10.0))
    assert Remembered.from_doc(Remembered.from_doc(good).to_doc()) == Remembered.from_doc(good)
    for bad in (None, [], {"positions": []}, {"positions": {"s1": [1]}}, {"positions": {"s1": [1, float("nan")]}},
                {"positions": {'s1"]; x': [1, 2]}}, {"positions": {"s1": [True, 2]}},
                {"positions": {"s1": [1, 2]}, "pins": ["s9"]}, {"positions": {"s1": [1, 2]}, "frame": "top"}):
        assert Remembered.from_doc(bad) is None, bad


def test_kept_nodes_stay_and_a_new_one_goes_to_the_nearest_free_spot_in_its_cluster():
    items = [Item("a", 100, 36, "g0"), Item("b", 100, 36, "g0"), Item("c", 100, 36, "g1"), Item("n", 100, 36, "g0")]
    kept = {"a": (100.0, 100.0), "b": (300.0, 100.0), "c": (100.0, 300.0)}
    plan = place(items, [("n", "a"), ("n", "b")], kept)
    assert {k: plan.positions[k] for k in kept} == kept and plan.placed == ("n",)
    n = rect(plan.positions["n"], items[3])
    near = placement.inflate(n, placement.GAP - 1)
    assert all(not overlaps(near, rect(kept[k], i)) for k, i in zip("abc", items[:3], strict=True))
    g1 = cluster_box([rect(kept["c"], items[2])])
    assert not overlaps(cluster_box([rect(plan.positions[k], items[0]) for k in "abn"]), g1)


def test_a_kept_node_whose_label_grew_moves_off_its_neighbour_and_no_other_moves():
    items = [Item("a", 100, 36), Item("b", 260, 36)]  # b's label grew from 100 to 260 points
    plan = place(items, [], {"a": (100.0, 100.0), "b": (230.0, 100.0)})
    assert plan.positions["a"] == (100.0, 100.0) and plan.placed == ("b",)
    assert not overlaps(rect(plan.positions["a"], items[0]), rect(plan.positions["b"], items[1]))


def test_a_boxed_in_cluster_gets_room_by_moving_the_fewest_nodes_but_never_a_pinned_one():
    # g0 sits between g1 above, g2 below and g3 on its right, each 8 points away: it cannot grow in place.
    items = [Item("a", 100, 36, "g0"), Item("up", 100, 36, "g1"), Item("down", 100, 36, "g2"),
             Item("right", 100, 36, "g3"), Item("new", 100, 36, "g0")]
    kept = {"a": (100.0, 100.0), "up": (100.0, 177.0), "down": (100.0, 23.0), "right": (232.0, 100.0)}
    plan = place(items, [("new", "a")], kept, frame=(34.0, 500.0))
    assert plan.crowded == () and plan.shifted in (("right",), ("down",))
    pinned = place(items, [("new", "a")], kept, pinned={"right", "down"}, frame=(34.0, 500.0))
    assert pinned.shifted == () and pinned.crowded == ("new",)
    assert all(pinned.positions[k] == kept[k] for k in kept)


def test_new_nodes_never_go_left_of_or_above_the_frame():
    items = [Item("a", 100, 36), Item("new", 100, 36)]
    plan = place(items, [("new", "a")], {"a": (60.0, 400.0)}, seeds={"new": (-500.0, 900.0)}, frame=(10.0, 418.0))
    box = rect(plan.positions["new"], items[1])
    assert box[0] >= 10.0 - 0.5 and box[3] <= 418.0 + 0.5


def test_unreadable_layout_output_is_a_diagram_error():
    class Done:
        returncode, stdout, stderr = 0, b"{not json", b""

    with pytest.raises(DiagramError, match="could not be read"):
        layout_json("digraph g { a }", runner=lambda *_a, **_k: Done())


def test_an_empty_scenario_lays_out_without_nodes():
    laid = lay_out(landscape(Model()))
    assert laid.positions == {} and render(laid.figure.dot(), "svg")


def test_a_drawing_asked_for_again_unchanged_comes_from_the_cache():
    calls = []

    class Done:
        returncode, stderr = 0, b""
        stdout = b"\x89PNG drawn"

    def runner(*_a, **_k):
        calls.append(1)
        return Done()

    source = "digraph cached_once { a -> b }"
    assert render(source, "png", runner=runner, cache=True) == render(source, "png", runner=runner, cache=True)
    assert len(calls) == 1
    render(source + " ", "png", runner=runner, cache=True)
    render(source, "png", runner=runner)  # without the cache: drawn again
    assert len(calls) == 3
