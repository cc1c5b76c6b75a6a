"""A client's spreadsheet is read as the client wrote it: choices, column headers and sheet names in loose
spellings (case, spaces, punctuation, common synonyms) are read and every such reading is shown by the dry
run; an ambiguous label is an error at its sheet, row and column; scenarios the rows name that no scenarios
sheet lists are created, and the dry run says so."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import models.vocab as vocab
from app.services.catalog.fields import KINDS
from app.services.workbook.importer import import_workbook
from app.services.workbook.mapping import SHEET_KIND
from app.services.workbook.vocab import SYNONYMS, choice_columns, vocabulary, vocabulary_name
from exports.workbook import SHEETS, read_header, read_sheet_name
from exports.workbook.labels import loose_key
from models import Scenario
from tests.support.workbooks import FLOWS, STAKEHOLDERS, SYSTEMS, errors_of, flows_of, system_named, xlsx


def _loose_spellings(text: str) -> list[str]:
    """Ways a person writes `text` that differ from it only in case, spaces and punctuation."""
    return [
        text.upper(),
        text.lower(),
        f"  {text.title()}  ",
        text.replace(" / ", "/").replace("/", " / ").replace("-", " ").replace("_", " "),
        "".join(ch for ch in text if ch.isalnum()),
        "-".join(text.lower().split()) + ".",
    ]


# --- every vocabulary ----------------------------------------------------------------------------


@pytest.mark.parametrize(("sheet", "column", "field"), choice_columns())
def test_loose_spellings_of_every_value_of_every_vocabulary_the_workbook_reads_are_read_as_that_value(
    sheet, column, field
):
    f = KINDS[SHEET_KIND[sheet]].field(field)
    reader = vocabulary(SHEET_KIND[sheet], f)
    for code, label in f.choices.items():
        assert reader.read(label).value == code and reader.read(label).exact
        assert reader.read(code).value == code and reader.read(code).exact
        for spelling in {*_loose_spellings(label), *_loose_spellings(code)}:
            reading = reader.read(spelling)
            assert reading.value == code, (sheet, column, spelling, reading)


def test_the_workbook_reads_every_choice_column_of_every_sheet():
    assert {(s, c) for s, c, _ in choice_columns()} >= {
        ("systems", "category"), ("systems", "hosting"), ("systems", "lifecycle"), ("flows", "pattern"),
        ("flows", "direction"), ("ownership", "role"), ("stakeholders", "area"), ("stakeholders", "influence"),
        ("requirements", "type"), ("requirements", "priority"), ("requirements", "status"), ("decisions", "status"),
    }


def test_every_synonym_names_a_value_of_a_vocabulary_of_models_vocab_and_names_only_that_one():
    for name, synonyms in SYNONYMS.items():
        choices = getattr(vocab, name)
        assert vocabulary_name(choices) == name
        assert set(synonyms) <= set(choices), name
        spellings: dict[str, str] = {}
        for code in choices:
            for spelling in (code, choices[code], *synonyms.get(code, ())):
                assert spellings.setdefault(loose_key(spelling), code) == code, (name, spelling)


@pytest.mark.parametrize("spec", SHEETS, ids=lambda s: s.name)
def test_loose_spellings_of_every_sheet_name_and_column_header_are_read(spec):
    for spelling in _loose_spellings(spec.name):
        assert read_sheet_name(spelling).value == spec.name, spelling
    for column in spec.columns:
        for spelling in _loose_spellings(column.name):
            reading = read_header(spec.name, spelling + ("*" if column.required else ""))
            assert reading.value == column.name, (spec.name, spelling)
    assert read_header("flows", "Latency (seconds)").value == "latency_seconds"
    assert read_header("flows", "Source system").value == "source"


# --- the dry run explains every reading ----------------------------------------------------------


CLIENT_SYSTEMS = [
    ["Application Name", "Type", "Hosting model", "Lifecycle"],
    ["SAP ECC", "ERP", "on prem", "Live"],
    ["MuleSoft", "iPaaS/ESB", "cloud", "ACTIVE"],
    ["Shopify Plus", "e-commerce platform", "SaaS", "active"],
]
CLIENT_FLOWS = [
    ["From", "To", "Data", "Flow style", "Direction", "Middleware"],
    ["SAP ECC", "Shopify Plus", "Inventory", "event/stream", "one way", "MuleSoft"],
    ["Shopify Plus", "SAP ECC", "Order", "REST", "Bidirectional", ""],
    ["SAP ECC", "Shopify Plus", "Price", "event/stream", "", ""],
]


def test_a_client_sheet_with_loose_labels_imports_after_a_dry_run_that_explains_every_reading(session, engagement):
    data = xlsx({"Applications": CLIENT_SYSTEMS, "Data-Flows": CLIENT_FLOWS})

    dry = import_workbook(session, engagement, data, dry_run=True)

    assert dry.ok, errors_of(dry)
    notes = [str(n) for n in dry.notes]
    assert "flows, column pattern: read 'event/stream' as Event / stream (rows 2, 4)" in notes
    assert "systems, column category: read 'iPaaS/ESB' as iPaaS / ESB (row 3)" in notes
    assert "systems, column hosting: read 'on prem' as On-premises (row 2)" in notes
    assert "systems, column lifecycle: read 'Live' as Active (row 2)" in notes
    assert "flows, column direction: read 'Bidirectional' as Two-way (row 3)" in notes
    assert "systems, column name: read the column “Application Name” as name" in notes
    assert "flows, column via: read the column “Middleware” as via" in notes
    assert "systems, column category: read 'ERP' as ERP (row 2)" not in notes  # exact: nothing to say
    assert system_named(session, engagement, "MuleSoft") is None  # a dry run saves nothing

    report = import_workbook(session, engagement, data, dry_run=False)

    assert report.ok and report.applied, errors_of(report)
    mule = system_named(session, engagement, "MuleSoft")
    assert (mule.category, mule.hosting, mule.lifecycle) == ("ipaas", "cloud", "active")
    assert sorted((f.pattern, f.direction) for f in flows_of(session, engagement)) == [
        ("api", "two_way"), ("event", "one_way"), ("event", "one_way")]


def test_an_ambiguous_label_is_an_error_naming_its_sheet_row_and_column_and_nothing_is_saved(session, engagement):
    systems = [*SYSTEMS, ["Old POS", "POS", "", "", "retir", "", "", "", "", ""]]
    report = import_workbook(session, engagement, xlsx({"stakeholders": STAKEHOLDERS, "systems": systems}),
                             dry_run=False)
    assert errors_of(report) == [
        ("systems", 5, "lifecycle", "“retir” could be Retiring or Retired: write one of them."),
    ]
    assert not report.applied and system_named(session, engagement, "SAP ECC") is None


def test_a_label_that_matches_nothing_is_an_error_at_its_row_and_column(session, engagement):
    flows = [*FLOWS, ["SAP ECC", "MuleSoft", "Order", "Carrier pigeon", "", "", "", ""]]
    report = import_workbook(session, engagement, xlsx({"stakeholders": STAKEHOLDERS, "systems": SYSTEMS,
                                                        "flows": flows}), dry_run=True)
    assert [(s, r, c) for s, r, c, _ in errors_of(report)] == [("flows", 5, "pattern")]


# --- scenarios the rows name ---------------------------------------------------------------------


def _scenario_count(session, engagement) -> int:
    return session.scalar(select(func.count()).select_from(Scenario).where(Scenario.engagement_id == engagement.id))


def test_scenarios_named_in_rows_but_on_no_scenarios_sheet_are_created_and_the_dry_run_says_so(session, engagement):
    systems = [*SYSTEMS, ["New OMS", "OMS", "", "", "Planned", "", "", "Target; Phase 3", "", ""],
               ["Shop app", "ecommerce", "", "", "", "", "", "target", "", ""]]
    decisions = [["title", "scenario"], ["Central OMS", "Phase 3"]]
    data = xlsx({"stakeholders": STAKEHOLDERS, "systems": systems, "decisions": decisions})
    before = _scenario_count(session, engagement)

    dry = import_workbook(session, engagement, data, dry_run=True)

    assert dry.ok, errors_of(dry)
    assert [str(n) for n in dry.notes if "scenario" in n.message] == [
        "systems, row 5: the scenario “Target” is not on a scenarios sheet: it will be created (first named here)",
        "systems, row 5: the scenario “Phase 3” is not on a scenarios sheet: it will be created (first named here)",
    ]
    assert _scenario_count(session, engagement) == before  # the dry run kept nothing

    report = import_workbook(session, engagement, data, dry_run=False)

    assert report.ok, errors_of(report)
    assert _scenario_count(session, engagement) == before + 2
    assert [s.name for s in system_named(session, engagement, "Shop app").scenarios] == ["Target"]
    assert sorted(s.name for s in system_named(session, engagement, "New OMS").scenarios) == ["Phase 3", "Target"]
    assert "was created" in str(report.notes[-1])


def test_a_scenario_name_a_scenario_cannot_have_is_an_error_at_its_row_and_column(session, engagement):
    systems = [*SYSTEMS, ["New OMS", "OMS", "", "", "", "", "", "x" * 201, "", ""]]
    report = import_workbook(session, engagement, xlsx({"stakeholders": STAKEHOLDERS, "systems": systems}),
                             dry_run=True)
    assert errors_of(report) == [
        ("systems", 5, "scenarios", f"The scenario “{'x' * 80}” cannot be created: At most 200 characters."),
    ]
