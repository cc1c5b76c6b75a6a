"""Importing the spreadsheet workbook through the services, on both databases: how rows are matched to what
they describe and references resolved (names, refs and titles, flows, ownership), and updates."""

from __future__ import annotations

from sqlalchemy import func, select

from app.services.catalog.elements import save_element
from app.services.workbook.importer import import_workbook
from models import (
    Change,
    Channel,
    Decision,
    Engagement,
    Ownership,
    Requirement,
    TraceLink,
)
from tests.support.workbooks import FLOWS, SYSTEMS, errors_of, flows_of, inventory, system_named, xlsx

# --- references -----------------------------------------------------------------------------------


def test_references_are_by_name_case_insensitively_and_choices_by_label_or_code(session, engagement):
    report = import_workbook(session, engagement, inventory(), dry_run=False)
    assert report.ok, errors_of(report)
    sap = system_named(session, engagement, "SAP ECC")
    shop = system_named(session, engagement, "Shopify Plus")
    assert (sap.category, sap.hosting, sap.lifecycle, sap.owner.name) == ("erp", "on_prem", "retiring", "Ann Archer")
    assert sorted(c.name for c in shop.channels) == ["Store", "Web"]
    assert [s.name for s in shop.scenarios] == ["Current state"]
    flows = flows_of(session, engagement)
    assert [(f.source.name, f.target.name, f.via.name if f.via else None) for f in flows][2] == (
        "Shopify Plus",
        "SAP ECC",
        "MuleSoft",
    )
    assert flows[2].entities[0].name == "Order" and flows[2].pattern == "api"


def test_unknown_channels_entities_and_stakeholders_are_errors_not_created(session, engagement):
    systems = [SYSTEMS[0], ["POS", "pos", "", "", "", "Nobody", "Kiosk; Web; Fax", "Target", "", ""]]
    flows = [FLOWS[0], ["POS", "POS", "Gift cards", "batch", "", "", "", ""]]
    report = import_workbook(session, engagement, inventory(systems=systems, flows=flows), dry_run=True)
    assert errors_of(report) == [
        ("systems", 2, "owner", "Unknown stakeholder “Nobody” (not in the engagement or the stakeholders sheet)."),
        ("systems", 2, "channels", "Unknown channels “Kiosk”, “Fax” (not in the engagement or the channels sheet)."),
    ]  # the flow row refers to the failed POS row: skipped without an error of its own
    assert session.scalar(select(func.count()).select_from(Channel).where(Channel.name == "Kiosk")) == 0


def test_channels_entities_and_scenarios_listed_in_the_workbook_may_be_referred_to(session, engagement):
    data = inventory(
        channels=[["name", "customer_facing"], ["Kiosk", "yes"]],
        entities=[["name", "time_critical"], ["Gift card", "no"]],
        scenarios=[["name", "description"], ["Target", "Central OMS"]],
        systems=[*SYSTEMS[:2], ["POS", "pos", "", "", "", "", "Kiosk", "Current state; target", "", ""]],
        flows=[FLOWS[0], ["POS", "SAP ECC", "gift card", "event", "", "", "", ""]],
    )
    report = import_workbook(session, engagement, data, dry_run=False)
    assert report.ok, errors_of(report)
    pos = system_named(session, engagement, "POS")
    assert [c.name for c in pos.channels] == ["Kiosk"]
    assert [s.name for s in pos.scenarios] == ["Current state", "Target"]


def test_no_scenarios_cell_means_the_current_state_and_none_means_in_no_scenario(session, engagement):
    systems = [*SYSTEMS, ["Old POS", "pos", "", "", "Retired", "", "", "(none)", "", ""]]
    report = import_workbook(session, engagement, inventory(systems=systems), dry_run=False)
    assert report.ok, errors_of(report)
    assert [s.name for s in system_named(session, engagement, "SAP ECC").scenarios] == ["Current state"]
    assert system_named(session, engagement, "Old POS").scenarios == []
    again = import_workbook(session, engagement, inventory(systems=systems), dry_run=True)
    assert again.count("created") == again.count("updated") == 0


def test_requirements_and_decisions_are_matched_by_ref_or_title_and_referred_to_either_way(session, engagement):
    data = inventory(
        requirements=[
            ["ref", "title", "satisfied_by", "refines"],
            ["REQ-3", "Accurate stock on web", "Shopify Plus; SAP ECC -> Shopify Plus [Inventory]", ""],
            ["", "Stock every 15 minutes", "", "req-3"],
        ],
        decisions=[
            ["ref", "title", "status", "deciders", "supersedes", "addresses", "affects"],
            [
                "",
                "Events for stock",
                "accepted",
                "ANN ARCHER",
                "nightly files",
                "REQ-3; stock every 15 MINUTES",
                "mulesoft",
            ],
            ["ADR-1", "Nightly files", "superseded", "", "", "", "SAP ECC -> Shopify Plus [Price, Product | batch]"],
        ],
    )
    report = import_workbook(session, engagement, data, dry_run=False)
    assert report.ok, errors_of(report)
    req3 = session.scalar(select(Requirement).where(Requirement.ref == "REQ-3"))
    req4 = session.scalar(select(Requirement).where(Requirement.name == "Stock every 15 minutes"))
    assert req4.ref == "REQ-4"
    events = session.scalar(select(Decision).where(Decision.name == "Events for stock"))
    assert events.ref == "ADR-2" and events.supersedes.ref == "ADR-1"
    assert [s.name for s in events.stakeholders_in("decider")] == ["Ann Archer"]
    links = {(link.kind, link.source.label, link.target.label) for link in session.scalars(select(TraceLink))}
    inventory_flow = "SAP ECC → Shopify Plus: Inventory"
    assert links == {
        ("satisfied_by", req3.label, "Shopify Plus"),
        ("satisfied_by", req3.label, inventory_flow),
        ("refines", req4.label, req3.label),
        ("addresses", req3.label, events.label),
        ("addresses", req4.label, events.label),
        ("affects", events.label, "MuleSoft"),
        ("affects", "ADR-1 Nightly files", "SAP ECC → Shopify Plus: Product, Price"),
    }
    session.refresh(engagement)
    assert (engagement.next_requirement_number, engagement.next_decision_number) == (5, 3)
    again = import_workbook(session, engagement, data, dry_run=False)
    assert again.count("created") == again.count("updated") == 0, again.lines()


def test_removing_a_link_from_the_workbook_removes_it_and_counts_the_row_as_updated(session, engagement):
    requirements = [["ref", "title", "satisfied_by"], ["", "Stock on web", "Shopify Plus; SAP ECC"]]
    import_workbook(session, engagement, inventory(requirements=requirements), dry_run=False)
    requirements[1][2] = "Shopify Plus"
    report = import_workbook(session, engagement, inventory(requirements=requirements), dry_run=False)
    assert [r.label for r in report.sheets["requirements"].updated] == ["REQ-1 Stock on web"]
    assert [link.target.name for link in session.scalars(select(TraceLink))] == ["Shopify Plus"]


def test_an_ambiguous_flow_reference_asks_for_details(session, engagement):
    decisions = [["title", "affects"], ["Events", "SAP ECC -> Shopify Plus"]]
    report = import_workbook(session, engagement, inventory(decisions=decisions), dry_run=True)
    assert errors_of(report) == [
        (
            "decisions",
            2,
            "affects",
            "2 flows match SAP ECC -> Shopify Plus: add [Entities | Pattern | via System] to say which.",
        ),
    ]


def test_a_new_ref_whose_number_was_used_before_is_refused(session, engagement):
    gone = save_element(session, engagement, "requirement", {"title": "Dropped"})
    from app.services.catalog.elements import delete_element

    delete_element(session, engagement, gone)
    data = inventory(requirements=[["ref", "title"], ["REQ-1", "Reborn"], ["REQ-2", "Same"], ["REQ-2", "Twice"]])
    report = import_workbook(session, engagement, data, dry_run=True)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (
            2,
            "ref",
            "REQ-1 is not in this engagement and its number was used before; leave the ref blank to add a new one.",
        ),
        (4, "ref", "Same ref as row 3."),
    ]


# --- flows are identified by source, target, entities, pattern and via ----------------------------


def test_several_flows_between_two_systems_are_told_apart_by_entities_pattern_and_via(session, engagement):
    flows = [
        FLOWS[0],
        ["SAP ECC", "Shopify Plus", "Inventory", "batch", "Nightly", 43200, 86400, "MuleSoft"],
        ["SAP ECC", "Shopify Plus", "Inventory", "batch", "Hourly", 3600, 7200, ""],  # no via
        ["SAP ECC", "Shopify Plus", "Inventory", "event", "Real time", 1, 5, "MuleSoft"],  # another pattern
        ["SAP ECC", "Shopify Plus", "Inventory; Price", "batch", "Nightly", 43200, 86400, "MuleSoft"],  # entities
    ]
    report = import_workbook(session, engagement, inventory(flows=flows), dry_run=False)
    assert report.ok and report.count("created") == 8, errors_of(report)
    assert len(flows_of(session, engagement)) == 4

    flows[2][4] = "Every 30 minutes"
    flows[4] = ["sap ecc", "SHOPIFY PLUS", "price; inventory", "Batch file", "Nightly", 43200, 86400, "mulesoft"]
    again = import_workbook(session, engagement, inventory(flows=flows), dry_run=False)
    assert [r.row for r in again.sheets["flows"].updated] == [3]
    assert again.count("created") == 0
    assert [f.frequency for f in flows_of(session, engagement)] == [
        "Nightly",
        "Every 30 minutes",
        "Real time",
        "Nightly",
    ]


def test_identical_flow_rows_are_separate_flows_with_a_warning_and_match_again_on_reimport(session, engagement):
    flows = [FLOWS[0], FLOWS[1], FLOWS[1]]
    report = import_workbook(session, engagement, inventory(flows=flows), dry_run=False)
    assert [(w.sheet, w.row) for w in report.warnings] == [("flows", 3)]
    assert len(flows_of(session, engagement)) == 2
    assert import_workbook(session, engagement, inventory(flows=flows), dry_run=True).count("created") == 0


def test_ownership_is_identified_by_system_entity_and_role(session, engagement):
    ownership = [
        ["system", "entity", "role", "scenarios"],
        ["SAP ECC", "Inventory", "System of record", ""],
        ["SAP ECC", "inventory", "sor", ""],
    ]
    report = import_workbook(session, engagement, inventory(ownership=ownership), dry_run=True)
    assert errors_of(report) == [("ownership", 3, "role", "Same system, entity and role as row 2.")]
    ownership.pop()
    import_workbook(session, engagement, inventory(ownership=ownership), dry_run=False)
    ownership[1][3] = "(none)"
    again = import_workbook(session, engagement, inventory(ownership=ownership), dry_run=False)
    assert [r.label for r in again.sheets["ownership"].updated] == ["SAP ECC — System of record — Inventory"]
    assert session.scalar(select(Ownership)).scenarios == []


# --- updates --------------------------------------------------------------------------------------


def test_an_update_changes_only_the_columns_present_and_records_the_change(session, engagement, user):
    import_workbook(session, engagement, inventory(), dry_run=False)
    sap = system_named(session, engagement, "SAP ECC")
    save_element(session, engagement, "system", {"notes": "Keep me", "product": "ECC 6"}, sap, partial=True)
    data = xlsx({"systems": [["name", "category", "vendor"], ["SAP ECC", "erp", "SAP SE"]]})
    report = import_workbook(session, engagement, data, dry_run=False, user_id=user.id)
    assert report.summary() == "0 created, 1 updated, 0 unchanged"
    session.expire_all()
    sap = system_named(session, engagement, "SAP ECC")
    assert (sap.vendor, sap.notes, sap.product, sap.version) == ("SAP SE", "Keep me", "ECC 6", 3)
    change = session.scalar(select(Change).order_by(Change.id.desc()))
    assert (change.action, change.user_id, change.before["vendor"], change.after["vendor"]) == (
        "update",
        user.id,
        "SAP",
        "SAP SE",
    )


def test_a_scenarios_sheet_renames_the_current_state_and_adds_proposals(session, engagement):
    data = xlsx({"scenarios": [["name", "description", "baseline"], ["As is", "Today", "yes"], ["Target", "", "no"]]})
    report = import_workbook(session, engagement, data, dry_run=False)
    assert report.summary() == "1 created, 1 updated, 0 unchanged", errors_of(report)
    names = sorted((s.name, s.is_baseline) for s in session.scalars(select(Engagement)).one().scenarios)
    assert names == [("As is", True), ("Target", False)]


def test_the_current_state_cannot_become_a_proposal(session, engagement):
    data = xlsx({"scenarios": [["name", "baseline"], ["Current state", "no"]]})
    report = import_workbook(session, engagement, data, dry_run=True)
    assert errors_of(report) == [
        ("scenarios", 2, "baseline", "This is the current state; it cannot become a proposal.")
    ]
