"""The workbook's safety limits: file and unpacked sizes, ZIP entries, rows, columns and cell length."""

from __future__ import annotations

MAX_FILE_BYTES = 50 * 1024 * 1024  # the file as uploaded or read from disk
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # sum of the declared sizes of every ZIP entry
MAX_ZIP_ENTRIES = 500
MAX_CELL_CHARS = 20_000
MAX_ROWS = 100_000  # spreadsheet row number, header included
MAX_COLUMNS = 100
