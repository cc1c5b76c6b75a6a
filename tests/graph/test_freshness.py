"""Freshness: the freshest path from the system of record to each channel, or why it is unknown."""

from __future__ import annotations

from app.graph.freshness import (
    LATENCY_UNKNOWN,
    NO_CHANNEL_SYSTEMS,
    NO_HOLDER,
    NO_PATH,
    NO_SOR,
    channel_freshness,
    freshness_table,
)
from tests.graph.model_builder import Model, retail


def test_a_nightly_file_through_middleware_makes_the_web_a_day_stale_over_two_hops():
    m = retail()
    m.flow("ERP", "Web shop", "Inventory", pattern="batch", latency=43200, worst=86400, via="ESB")
    result = channel_freshness(m.graph(), m["Inventory"], m["Web"])
    assert result.known and result.worst_latency == 86400 and result.latency == 43200
    assert result.path.systems == (m["ERP"], m["ESB"], m["Web shop"]) and result.path.hop_count == 2
    assert [h.pattern for h in result.path.hops] == ["batch", "batch"]


def test_latencies_add_up_along_the_path():
    m = retail()
    m.flow("ERP", "POS", "Price", latency=60, worst=600)
    m.flow("POS", "Web shop", "Price", latency=5, worst=30)
    result = channel_freshness(m.graph(), m["Price"], m["Web"])
    assert (result.latency, result.worst_latency, result.path.hop_count) == (65, 630, 2)


def test_the_freshest_path_wins_by_worst_latency_even_over_more_hops():
    m = retail()
    m.flow("ERP", "Web shop", "Inventory", pattern="batch", latency=100, worst=86400)
    m.flow("ERP", "ESB", "Inventory", pattern="event", latency=1, worst=5)
    m.flow("ESB", "Web shop", "Inventory", pattern="event", latency=1, worst=5)
    result = channel_freshness(m.graph(), m["Inventory"], m["Web"])
    assert result.worst_latency == 10 and result.path.systems == (m["ERP"], m["ESB"], m["Web shop"])


def test_typical_latency_breaks_a_tie_on_worst_latency():
    m = retail()
    slow = m.flow("ERP", "Web shop", "Inventory", latency=50, worst=60)
    fast = m.flow("ERP", "Web shop", "Inventory", latency=10, worst=60)
    result = channel_freshness(m.graph(), m["Inventory"], m["Web"])
    assert result.path.flow_ids == (fast,) and slow != fast


def test_a_system_of_record_serving_the_channel_itself_is_zero_seconds_fresh():
    m = retail()
    m.owns("POS", "Price")
    result = channel_freshness(m.graph(), m["Price"], m["Stores"])
    assert result.worst_latency == 0 and result.path.hop_count == 0


def test_with_two_systems_of_record_the_closer_one_serves_the_channel():
    m = retail()
    m.owns("WMS", "Inventory")
    m.flow("ERP", "Web shop", "Inventory", latency=3600, worst=7200)
    m.flow("WMS", "Web shop", "Inventory", latency=5, worst=60)
    result = channel_freshness(m.graph(), m["Inventory"], m["Web"])
    assert result.path.start == m["WMS"] and result.sors == tuple(sorted((m["ERP"], m["WMS"])))


def test_an_entity_without_a_system_of_record_is_unknown_with_reason_no_sor():
    m = retail()
    m.flow("CRM", "Web shop", "Customer")
    result = channel_freshness(m.graph(), m["Customer"], m["Web"])
    assert not result.known and result.reason == NO_SOR and result.worst_latency is None
    assert "no system of record" in result.explanation


def test_a_channel_nobody_serves_is_unknown_with_reason_no_channel_systems():
    m = retail()
    m.channel("Marketplace")
    assert channel_freshness(m.graph(), m["Inventory"], m["Marketplace"]).reason == NO_CHANNEL_SYSTEMS


def test_a_channel_whose_systems_do_not_hold_the_entity_is_unknown_with_reason_no_holder():
    m = retail()
    assert channel_freshness(m.graph(), m["Inventory"], m["Stores"]).reason == NO_HOLDER


def test_a_holder_without_a_path_from_the_system_of_record_is_unknown_with_reason_no_path():
    m = retail()
    m.flow("POS", "ERP", "Inventory", pattern="batch")  # the POS sends stock, but gets none back
    result = channel_freshness(m.graph(), m["Inventory"], m["Stores"])
    assert result.reason == NO_PATH and [h.system_id for h in result.holders] == [m["POS"]]
    assert result.holders[0].path is None


def test_an_unknown_latency_on_the_path_makes_the_result_unknown_but_keeps_the_path():
    m = retail()
    m.flow("ERP", "Web shop", "Inventory", latency=None)
    result = channel_freshness(m.graph(), m["Inventory"], m["Web"])
    assert result.reason == LATENCY_UNKNOWN and result.worst_latency is None
    assert result.path.systems == (m["ERP"], m["Web shop"])


def test_a_known_path_is_preferred_to_a_faster_looking_one_with_an_unknown_hop():
    m = retail()
    m.flow("ERP", "ESB", "Inventory", latency=None)
    m.flow("ESB", "Web shop", "Inventory", latency=1, worst=1)
    m.flow("ERP", "Web shop", "Inventory", latency=900, worst=3600)
    result = channel_freshness(m.graph(), m["Inventory"], m["Web"])
    assert result.known and result.worst_latency == 3600


def test_the_table_covers_every_entity_and_channel_pair():
    m = retail()
    table = freshness_table(m.graph())
    assert len(table) == len(m.entities) * len(m.channels)
    assert {(r.entity_id, r.channel_id) for r in table} == {
        (e.id, c.id) for e in m.entities.values() for c in m.channels.values()
    }


def test_an_empty_model_has_an_empty_table():
    assert freshness_table(Model().graph()) == ()
