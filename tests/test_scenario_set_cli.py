"""`flask scenario set` and `flask analysis compare` on the demo: a proposal that turns the nightly inventory
file into an event stream shows exactly that change, field by field, and the verdict it flips."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event

from app.services.analysis.value_diff import read_values
from app.services.catalog.elements import save_element
from app.services.demo import load_demo
from app.services.scenarios import list_scenarios, save_scenario

FEED = "SAP ECC -> Salesforce Commerce Cloud: Inventory"
FEED_LABEL = "SAP ECC → Salesforce Commerce Cloud: Inventory"


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


@pytest.fixture
def proposal(session, demo):
    """'Events proposal': a copy of the current state, to change one flow in."""
    return save_scenario(session, demo, "Events proposal", copy_from=list_scenarios(session, demo.id)[0])


def run(app, session, *args):
    """Invoke a command as `flask` would; the test session first ends its transaction to see what it commits."""
    session.commit()
    return app.test_cli_runner().invoke(args=[*map(str, args)])


def set_in(app, session, demo, scenario, *options):
    return run(app, session, "scenario", "set", demo.id, "--scenario", scenario, *options)


def as_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_setting_a_flow_to_an_event_stream_prints_each_field_before_and_after(app, session, demo, proposal):
    result = set_in(app, session, demo, "events proposal", "--flow", FEED, "--set", "pattern=event",
                    "--set", "worst latency=30s", "--set", "latency_seconds=2 s")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{FEED_LABEL} in Events proposal:",
        "  pattern Batch file → Event / stream",
        "  latency 12 h → 2 s",
        "  worst latency 24 h → 30 s",
    ]


def test_compare_lists_exactly_the_field_changes_and_the_criteria_they_flip(app, session, demo, proposal):
    # The typical latency changes too: a worst latency below the typical one is refused in any scenario.
    set_in(app, session, demo, "events proposal", "--flow", FEED, "--set", "pattern=stream",
           "--set", "latency=5s", "--set", "worst_latency=30s")

    document = as_json(run(app, session, "analysis", "compare", demo.id, "current", "events proposal", "--json"))

    values = document["values"]
    assert values["added"] == [] and values["removed"] == []
    [changed] = values["changed"]
    assert (changed["kind"], changed["name"]) == ("flow", FEED_LABEL)
    assert [(f["field"], f["a_text"], f["b_text"]) for f in changed["fields"]] == [
        ("pattern", "Batch file", "Event / stream"), ("latency_seconds", "12 h", "5 s"),
        ("worst_latency_seconds", "24 h", "30 s"),
    ]
    assert changed["text"] == (f"{FEED_LABEL} — pattern Batch file → Event / stream, latency 12 h → 5 s, "
                               "worst latency 24 h → 30 s")
    assert document["criteria"]["to_pass"] == ["REQ-1"] and document["criteria"]["to_fail"] == []
    assert document["model"]["flows"]["added"] == [] and document["model"]["flows"]["removed"] == []
    text = run(app, session, "analysis", "compare", demo.id, "current", "events proposal").stdout
    assert f"  ~ {changed['text']}" in text and "Criteria: REQ-1 fail → pass" in text


def test_compare_of_three_scenarios_compares_each_with_the_first(app, session, demo, proposal):
    set_in(app, session, demo, "events proposal", "--system", "SAP ECC", "--set", "hosting=cloud")

    document = as_json(run(app, session, "analysis", "compare", demo.id, "current", "events proposal",
                           "central oms", "--json"))

    assert [s["name"] for s in document["scenarios"]] == ["Current state", "Events proposal",
                                                          "Target A — central OMS"]
    first, second = document["comparisons"]
    assert [c["text"] for c in first["values"]["changed"]] == ["SAP ECC — hosting On-premises → Cloud"]
    assert second["b"]["name"] == "Target A — central OMS"
    assert "Manhattan Active Omni" in [r["name"] for r in second["values"]["added"]]


def test_a_value_set_in_all_scenarios_leaves_nothing_to_compare(app, session, demo, proposal):
    result = set_in(app, session, demo, "events proposal", "--flow", FEED, "--set", "frequency=Hourly",
                    "--all-scenarios")

    assert result.exit_code == 0 and "in every scenario:" in result.stdout
    document = as_json(run(app, session, "analysis", "compare", demo.id, "current", "events proposal", "--json"))
    assert document["values"]["changed"] == []


def test_references_are_set_by_name_and_cleared_with_none(app, session, demo, proposal):
    owner = as_json(set_in(app, session, demo, "events proposal", "--system", "SAP ECC",
                           "--set", "channels=Web, Stores", "--set", "owner=none", "--json"))

    assert [(c["label"], c["after_text"]) for c in owner["changes"]][-1] == ("channels", "Stores, Web")
    assert ("owner", "none") in [(c["label"], c["after_text"]) for c in owner["changes"]]


@pytest.mark.parametrize(("options", "flag", "words"), [
    (("--flow", "SAP ECC -> Nowhere: Inventory", "--set", "pattern=event"), "--flow", "No system 'Nowhere'"),
    (("--flow", "SAP ECC to Salesforce", "--set", "pattern=event"), "--flow", "SOURCE -> TARGET: ENTITY"),
    (("--flow", FEED, "--set", "colour=red"), "--set", "Unknown field 'colour'"),
    (("--flow", FEED, "--set", "notes=shared"), "--set", "notes is shared by every scenario"),
    (("--flow", FEED, "--set", "pattern=carrier pigeon"), "--set", "Must be one of"),
    (("--flow", FEED, "--set", "worst_latency=soon"), "--set", "“soon” is not a duration"),
    (("--flow", FEED, "--set", "pattern"), "--set", "Write FIELD=VALUE"),
    (("--system", "Manhattan Active Omni", "--set", "lifecycle=planned"), "--scenario",
     "is not in the scenario 'Events proposal'"),
    (("--system", "SAP ECC", "--flow", FEED, "--set", "lifecycle=planned"), "--flow/--system/--ownership",
     "exactly one"),
])
def test_bad_input_exits_non_zero_naming_the_flag_and_changes_nothing(app, session, demo, proposal, options, flag,
                                                                       words):
    result = set_in(app, session, demo, "events proposal", *options)

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"error: {flag}: " in result.stderr and words in result.stderr
    document = as_json(run(app, session, "analysis", "compare", demo.id, "current", "events proposal", "--json"))
    assert document["values"]["changed"] == []


def test_an_unknown_scenario_is_refused(app, session, demo):
    result = set_in(app, session, demo, "no such plan", "--flow", FEED, "--set", "pattern=event")
    assert result.exit_code == 1 and "No scenario 'no such plan'" in result.stderr


def test_compare_needs_two_scenarios(app, session, demo):
    result = run(app, session, "analysis", "compare", demo.id, "current")
    assert result.exit_code == 2 and "at least two scenarios" in result.output


def test_reading_values_takes_the_same_queries_however_large_the_model(session, demo, proposal, engine):
    scenarios = list_scenarios(session, demo.id)

    def count() -> int:
        for s in scenarios:
            session.refresh(s)  # the scenarios are given, loaded: count only what reading their values takes
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            read_values(session, scenarios)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len([s for s in statements if not s.startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE"))])

    before = count()
    for n in range(5):
        save_element(session, demo, "system", {"name": f"Extra {n}", "category": "custom",
                                               "scenario_ids": [s.id for s in scenarios]})
    session.commit()
    # Members, three kinds, channels, entities and names: seven; and each scenario's own values.
    assert count() == before == 7 + len(scenarios)



def test_middleware_and_owners_are_named_loosely_and_the_arrow_may_be_typed_either_way(app, session, demo, proposal):
    via = as_json(set_in(app, session, demo, "events proposal", "--flow", FEED.replace("->", "→"),
                         "--set", "via=none", "--json"))
    owner = as_json(set_in(app, session, demo, "events proposal", "--system", "Pricefx",
                           "--set", "owner=Helen Achterberg", "--json"))

    assert [(c["label"], c["before_text"], c["after_text"]) for c in via["changes"]] == [
        ("via", "MuleSoft Anypoint", "none")]
    assert [(c["label"], c["before_text"], c["after_text"]) for c in owner["changes"]] == [
        ("owner", "none", "Helen Achterberg")]
    back = as_json(set_in(app, session, demo, "events proposal", "--flow", FEED, "--set", "via=mulesoft", "--json"))
    assert back["changes"][0]["after_text"] == "MuleSoft Anypoint"
