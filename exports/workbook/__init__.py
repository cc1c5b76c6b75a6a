"""The spreadsheet workbook: its sheets and columns, safe reading (XLSX or a ZIP of CSV files) and writing.

Pure: bytes in -> rows of plain cell values out, and rows in -> bytes out. No Flask, no database; the
services (app/services/workbook/) give the rows their meaning.

- `sheets`: the template's sheets and columns, sheet aliases, header comparison (`read_header`,
  `read_sheet_name`: loose spellings and synonyms);
- `limits`: the safety limits (file and unpacked size, ZIP entries, rows, columns, cell length);
- `parsed`: what reading gives (`Problem`, `WorkbookError`, `Row`, `Sheet`, `ParsedWorkbook`);
- `cells`: formula safety for CSV (`neutralise` / `restore`) and a value as written (`cell_value`);
- `lists`: list cells and flow references with their separators escaped (`join_list`, `split_list`…);
- `labels`: labels read tolerantly (`Vocabulary`, `loose_key`): case, spaces, punctuation, synonyms;
- `reading`: `read_workbook` (an uploaded file, checked as a ZIP first) and `read_cells` (an export, raw);
- `rows`: a sheet's header and rows -> plain cell values, problems reported;
- `writing`: `write_xlsx` and `write_csv_zip`.

Safety, in one place:
- the file is checked as a ZIP (an XLSX is one) before anything parses it: entry count, declared
  uncompressed sizes (Python's zipfile never inflates an entry past its declared size) and encryption;
- formulas are never evaluated: an XLSX cell holding a formula is reported, not read;
- a cell longer than MAX_CELL_CHARS is reported, not kept;
- on the way out, in CSV, text starting with = + - @ |, a tab or a carriage return is prefixed with one `'`,
  so a spreadsheet shows it as text instead of running it (formula injection); reading a CSV strips that
  quote again. In XLSX, text is a string cell (never a formula) holding the text exactly.
"""

from __future__ import annotations

from exports.workbook.cells import DANGEROUS_FIRST, cell_value, neutralise, restore
from exports.workbook.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    MAX_ZIP_ENTRIES,
)
from exports.workbook.lists import LIST_SEPARATOR
from exports.workbook.parsed import ParsedWorkbook, Problem, Row, Sheet, WorkbookError
from exports.workbook.reading import read_cells, read_workbook
from exports.workbook.sheets import (
    IGNORED_SHEETS,
    SHEET_BY_NAME,
    SHEETS,
    Column,
    SheetSpec,
    header_key,
    read_header,
    read_sheet_name,
    sheet_key,
)
from exports.workbook.writing import write_csv_zip, write_xlsx

__all__ = [
    "DANGEROUS_FIRST",
    "IGNORED_SHEETS",
    "LIST_SEPARATOR",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "MAX_UNCOMPRESSED_BYTES",
    "MAX_ZIP_ENTRIES",
    "SHEETS",
    "SHEET_BY_NAME",
    "Column",
    "ParsedWorkbook",
    "Problem",
    "Row",
    "Sheet",
    "SheetSpec",
    "WorkbookError",
    "cell_value",
    "header_key",
    "read_header",
    "read_sheet_name",
    "neutralise",
    "read_cells",
    "read_workbook",
    "restore",
    "sheet_key",
    "write_csv_zip",
    "write_xlsx",
]
