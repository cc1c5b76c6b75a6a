"""Workbook rows that name their scenario (issue 14): the values a system, flow or ownership holds in one
scenario are exported as a row of their own and imported back through save_in_scenario, all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.analysis.scenario import load_snapshot
from app.services.catalog import scenario_values as sv
from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from app.services.scenarios import list_scenarios, save_scenario
from app.services.workbook.export import export_tables, export_workbook
from app.services.workbook.importer import import_workbook
from exports.workbook import read_cells
from models import Change, DataEntity, DataFlow, Element, ScenarioValue
from tests.support.workbooks import errors_of, system_named, xlsx


@pytest.fixture
def model(session, engagement):
    """A batch inventory feed Dynamics AX -> Commerce Cloud; in the Target scenario it is an event stream,
    Commerce Cloud is hosted in the cloud and Dynamics AX only keeps a replica of the inventory."""
    current = list_scenarios(session, engagement.id)[0]
    inventory = session.scalar(
        select(DataEntity).where(DataEntity.engagement_id == engagement.id, DataEntity.name == "Inventory")
    )
    erp = save_element(session, engagement, "system", {"name": "Dynamics AX", "category": "erp"})
    shop = save_element(session, engagement, "system", {"name": "Commerce Cloud", "category": "ecommerce"})
    feed = save_element(session, engagement, "flow", {
        "source_id": erp.id, "target_id": shop.id, "entity_ids": [inventory.id], "pattern": "batch",
        "latency_seconds": 86400, "worst_latency_seconds": 86400, "notes": "Nightly export",
    })
    owner = save_element(session, engagement, "ownership",
                         {"system_id": erp.id, "entity_id": inventory.id, "role": "sor"})
    target = save_scenario(session, engagement, "Target", copy_from=current)
    sv.save_in_scenario(session, engagement, feed, target,
                        {"pattern": "event", "latency_seconds": 30, "worst_latency_seconds": 30})
    sv.save_in_scenario(session, engagement, shop, target, {"hosting": "cloud"})
    sv.save_in_scenario(session, engagement, owner, target, {"role": "replica"})
    return {"current": current, "target": target, "feed": feed, "shop": shop, "owner": owner}


def _own_values_by_name(session, engagement) -> dict[tuple[str, str], dict]:
    """(scenario, element label) -> the values the element holds there of its own (no references among them)."""
    return {
        (scenario.name, session.get(Element, element_id).label): values
        for scenario in list_scenarios(session, engagement.id)
        for element_id, values in sv.overrides_of(session, scenario.id).items()
    }


def _target_flow(session, engagement):
    target = next(s for s in list_scenarios(session, engagement.id) if s.name == "Target")
    return next(iter(load_snapshot(session, target).flows))


# --- export ---------------------------------------------------------------------------------------


def test_the_export_writes_a_row_per_object_then_a_row_per_scenario_holding_values_of_its_own(session, engagement,
                                                                                               model):
    tables = export_tables(session, engagement)

    flows = [(r["pattern"], r["latency_seconds"], r["scenarios"], r["notes"], r.get("scenario"), r["key"])
             for r in tables["flows"]]
    assert flows == [
        ("Batch file", 86400, "Current state; Target", "Nightly export", None, "F1"),
        ("Event / stream", 30, None, None, "Target", "F1"),
    ]
    shop = [(r["hosting"], r.get("scenario")) for r in tables["systems"] if r["name"] == "Commerce Cloud"]
    assert shop == [("SaaS", None), ("Cloud", "Target")]
    assert [(r["role"], r.get("scenario"), r["key"]) for r in tables["ownership"]] == [
        ("System of record", None, "O1"), ("Replica", "Target", "O1"),
    ]


def test_an_engagement_without_values_per_scenario_exports_the_columns_it_always_had(session, engagement):
    save_element(session, engagement, "system", {"name": "Dynamics AX", "category": "erp"})

    headers = {sheet: rows[0] for sheet, rows in read_cells(export_workbook(session, engagement)).items()}

    assert "scenario" not in headers["systems"] and "scenario" not in headers["flows"]
    assert "key" not in headers["flows"] and "key" not in headers["ownership"]


# --- round trip -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_export_import_into_a_new_engagement_export_gives_the_same_workbook_and_scenario_values(session, engagement,
                                                                                                  model, fmt):
    first = export_workbook(session, engagement, fmt)
    copy = create_engagement(session, "Copy", seed=False)

    report = import_workbook(session, copy, first, dry_run=False)

    assert report.ok and report.applied, errors_of(report)
    assert read_cells(export_workbook(session, copy, fmt)) == read_cells(first)
    assert _own_values_by_name(session, copy) == _own_values_by_name(session, engagement) == {
        ("Target", "Commerce Cloud"): {"hosting": "cloud"},
        ("Target", model["feed"].label): {"pattern": "event", "latency_seconds": 30, "worst_latency_seconds": 30},
        ("Target", model["owner"].label): {"role": "replica"},
    }
    in_target = _target_flow(session, copy)
    assert (in_target.pattern, in_target.latency, in_target.worst_latency) == ("event", 30, 30)
    current = list_scenarios(session, copy.id)[0]
    assert next(iter(load_snapshot(session, current).flows)).pattern == "batch"
    shop = system_named(session, copy, "Commerce Cloud")
    target = next(s for s in list_scenarios(session, copy.id) if s.name == "Target")
    assert sv.values_in(session, shop, target)["hosting"] == "cloud" and shop.hosting == "saas"


def test_reimporting_an_export_with_scenario_rows_reports_nothing_created_or_updated_and_writes_nothing(
    session, engagement, model
):
    data = export_workbook(session, engagement)
    changes = session.scalar(select(func.count()).select_from(Change))
    own = {(r.scenario_id, r.element_id): (r.values, r.version) for r in session.scalars(select(ScenarioValue))}

    dry = import_workbook(session, engagement, data, dry_run=True)
    report = import_workbook(session, engagement, data, dry_run=False)

    for outcome in (dry, report):
        assert outcome.ok, errors_of(outcome)
        assert (outcome.count("created"), outcome.count("updated")) == (0, 0)
    assert len(report.sheets["flows"].unchanged) == 2  # the flow's own row and its Target row
    assert session.scalar(select(func.count()).select_from(Change)) == changes
    session.expire_all()
    assert {(r.scenario_id, r.element_id): (r.values, r.version) for r in session.scalars(select(ScenarioValue))} == own


# --- a client's file ------------------------------------------------------------------------------

SCENARIOS = [["name", "baseline"], ["Current state", "yes"], ["Target", "no"]]
SYSTEMS = [["name", "category"], ["Dynamics AX", "ERP"], ["Commerce Cloud", "ecommerce"]]
FLOWS = [
    ["source", "target", "entities", "pattern", "latency_seconds", "worst_latency_seconds", "scenarios", "scenario"],
    ["Dynamics AX", "Commerce Cloud", "Inventory", "Batch file", 86400, 86400, "Current state; Target", ""],
    ["Dynamics AX", "Commerce Cloud", "Inventory", "Event / stream", 30, 30, "", "Target"],
]


def test_a_client_file_with_a_flow_row_per_scenario_imports_the_values_of_each(session, engagement):
    data = xlsx({"scenarios": SCENARIOS, "systems": SYSTEMS, "flows": FLOWS})

    dry = import_workbook(session, engagement, data, dry_run=True)
    assert dry.ok, errors_of(dry)
    assert [r.label for r in dry.sheets["flows"].created][-1].endswith("(in Target)")
    assert session.scalar(select(func.count()).select_from(ScenarioValue)) == 0  # a dry run writes nothing

    report = import_workbook(session, engagement, data, dry_run=False)

    assert report.ok and report.applied, errors_of(report)
    in_target = _target_flow(session, engagement)
    assert (in_target.pattern, in_target.latency) == ("event", 30)
    [flow] = session.scalars(select(DataFlow).where(DataFlow.engagement_id == engagement.id))
    assert (flow.pattern, flow.latency_seconds) == ("batch", 86400)
    target = next(s for s in list_scenarios(session, engagement.id) if s.name == "Target")
    assert sv.overrides_of(session, target.id)[flow.id] == {"pattern": "event", "latency_seconds": 30,
                                                             "worst_latency_seconds": 30}
    again = import_workbook(session, engagement, data, dry_run=False)
    assert (again.count("created"), again.count("updated")) == (0, 0), again.lines()


def test_a_later_file_changing_the_target_row_only_updates_the_value_in_that_scenario(session, engagement):
    import_workbook(session, engagement, xlsx({"scenarios": SCENARIOS, "systems": SYSTEMS, "flows": FLOWS}),
                    dry_run=False)
    later = [FLOWS[0], FLOWS[1], [*FLOWS[2][:3], "Webhook", 5, 10, "", "Target"]]

    report = import_workbook(session, engagement, xlsx({"flows": later}), dry_run=False)

    assert report.ok, errors_of(report)
    assert [r.row for r in report.sheets["flows"].updated] == [3]
    assert _target_flow(session, engagement).pattern == "webhook"


# --- bad rows -------------------------------------------------------------------------------------


def test_bad_scenario_rows_are_named_by_sheet_row_and_column_and_nothing_is_saved(session, engagement):
    flows = [
        [*FLOWS[0], "notes"],
        [*FLOWS[1], "Nightly"],
        [*FLOWS[2][:7], "Future", ""],  # no such scenario
        [*FLOWS[2], "Real time"],  # notes are shared by every scenario
        ["Commerce Cloud", "Dynamics AX", "Inventory", "Manual", 1, 1, "", "Target", ""],  # no such flow
    ]
    systems = [["name", "category", "scenario"], ["Dynamics AX", "ERP", ""], ["Commerce Cloud", "ecommerce", ""],
               ["POS", "pos", ""], ["POS", "pos", "Target"]]  # POS is in the current state only
    data = xlsx({"scenarios": SCENARIOS, "systems": systems, "flows": flows})

    report = import_workbook(session, engagement, data, dry_run=False)

    assert [(sheet, row, column) for sheet, row, column, _ in errors_of(report)] == [
        ("systems", 5, "scenario"),
        ("flows", 3, "scenario"),
        ("flows", 4, "notes"),
        ("flows", 5, "source"),
    ]
    messages = [message for *_, message in errors_of(report)]
    assert messages[0] == "POS is not in the scenario Target (see the scenarios of its own row (row 4)): add it " \
                          "to that scenario first."
    assert messages[1] == (  # a scenario no scenarios sheet lists is created, but the flow is not in it
        "Dynamics AX → Commerce Cloud: Inventory is not in the scenario Future (see the scenarios of its own row "
        "(row 2)): add it to that scenario first."
    )
    assert messages[2].startswith("notes is shared by every scenario")
    assert messages[3].startswith("No flow joins Commerce Cloud and Dynamics AX")
    assert not report.applied
    assert session.scalar(select(func.count()).select_from(ScenarioValue)) == 0
    assert session.scalar(select(func.count()).select_from(DataFlow)) == 0


def test_two_flows_between_the_same_systems_need_a_key_to_say_which_one_a_scenario_row_is(session, engagement):
    header = [*FLOWS[0], "key"]
    flows = [
        header,
        ["Dynamics AX", "Commerce Cloud", "Inventory", "Batch file", 86400, 86400, "Current state; Target", "", ""],
        ["Dynamics AX", "Commerce Cloud", "Price", "Batch file", 86400, 86400, "Current state; Target", "", "P"],
        ["Dynamics AX", "Commerce Cloud", "Inventory", "Event / stream", 30, 30, "", "Target", ""],
        ["Dynamics AX", "Commerce Cloud", "Price", "API request/response", 5, 5, "", "Target", "P"],
        ["Dynamics AX", "Commerce Cloud", "Price", "Webhook", 5, 5, "", "Target", "Q"],
    ]
    data = xlsx({"scenarios": SCENARIOS, "systems": SYSTEMS, "flows": flows})

    report = import_workbook(session, engagement, data, dry_run=True)

    assert [(sheet, row, column) for sheet, row, column, _ in errors_of(report)] == [
        ("flows", 4, "key"), ("flows", 6, "key"),
    ]
    assert errors_of(report)[0][3] == ("2 flows join Dynamics AX and Commerce Cloud: give the right one's own row "
                                       "a key and this row the same key.")
    assert errors_of(report)[1][3] == "No row without a scenario has the key “Q”."

    fixed = xlsx({"scenarios": SCENARIOS, "systems": SYSTEMS, "flows": flows[:5]})
    assert import_workbook(session, engagement, fixed, dry_run=True).ok is False  # row 4 still has no key
    flows[3][-1], flows[1][-1] = "I", "I"
    report = import_workbook(session, engagement, xlsx({"scenarios": SCENARIOS, "systems": SYSTEMS,
                                                        "flows": flows[:5]}), dry_run=False)
    assert report.ok, errors_of(report)
    target = next(s for s in list_scenarios(session, engagement.id) if s.name == "Target")
    patterns = sorted(f.pattern for f in load_snapshot(session, target).flows)
    assert patterns == ["api", "event"]
