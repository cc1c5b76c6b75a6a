"""Importing and exporting the spreadsheet workbook through the services, on both databases: round trips
(export -> import -> export gives the same cells), formula injection, and what the export writes."""

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
    DataFlow,
    Decision,
    Element,
    Ownership,
    Requirement,
    Stakeholder,
    System,
    TraceLink,
)
from tests.support.bundles import row_counts
from tests.support.workbooks import cells, csv_zip, errors_of, inventory, system_named

# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_export_import_into_an_empty_engagement_export_gives_identical_cells_for_the_demo(session, fmt):
    demo = load_demo(session)
    first = export_workbook(session, demo, fmt)
    empty = create_engagement(session, "Copy", seed=False)

    report = import_workbook(session, empty, first, dry_run=False)

    assert report.ok and report.applied, errors_of(report)
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
    assert first.ok, errors_of(first)
    changes = session.scalar(select(func.count()).select_from(Change))
    again = import_workbook(session, engagement, inventory(), dry_run=False)
    assert again.summary() == "0 created, 0 updated, 7 unchanged"
    assert session.scalar(select(func.count()).select_from(Change)) == changes


# --- formula injection ----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_dangerous_text_is_neutralised_in_the_csv_export_kept_exactly_in_xlsx_and_read_back_as_typed(
    session, engagement, fmt
):
    save_element(session, engagement, "stakeholder", {"name": "@ann", "role": "=1+1", "team": "-ops"})
    save_element(session, engagement, "system", {"name": "+Shop", "category": "ecommerce", "notes": '=HYPERLINK("x")'})
    data = export_workbook(session, engagement, fmt)
    sheets = read_cells(data)
    system_rows = sheets["systems.csv" if fmt == "zip" else "systems"]
    quote = "'" if fmt == "zip" else ""
    assert system_rows[1][0] == quote + "+Shop" and system_rows[1][-1] == quote + '=HYPERLINK("x")'

    copy = create_engagement(session, "Copy", seed=False)
    report = import_workbook(session, copy, data, dry_run=False)
    assert report.ok, errors_of(report)
    person = session.scalar(select(Stakeholder).where(Stakeholder.engagement_id == copy.id))
    assert (person.name, person.role, person.team) == ("@ann", "=1+1", "-ops")
    assert system_named(session, copy, "+Shop").notes == '=HYPERLINK("x")'
    assert read_cells(export_workbook(session, copy, fmt)) == sheets


# --- what the export writes, and CSV files --------------------------------------------------------


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
    assert system_named(session, engagement, "SAP ECC").owner.name == "Ann Archer"
