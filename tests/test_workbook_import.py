"""Importing and exporting the spreadsheet workbook through the services, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.catalog.elements import save_element
from app.services.demo import load_demo
from app.services.engagements import create_engagement
from app.services.workbook.export import export_tables, export_workbook, template_workbook
from app.services.workbook.importer import import_workbook
from exports.workbook import read_cells
from models import (
    Change,
    Channel,
    DataFlow,
    Decision,
    Element,
    Engagement,
    Ownership,
    Requirement,
    Stakeholder,
    System,
    TraceLink,
)
from tests.support.bundles import row_counts
from tests.support.workbooks import FLOWS, STAKEHOLDERS, SYSTEMS, cells, csv_zip, inventory, xlsx


def _errors(report) -> list[tuple]:
    return [(p.sheet, p.row, p.column, p.message) for p in report.errors]


def _system(session, engagement, name) -> System:
    return session.scalar(select(System).where(System.engagement_id == engagement.id, System.name == name))


def _flows(session, engagement) -> list[DataFlow]:
    return list(session.scalars(select(DataFlow).where(DataFlow.engagement_id == engagement.id).order_by(DataFlow.id)))


# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_export_import_into_an_empty_engagement_export_gives_identical_cells_for_the_demo(session, fmt):
    demo = load_demo(session)
    first = export_workbook(session, demo, fmt)
    empty = create_engagement(session, "Copy", seed=False)

    report = import_workbook(session, empty, first, dry_run=False)

    assert report.ok and report.applied, _errors(report)
    assert report.count("created") > 100 and report.count("updated") == 1  # the current state's description
    second = export_workbook(session, empty, fmt)
    assert read_cells(second) == read_cells(first)
    session.expire_all()
    for model in (System, DataFlow, Ownership, Requirement, Decision, TraceLink):
        count = select(func.count()).select_from(model)
        assert session.scalar(count.where(model.engagement_id == empty.id)) == session.scalar(
            count.where(model.engagement_id == demo.id)
        ), model.__name__
    assert (empty.next_requirement_number, empty.next_decision_number) == (
        demo.next_requirement_number,
        demo.next_decision_number,
    )


def test_the_demo_round_trip_keeps_refs_links_supersession_and_qualified_flow_references(session):
    demo = load_demo(session)
    tables = export_tables(session, demo)
    assert [r["ref"] for r in tables["requirements"]][-3:] == ["REQ-12", "REQ-13", "REQ-14"]  # REQ-11 was deleted
    assert any("[" in (r["affects"] or "") for r in tables["decisions"])  # two flows join SAP ECC and SFCC
    copy = create_engagement(session, "Copy", seed=False)
    import_workbook(session, copy, export_workbook(session, demo), dry_run=False)
    adr3 = session.scalar(select(Decision).where(Decision.engagement_id == copy.id, Decision.ref == "ADR-3"))
    assert adr3.supersedes.ref == "ADR-1"
    assert export_tables(session, copy) == tables


def test_reimporting_the_same_workbook_changes_nothing_and_records_nothing(session):
    demo = load_demo(session)
    data = export_workbook(session, demo)
    before = row_counts(session)
    versions = dict(session.execute(select(Element.id, Element.version).where(Element.engagement_id == demo.id)).all())

    report = import_workbook(session, demo, data, dry_run=False)

    assert report.ok and (report.count("created"), report.count("updated")) == (0, 0)
    assert report.count("unchanged") == 121
    assert row_counts(session) == before
    session.expire_all()
    assert (
        dict(session.execute(select(Element.id, Element.version).where(Element.engagement_id == demo.id)).all())
        == versions
    )


def test_reimporting_a_hand_written_inventory_changes_nothing_the_second_time(session, engagement):
    first = import_workbook(session, engagement, inventory(), dry_run=False)
    assert first.ok, _errors(first)
    changes = session.scalar(select(func.count()).select_from(Change))
    again = import_workbook(session, engagement, inventory(), dry_run=False)
    assert again.summary() == "0 created, 0 updated, 7 unchanged"
    assert session.scalar(select(func.count()).select_from(Change)) == changes


# --- dry run and all or nothing -------------------------------------------------------------------


def test_a_dry_run_reports_creates_updates_and_unchanged_rows_and_saves_nothing(session, engagement):
    import_workbook(session, engagement, inventory(), dry_run=False)
    systems = [row[:] for row in SYSTEMS]
    systems[1][2] = "SAP SE"  # SAP ECC: new vendor
    systems.append(["Manhattan Active Omni", "OMS", "Manhattan", "SaaS", "Planned", "", "", "", "", ""])
    before = row_counts(session)

    report = import_workbook(session, engagement, inventory(systems=systems), dry_run=True)

    assert report.ok and not report.applied
    sheet = report.sheets["systems"]
    assert [(r.row, r.label) for r in sheet.created] == [(5, "Manhattan Active Omni")]
    assert [(r.row, r.label) for r in sheet.updated] == [(2, "SAP ECC")]
    assert [r.label for r in sheet.unchanged] == ["Shopify Plus", "MuleSoft"]
    assert report.lines()[0] == "systems: 1 to create, 1 to update, 2 unchanged"
    assert row_counts(session) == before
    assert _system(session, engagement, "SAP ECC").vendor == "SAP"
    assert _system(session, engagement, "Manhattan Active Omni") is None


def test_a_dry_run_validates_like_the_import_and_numbers_new_requirements(session, engagement):
    data = inventory(
        requirements=[["ref", "title", "priority"], ["", "Stock on web", "Must"], ["REQ-7", "Click and collect", ""]],
        flows=[FLOWS[0], ["SAP ECC", "SAP ECC", "Inventory", "batch", "", 10, 5, ""]],
    )
    report = import_workbook(session, engagement, data, dry_run=True)
    assert _errors(report) == [
        ("flows", 2, "target", "Target must differ from source."),
        ("flows", 2, "worst_latency_seconds", "Worst latency cannot be below typical."),
    ]
    # A row without a ref is numbered after the refs named in the workbook.
    assert [r.label for r in report.sheets["requirements"].created] == ["REQ-8 Stock on web", "REQ-7 Click and collect"]


def test_one_bad_row_in_the_last_sheet_saves_nothing_from_the_earlier_sheets(session, engagement):
    before = row_counts(session)
    data = inventory(decisions=[["ref", "title", "status"], ["", "Central OMS", "accepted"], ["", "Files", "maybe"]])

    report = import_workbook(session, engagement, data, dry_run=False)

    assert not report.ok and not report.applied
    assert _errors(report) == [
        ("decisions", 3, "status", "Must be one of: proposed, accepted, rejected, deprecated, superseded.")
    ]
    assert report.count("created") == 8  # what it would have done, had the workbook been right
    assert row_counts(session) == before
    assert _system(session, engagement, "SAP ECC") is None
    session.refresh(engagement)
    assert engagement.next_decision_number == 1


def test_an_unreadable_file_is_a_report_not_an_exception(session, engagement):
    report = import_workbook(session, engagement, b"hello", filename="inventory.txt", dry_run=True)
    assert not report.ok and report.sheets == {}
    assert "inventory.txt is not an .xlsx workbook" in report.errors[0].message


def test_formula_cells_fail_the_import_with_their_position(session, engagement):
    systems = [row[:] for row in SYSTEMS]
    systems[3][2] = '=CONCAT("Sales","force")'
    before = row_counts(session)
    report = import_workbook(session, engagement, inventory(systems=systems), dry_run=False)
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("systems", 4, "vendor")]
    assert row_counts(session) == before


# --- references -----------------------------------------------------------------------------------


def test_references_are_by_name_case_insensitively_and_choices_by_label_or_code(session, engagement):
    report = import_workbook(session, engagement, inventory(), dry_run=False)
    assert report.ok, _errors(report)
    sap = _system(session, engagement, "SAP ECC")
    shop = _system(session, engagement, "Shopify Plus")
    assert (sap.category, sap.hosting, sap.lifecycle, sap.owner.name) == ("erp", "on_prem", "retiring", "Ann Archer")
    assert sorted(c.name for c in shop.channels) == ["Store", "Web"]
    assert [s.name for s in shop.scenarios] == ["Current state"]
    flows = _flows(session, engagement)
    assert [(f.source.name, f.target.name, f.via.name if f.via else None) for f in flows][2] == (
        "Shopify Plus",
        "SAP ECC",
        "MuleSoft",
    )
    assert flows[2].entities[0].name == "Order" and flows[2].pattern == "api"


def test_unknown_channels_entities_stakeholders_and_scenarios_are_errors_not_created(session, engagement):
    systems = [SYSTEMS[0], ["POS", "pos", "", "", "", "Nobody", "Kiosk; Web; Fax", "Target", "", ""]]
    flows = [FLOWS[0], ["POS", "POS", "Gift cards", "batch", "", "", "", ""]]
    report = import_workbook(session, engagement, inventory(systems=systems, flows=flows), dry_run=True)
    assert _errors(report) == [
        ("systems", 2, "owner", "Unknown stakeholder “Nobody” (not in the engagement or the stakeholders sheet)."),
        ("systems", 2, "channels", "Unknown channels “Kiosk”, “Fax” (not in the engagement or the channels sheet)."),
        ("systems", 2, "scenarios", "Unknown scenario “Target” (not in the engagement or the scenarios sheet)."),
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
    assert report.ok, _errors(report)
    pos = _system(session, engagement, "POS")
    assert [c.name for c in pos.channels] == ["Kiosk"]
    assert [s.name for s in pos.scenarios] == ["Current state", "Target"]


def test_no_scenarios_cell_means_the_current_state_and_none_means_in_no_scenario(session, engagement):
    systems = [*SYSTEMS, ["Old POS", "pos", "", "", "Retired", "", "", "(none)", "", ""]]
    report = import_workbook(session, engagement, inventory(systems=systems), dry_run=False)
    assert report.ok, _errors(report)
    assert [s.name for s in _system(session, engagement, "SAP ECC").scenarios] == ["Current state"]
    assert _system(session, engagement, "Old POS").scenarios == []
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
    assert report.ok, _errors(report)
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
    assert _errors(report) == [
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


# --- flows are identified by source, target, entities, pattern and via ---------------------------


def test_several_flows_between_two_systems_are_told_apart_by_entities_pattern_and_via(session, engagement):
    flows = [
        FLOWS[0],
        ["SAP ECC", "Shopify Plus", "Inventory", "batch", "Nightly", 43200, 86400, "MuleSoft"],
        ["SAP ECC", "Shopify Plus", "Inventory", "batch", "Hourly", 3600, 7200, ""],  # no via
        ["SAP ECC", "Shopify Plus", "Inventory", "event", "Real time", 1, 5, "MuleSoft"],  # another pattern
        ["SAP ECC", "Shopify Plus", "Inventory; Price", "batch", "Nightly", 43200, 86400, "MuleSoft"],  # entities
    ]
    report = import_workbook(session, engagement, inventory(flows=flows), dry_run=False)
    assert report.ok and report.count("created") == 8, _errors(report)
    assert len(_flows(session, engagement)) == 4

    flows[2][4] = "Every 30 minutes"
    flows[4] = ["sap ecc", "SHOPIFY PLUS", "price; inventory", "Batch file", "Nightly", 43200, 86400, "mulesoft"]
    again = import_workbook(session, engagement, inventory(flows=flows), dry_run=False)
    assert [r.row for r in again.sheets["flows"].updated] == [3]
    assert again.count("created") == 0
    assert [f.frequency for f in _flows(session, engagement)] == ["Nightly", "Every 30 minutes", "Real time", "Nightly"]


def test_identical_flow_rows_are_separate_flows_with_a_warning_and_match_again_on_reimport(session, engagement):
    flows = [FLOWS[0], FLOWS[1], FLOWS[1]]
    report = import_workbook(session, engagement, inventory(flows=flows), dry_run=False)
    assert [(w.sheet, w.row) for w in report.warnings] == [("flows", 3)]
    assert len(_flows(session, engagement)) == 2
    assert import_workbook(session, engagement, inventory(flows=flows), dry_run=True).count("created") == 0


def test_ownership_is_identified_by_system_entity_and_role(session, engagement):
    ownership = [
        ["system", "entity", "role", "scenarios"],
        ["SAP ECC", "Inventory", "System of record", ""],
        ["SAP ECC", "inventory", "sor", ""],
    ]
    report = import_workbook(session, engagement, inventory(ownership=ownership), dry_run=True)
    assert _errors(report) == [("ownership", 3, "role", "Same system, entity and role as row 2.")]
    ownership.pop()
    import_workbook(session, engagement, inventory(ownership=ownership), dry_run=False)
    ownership[1][3] = "(none)"
    again = import_workbook(session, engagement, inventory(ownership=ownership), dry_run=False)
    assert [r.label for r in again.sheets["ownership"].updated] == ["SAP ECC — System of record — Inventory"]
    assert session.scalar(select(Ownership)).scenarios == []


# --- updates --------------------------------------------------------------------------------------


def test_an_update_changes_only_the_columns_present_and_records_the_change(session, engagement, user):
    import_workbook(session, engagement, inventory(), dry_run=False)
    sap = _system(session, engagement, "SAP ECC")
    save_element(session, engagement, "system", {"notes": "Keep me", "product": "ECC 6"}, sap, partial=True)
    data = xlsx({"systems": [["name", "category", "vendor"], ["SAP ECC", "erp", "SAP SE"]]})
    report = import_workbook(session, engagement, data, dry_run=False, user_id=user.id)
    assert report.summary() == "0 created, 1 updated, 0 unchanged"
    session.expire_all()
    sap = _system(session, engagement, "SAP ECC")
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
    assert report.summary() == "1 created, 1 updated, 0 unchanged", _errors(report)
    names = sorted((s.name, s.is_baseline) for s in session.scalars(select(Engagement)).one().scenarios)
    assert names == [("As is", True), ("Target", False)]


def test_the_current_state_cannot_become_a_proposal(session, engagement):
    data = xlsx({"scenarios": [["name", "baseline"], ["Current state", "no"]]})
    report = import_workbook(session, engagement, data, dry_run=True)
    assert _errors(report) == [("scenarios", 2, "baseline", "This is the current state; it cannot become a proposal.")]


# --- formula injection ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_dangerous_text_is_neutralised_in_the_export_and_restored_by_the_import(session, engagement, fmt):
    save_element(session, engagement, "stakeholder", {"name": "@ann", "role": "=1+1", "team": "-ops"})
    save_element(session, engagement, "system", {"name": "+Shop", "category": "ecommerce", "notes": '=HYPERLINK("x")'})
    data = export_workbook(session, engagement, fmt)
    sheets = read_cells(data)
    system_rows = sheets["systems.csv" if fmt == "zip" else "systems"]
    assert system_rows[1][0] == "'+Shop" and system_rows[1][-1] == '\'=HYPERLINK("x")'

    copy = create_engagement(session, "Copy", seed=False)
    report = import_workbook(session, copy, data, dry_run=False)
    assert report.ok, _errors(report)
    person = session.scalar(select(Stakeholder).where(Stakeholder.engagement_id == copy.id))
    assert (person.name, person.role, person.team) == ("@ann", "=1+1", "-ops")
    assert _system(session, copy, "+Shop").notes == '=HYPERLINK("x")'
    assert read_cells(export_workbook(session, copy, fmt)) == sheets


def test_numbers_stay_numbers_in_the_export(session, engagement):
    import_workbook(session, engagement, inventory(), dry_run=False)
    rows = cells(export_workbook(session, engagement), "flows")
    assert rows[0][:7] == [
        "source*",
        "target*",
        "entities*",
        "pattern*",
        "frequency",
        "latency_seconds",
        "worst_latency_seconds",
    ]
    assert {type(r[5]) for r in rows[1:]} == {int}


def test_the_template_has_an_instructions_sheet_and_empty_sheets(session):
    sheets = read_cells(template_workbook())
    assert list(sheets)[0] == "Instructions"
    assert ["Allowed values"] in [row[:1] for row in sheets["Instructions"]]
    assert all(len(rows) == 1 for name, rows in sheets.items() if name != "Instructions")


def test_a_csv_zip_imports_like_an_xlsx(session, engagement):
    data = csv_zip(
        {
            "stakeholders.csv": "\ufeffname,role,area,email\r\nAnn Archer,CIO,IT,ann@client.example\r\n",
            "systems.csv": "name*,category*,owner,channels\r\nSAP ECC,ERP,ann archer,\r\nShop,ecommerce,,Web;Store\r\n",
        }
    )
    report = import_workbook(session, engagement, data, dry_run=False)
    assert report.ok and report.format == "csv" and report.summary() == "3 created, 0 updated, 0 unchanged"
    assert _system(session, engagement, "SAP ECC").owner.name == "Ann Archer"


def test_stakeholder_rows_are_validated_by_the_element_rules(session, engagement):
    data = xlsx({"stakeholders": [STAKEHOLDERS[0], ["Bo", "Buyer", "Stores", "not an email"], ["", "x", "", ""]]})
    report = import_workbook(session, engagement, data, dry_run=False)
    assert _errors(report) == [
        ("stakeholders", 2, "email", "Enter a valid email address."),
        ("stakeholders", 3, "name", "This field is required."),
    ]
