"""The workbook file format (exports/workbook/): safe reading and writing, with no database."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exports import workbook as wb
from exports.workbook import WorkbookError, neutralise, read_workbook, restore, write_csv_zip, write_xlsx
from exports.workbook import rows as wb_rows
from tests.support.workbooks import cells, csv_zip, xlsx

# --- formula safety -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+2", "+44 20 7946 0000", "-5", "@SUM(A1)", "|calc", "\tindent", "\rreturn"])
def test_text_a_spreadsheet_could_run_is_written_with_a_leading_quote_and_read_back_without(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("text", ["Plain", "'Tis the season", "'", "", "x=1"])
def test_ordinary_text_is_written_as_it_is(text):
    assert neutralise(text) == text
    assert restore(text) == text


def test_text_that_already_starts_with_a_quote_before_a_formula_character_keeps_its_quote():
    assert neutralise("'=kept") == "''=kept"
    assert restore("''=kept") == "'=kept"


@given(st.text())
def test_restore_undoes_neutralise_for_every_text(text):
    assert restore(neutralise(text)) == text


def test_written_cells_are_text_numbers_and_dates_never_formulas_or_error_values():
    data = write_xlsx(
        {
            "systems": [{"name": '=HYPERLINK("http://evil")', "category": "#N/A", "notes": "@me", "vendor": "-"}],
            "flows": [{"source": "A", "target": "B", "latency_seconds": 43200.0, "worst_latency_seconds": 0.5}],
            "decisions": [{"title": "Dated", "date": date(2025, 3, 10)}],
        }
    )
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    system = book["systems"]
    values = {c.column_letter: c.value for c in system[2]}
    assert (values["A"], values["B"], values["C"], values["K"]) == ('=HYPERLINK("http://evil")', "#N/A", "-", "@me")
    assert all(c.data_type == "s" for c in system[2] if c.value is not None)
    assert all(c.quotePrefix for c in system[2] if c.value is not None and c.value[0] in "=-@")
    flow = book["flows"][2]
    assert flow[5].value == 43200 and flow[5].data_type == "n" and flow[6].value == 0.5
    assert book["decisions"]["H2"].value == datetime(2025, 3, 10)


def test_the_template_has_instructions_first_then_every_sheet_with_starred_required_headers():
    data = write_xlsx({}, instructions=[["Throughline workbook"], ["", "Fill it in."]])
    sheets = wb.read_cells(data)
    assert list(sheets) == ["Instructions", *(s.name for s in wb.SHEETS)]
    assert sheets["systems"] == [
        [
            "name*",
            "category*",
            "vendor",
            "product",
            "hosting",
            "lifecycle",
            "owner",
            "channels",
            "scenarios",
            "tags",
            "notes",
        ]
    ]


def test_the_csv_zip_has_one_utf8_file_per_sheet_with_a_byte_order_mark_and_neutralised_text():
    data = write_csv_zip({"systems": [{"name": "=cmd|' /C calc'!A0", "category": "erp"}]}, readme="Read me")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == sorted(["README.txt", *(f"{s.name}.csv" for s in wb.SHEETS)])
    raw = archive.read("systems.csv")
    assert raw.startswith(b"\xef\xbb\xbfname*,category*")
    assert "'=cmd|' /C calc'!A0" in raw.decode("utf-8-sig")


# --- reading --------------------------------------------------------------------------------------


def test_headers_are_case_insensitive_and_may_carry_stars_and_spaces():
    book = read_workbook(xlsx({"Systems": [["NAME *", "Category", "Worst Latency Seconds"], ["A", "erp", None]]}))
    sheet = book.sheets["systems"]
    assert sheet.columns == ["name", "category"]
    assert sheet.rows[0].cells == {"name": "A", "category": "erp"}
    assert [(p.level, p.column or p.row) for p in book.problems] == [("warning", 1)]  # not a systems column


def test_unknown_columns_are_warnings_and_their_cells_are_ignored():
    book = read_workbook(xlsx({"systems": [["name", "category", "Comments"], ["A", "erp", "call Bob"]]}))
    assert book.sheets["systems"].rows[0].cells == {"name": "A", "category": "erp"}
    [warning] = book.problems
    assert warning.level == "warning" and "Unknown column “Comments”" in warning.message and warning.sheet == "systems"


def test_a_missing_required_column_is_an_error_naming_sheet_and_column():
    book = read_workbook(xlsx({"systems": [["name", "vendor"], ["A", "SAP"]]}))
    [error] = book.errors
    assert (error.sheet, error.column) == ("systems", "category")
    assert "required column category is missing" in error.message


def test_a_column_twice_is_an_error():
    book = read_workbook(xlsx({"systems": [["name", "category", "Name"], ["A", "erp", "B"]]}))
    assert [e.message for e in book.errors] == ["The column name appears twice."]


def test_formulas_are_reported_with_sheet_row_and_column_and_never_evaluated():
    book = read_workbook(xlsx({"systems": [["name", "category"], ["A", "erp"], ["=UPPER(A2)", "erp"]]}))
    [error] = book.errors
    assert (error.sheet, error.row, error.column) == ("systems", 3, "name")
    assert "formula (=UPPER(A2))" in error.message
    assert book.sheets["systems"].rows[1].bad == {"name"}


def test_a_cell_over_the_size_limit_is_reported_not_kept():
    book = read_workbook(xlsx({"systems": [["name", "category", "notes"], ["A", "erp", "x" * 10_000_000]]}))
    [error] = book.errors
    assert (error.sheet, error.row, error.column) == ("systems", 2, "notes")
    assert "Longer than 20000 characters" in error.message
    assert book.sheets["systems"].rows[0].cells["notes"] is None


def test_a_quote_written_by_the_csv_export_is_stripped_on_reading_but_an_xlsx_text_cell_is_kept_as_typed():
    csv_book = read_workbook(csv_zip({"systems.csv": "name,category\r\n'=SUM(1),erp\r\n"}))
    assert csv_book.sheets["systems"].rows[0].cells["name"] == "=SUM(1)"
    xlsx_book = read_workbook(xlsx({"systems": [["name", "category"], ["'=SUM(1)", "erp"]]}))
    assert xlsx_book.sheets["systems"].rows[0].cells["name"] == "'=SUM(1)"


def test_blank_rows_are_skipped_and_row_numbers_are_the_spreadsheets():
    book = read_workbook(xlsx({"systems": [["name", "category"], [None, None], ["A", "erp"], ["  ", ""], ["B", 7]]}))
    assert [(r.number, r.cells["name"], r.cells["category"]) for r in book.sheets["systems"].rows] == [
        (3, "A", "erp"),
        (5, "B", 7),
    ]


def test_the_instructions_sheet_is_ignored_and_other_sheets_are_warnings():
    book = read_workbook(xlsx({"Instructions": [["x"]], "Budget": [["a"]], "systems": [["name", "category"]]}))
    assert list(book.sheets) == ["systems"]
    assert [p.level for p in book.problems] == ["warning"]
    assert "“Budget” is not part of the template" in book.problems[0].message


def test_a_workbook_without_any_known_sheet_is_refused():
    with pytest.raises(WorkbookError, match="None of the known sheets"):
        read_workbook(xlsx({"Sheet1": [["Application", "Owner"], ["SAP", "Ann"]]}))


def test_more_rows_than_the_limit_is_an_error(monkeypatch):
    monkeypatch.setattr(wb_rows, "MAX_ROWS", 3)  # the limit as the row reader sees it
    book = read_workbook(xlsx({"systems": [["name", "category"], ["A", "erp"], ["B", "erp"], ["C", "erp"]]}))
    assert [(e.row, e.message) for e in book.errors] == [(4, "More than 3 rows: split the workbook.")]


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_files_with_a_byte_order_mark_read_like_any_other():
    book = read_workbook(csv_zip({"inventory/Systems.csv": "\ufeffname,category\r\nSAP ECC,erp\r\n"}))
    assert book.format == "csv"
    assert book.sheets["systems"].rows[0].cells == {"name": "SAP ECC", "category": "erp"}
    assert book.problems == []


def test_semicolon_separated_csv_as_european_excel_writes_it_is_understood():
    book = read_workbook(csv_zip({"systems.csv": 'name;category;channels\nShop;ecommerce;"Web; Store"\n'}))
    assert book.sheets["systems"].rows[0].cells == {"name": "Shop", "category": "ecommerce", "channels": "Web; Store"}


def test_invalid_utf8_names_the_row():
    raw = b"name,category\nSAP,erp\n" + b"Caf\xe9 POS,pos\n"
    book = read_workbook(csv_zip({"systems.csv": raw}))
    [error] = book.errors
    assert (error.sheet, error.row) == ("systems", 3)
    assert "not valid UTF-8" in error.message


def test_a_huge_csv_cell_is_reported_with_its_row():
    book = read_workbook(csv_zip({"systems.csv": "name,category,notes\nA,erp," + "x" * 200_000 + "\n"}))
    [error] = book.errors
    assert (error.sheet, error.row) == ("systems", 2) and "longer than 20000" in error.message


def test_a_multiline_cell_stays_in_its_row():
    book = read_workbook(csv_zip({"systems.csv": 'name,category,notes\nA,erp,"line 1\nline 2"\nB,pos,\n'}))
    rows = book.sheets["systems"].rows
    assert [(r.number, r.cells["name"]) for r in rows] == [(2, "A"), (3, "B")]
    assert rows[0].cells["notes"] == "line 1\nline 2"


# --- not a workbook, or a dangerous one -----------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"name,category\nSAP,erp\n", "not an .xlsx workbook or a .zip of CSV files"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old-format .xls or a password-protected"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        (b"", "not an .xlsx workbook"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_clearly(data, message):
    with pytest.raises(WorkbookError, match=message):
        read_workbook(data)


def test_a_zip_without_a_workbook_or_csv_files_is_refused():
    with pytest.raises(WorkbookError, match="without an .xlsx workbook structure or any .csv file"):
        read_workbook(csv_zip({"photo.jpg": b"\xff\xd8"}))


def test_a_zip_bomb_is_refused_from_its_declared_sizes_before_anything_is_unpacked():
    bomb = csv_zip({"systems.csv": b"0" * (wb.MAX_UNCOMPRESSED_BYTES + 1)})
    assert len(bomb) < 200_000
    with pytest.raises(WorkbookError, match="unpacks to 50 MB; at most 50 MB"):
        read_workbook(bomb)


def test_an_xlsx_bomb_is_refused_the_same_way():
    real = zipfile.ZipFile(io.BytesIO(xlsx({"systems": [["name", "category"]]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in real.infolist():
            archive.writestr(info, real.read(info))
        archive.writestr("xl/media/padding.bin", b"\0" * (wb.MAX_UNCOMPRESSED_BYTES + 1))
    with pytest.raises(WorkbookError, match="unpacks to"):
        read_workbook(out.getvalue())


def test_too_many_zip_entries_are_refused():
    with pytest.raises(WorkbookError, match="entries; at most 500"):
        read_workbook(csv_zip({f"f{i}.txt": b"" for i in range(501)}))


def test_a_round_trip_through_the_writer_and_the_reader_keeps_every_value():
    rows = {
        "systems": [{"name": "=danger", "category": "ERP", "notes": "multi\nline", "tags": "a; b"}],
        "flows": [{"source": "A", "target": "B", "entities": "X", "pattern": "batch", "latency_seconds": 60}],
    }
    for data in (write_xlsx(rows), write_csv_zip(rows)):
        book = read_workbook(data)
        system = book.sheets["systems"].rows[0].cells
        assert system["name"] == "=danger" and system["notes"] == "multi\nline" and system["tags"] == "a; b"
        assert book.sheets["flows"].rows[0].cells["latency_seconds"] in (60, "60")
    assert cells(write_xlsx(rows), "systems")[1][0] == "=danger"
