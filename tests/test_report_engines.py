"""Engine results for the report: runs picked from the engagement's stored runs, figures taken from their metrics."""

from __future__ import annotations

import pytest
from lxml import etree

from app.services.analysis.scenario import find_scenario
from app.services.engagements import create_engagement
from app.services.engines import identity as identity
from app.services.engines import runs as engine_runs
from app.services.errors import NotFound, ValidationError
from app.services.reports.engines import available_runs, engine_results
from exports.report_model import Branding
from models import EngineRun


@pytest.fixture
def demo_runs(session, user):
    """The demo engagement with done ATP, replay and routing runs (two routing strategies, to compare)."""
    from app.services.demo import load_demo

    engagement = load_demo(session, owner=user)
    scenario = find_scenario(session, engagement)
    runs = {kind: engine_runs.run_now(session, engagement, scenario, kind, user=user) for kind in ("atp", "replay")}
    runs["routing"] = engine_runs.run_now(session, engagement, scenario, "routing", strategy="rules", user=user)
    runs["channel_origin"] = engine_runs.run_now(session, engagement, scenario, "routing",
                                                 strategy="channel_origin", user=user)
    for run in runs.values():
        assert run.status == "done", run.error
    return engagement, runs


def headline(result):
    return dict(result.headline)


def test_every_engine_run_of_the_demo_becomes_a_section_whose_figures_are_the_stored_metrics(session, demo_runs,
                                                                                            user):
    engagement, runs = demo_runs
    runs["identity"] = identity.run_identity(session, engagement, find_scenario(session, engagement), user=user)
    assert runs["identity"].status == "done", runs["identity"].error
    picked = [runs[k].id for k in ("atp", "replay", "routing", "identity")]
    atp, replay, routing, ident = engine_results(session, engagement, picked)

    m = runs["atp"].metrics
    assert atp.kind == "atp" and f"Run {runs['atp'].id}" in atp.run_label
    assert headline(atp)["Units on hand"] == f"{m['on_hand_units']:,}"
    assert headline(atp)["Units available to promise"] == f"{m['pool_units']:,}"
    assert f"{m['pool_units']:,}" in atp.summary
    channel_table = atp.tables[0]
    assert [row[0] for row in channel_table.rows] == list(m["by_channel"])
    assert channel_table.rows[0][1] == f"{next(iter(m['by_channel'].values()))['atp_units']:,}"

    t = runs["replay"].metrics["totals"]
    assert headline(replay)["Order lines"] == f"{t['lines']:,}"
    assert headline(replay)[f"Oversold lines ({t['oversold_units']:,} units)"] == f"{t['oversold']:,}"
    assert headline(replay)["Oversold rate"] == f"{t['oversold_rate'] * 100:.2f}%"
    assert headline(replay)["Phantom stock-outs (lines)"] == f"{t['phantom']:,}"
    assert headline(replay)["Phantom stock-out rate"] == f"{t['phantom_rate'] * 100:.2f}%"
    assert f"{t['oversold_rate'] * 100:.2f}%" in replay.summary
    assert {row[0] for row in replay.tables[0].rows} == set(runs["replay"].metrics["by_channel"])

    r = runs["routing"].metrics
    assert headline(routing)["Strategy"] == "rules"
    assert headline(routing)["Total cost"] == f"{r['cost']['total']:,.2f}"
    assert headline(routing)["Split rate"] == f"{r['split_rate'] * 100:.1f}%"
    assert headline(routing)[f"Lines filled ({r['filled']:,} of {r['lines']:,})"] == f"{r['fill_rate'] * 100:.1f}%"
    assert headline(routing)["Delivery promise (max distance)"] == "none set"  # the demo's cost model sets none
    assert any(table.caption.startswith("Busiest nodes") for table in routing.tables)

    i = runs["identity"].metrics
    assert headline(ident)["Records"] == f"{i['records']:,}"
    assert headline(ident)["Real customers"] == f"{i['real_customers']:,}"
    low = i["customers_range"]["low"]
    assert headline(ident).get("Real customers, if name-only pairs merged") == (
        f"{low:,}" if low < i["real_customers"] else None)
    quality = next(table for table in ident.tables if table.caption == "Data quality per system")
    assert {row[0]: row[2] for row in quality.rows} == {s: f"{rate * 100:.1f}%" for s, rate in
                                                         i["duplicate_rate"].items()}
    assert f"{i['real_customers']:,} real customers" in ident.summary

    for result in (atp, replay, routing, ident):
        assert result.summary and result.figures and result.tables
        for figure in result.figures:
            assert etree.fromstring(figure.svg.encode()).tag == "{http://www.w3.org/2000/svg}svg"


def test_a_routing_section_compares_the_strategies_run_on_the_same_data(session, demo_runs):
    engagement, runs = demo_runs
    [routing] = engine_results(session, engagement, [runs["routing"].id])
    comparison = routing.figures[0]
    assert "strategy" in comparison.svg and f"channel_origin (run {runs['channel_origin'].id})" in comparison.svg
    bars = etree.fromstring(comparison.svg.encode()).findall(".//{http://www.w3.org/2000/svg}rect[@class='bar']")
    costs = [runs["routing"].metrics["cost_per_order"], runs["channel_origin"].metrics["cost_per_order"]]
    assert [float(b.get("data-value")) for b in bars] == pytest.approx(costs)
    if round(costs[0], 2) == round(costs[1], 2):
        assert "cost the same per order" in routing.summary
    elif costs[0] < costs[1]:
        assert "It is the cheapest of the 2 strategies" in routing.summary
    else:
        assert "The channel_origin strategy costs" in routing.summary


def test_charts_use_the_branding_colours(session, demo_runs):
    engagement, runs = demo_runs
    branding = Branding(primary_colour="#123456", accent_colour="#abcdef")
    [replay] = engine_results(session, engagement, [runs["replay"].id], branding=branding)
    rates = replay.figures[0].svg  # oversold in the accent colour, phantom in the primary
    assert 'data-series="Oversold"' in rates and 'fill="#abcdef" data-series="Oversold"' in rates
    assert 'fill="#123456" data-series="Phantom stock-out"' in rates


def test_available_runs_lists_done_runs_newest_first_and_only_this_engagements(session, demo_runs, user):
    engagement, runs = demo_runs
    failed = EngineRun(engagement_id=engagement.id, scenario_id=runs["atp"].scenario_id, kind="atp", status="failed")
    session.add(failed)
    session.commit()
    choices = available_runs(session, engagement)
    assert [c.id for c in choices] == sorted((r.id for r in runs.values()), reverse=True)
    by_id = {c.id: c for c in choices}
    assert by_id[runs["routing"].id].kind == "routing" and "(rules)" in by_id[runs["routing"].id].label
    assert by_id[runs["replay"].id].scenario == runs["replay"].scenario.name
    assert all(c.finished_at is not None for c in choices)
    other = create_engagement(session, "Other client", owner=user)
    assert available_runs(session, other) == []


def test_a_run_of_another_engagement_or_an_unknown_id_is_refused_by_its_id(session, demo_runs, user):
    engagement, runs = demo_runs
    other = create_engagement(session, "Other client", owner=user)
    with pytest.raises(NotFound) as caught:
        engine_results(session, other, [runs["atp"].id])
    assert str(runs["atp"].id) in str(caught.value)
    with pytest.raises(NotFound) as caught:
        engine_results(session, engagement, [runs["atp"].id, 999_999])
    assert "999999" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        engine_results(session, engagement, ["12; DROP"])
    assert "12; DROP" in caught.value.errors["runs"][0]


def test_an_unfinished_run_is_refused_and_no_runs_give_no_sections(session, demo_runs):
    engagement, runs = demo_runs
    queued = EngineRun(engagement_id=engagement.id, scenario_id=runs["atp"].scenario_id, kind="replay",
                       status="queued")
    session.add(queued)
    session.commit()
    with pytest.raises(ValidationError) as caught:
        engine_results(session, engagement, [queued.id])
    assert f"Run {queued.id}" in caught.value.errors["runs"][0] and "queued" in caught.value.errors["runs"][0]
    assert engine_results(session, engagement, []) == []
    assert len(engine_results(session, engagement, [runs["atp"].id, runs["atp"].id])) == 1


def test_a_routing_promise_shows_the_share_of_lines_not_lost_to_it(session, engagement, user):
    from app.services.engines import routing as routing_service
    from tests.support.routing import load

    load(session, engagement)
    scenario = find_scenario(session, engagement)
    routing_service.save_cost_model(session, engagement, scenario, {"max_distance_km": 1})
    run = engine_runs.run_now(session, engagement, scenario, "routing", strategy="rules", user=user)
    assert run.status == "done", run.error
    lost, lines = run.metrics["unfilled"].get("max_distance", 0), run.metrics["lines"]
    assert lost > 0  # Leeds and the Daventry DC are both more than 1 km from every customer
    [result] = engine_results(session, engagement, [run.id])
    assert headline(result)["Delivery promise met (≤ 1 km)"] == f"{(lines - lost) / lines * 100:.1f}%"
    assert f"The 1 km delivery promise cost {lost:,} line" in result.summary
    assert "No run of another strategy on the same scenario and order data to compare with." in result.notes


def test_the_replay_outcome_chart_splits_each_channels_lines_into_four_outcomes(session, engagement, user):
    from tests.support.datasets import load_small_network

    load_small_network(session, engagement)
    run = engine_runs.run_now(session, engagement, find_scenario(session, engagement), "replay", user=user)
    assert run.status == "done", run.error
    [replay] = engine_results(session, engagement, [run.id])
    chart = next(f for f in replay.figures if "What happened" in f.svg)
    bars = [b for b in etree.fromstring(chart.svg.encode()).iter("{http://www.w3.org/2000/svg}rect")
            if b.get("class") == "bar"]
    rows = sorted({float(b.get("y")) for b in bars})  # the bars of one channel share their y
    assert len(rows) == len(run.metrics["by_channel"])
    for y, x in zip(rows, run.metrics["by_channel"].values(), strict=True):
        values = {b.get("data-series"): float(b.get("data-value")) for b in bars if float(b.get("y")) == y}
        assert values == {"Served": x["accepted"] - x["oversold"], "Oversold": x["oversold"],
                          "Phantom stock-out": x["phantom"], "Refused, no stock": x["refused"] - x["phantom"]}
        assert sum(values.values()) == x["lines"] > 0
