"""Importing the spreadsheet workbook through the services, on both databases: what a dry run reports,
validation, and all or nothing (one error saves nothing)."""

from __future__ import annotations

from app.services.workbook.importer import import_workbook
from tests.support.bundles import row_counts
from tests.support.workbooks import FLOWS, STAKEHOLDERS, SYSTEMS, errors_of, inventory, system_named, xlsx

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
    assert system_named(session, engagement, "SAP ECC").vendor == "SAP"
    assert system_named(session, engagement, "Manhattan Active Omni") is None


def test_a_dry_run_validates_like_the_import_and_numbers_new_requirements(session, engagement):
    data = inventory(
        requirements=[["ref", "title", "priority"], ["", "Stock on web", "Must"], ["REQ-7", "Click and collect", ""]],
        flows=[FLOWS[0], ["SAP ECC", "SAP ECC", "Inventory", "batch", "", 10, 5, ""]],
    )
    report = import_workbook(session, engagement, data, dry_run=True)
    assert errors_of(report) == [
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
    assert errors_of(report) == [
        ("decisions", 3, "status", "Must be one of: proposed, accepted, rejected, deprecated, superseded.")
    ]
    assert report.count("created") == 8  # what it would have done, had the workbook been right
    assert row_counts(session) == before
    assert system_named(session, engagement, "SAP ECC") is None
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


def test_stakeholder_rows_are_validated_by_the_element_rules(session, engagement):
    data = xlsx({"stakeholders": [STAKEHOLDERS[0], ["Bo", "Buyer", "Stores", "not an email"], ["", "x", "", ""]]})
    report = import_workbook(session, engagement, data, dry_run=False)
    assert errors_of(report) == [
        ("stakeholders", 2, "email", "Enter a valid email address."),
        ("stakeholders", 3, "name", "This field is required."),
    ]
