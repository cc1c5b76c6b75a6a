"""Every uploaded archive passes one guard before parsing: a ZIP bomb is refused from its directory alone."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from app.services.datasets import files
from app.services.datasets.files import read_table
from app.services.errors import ValidationError
from exports.archive_guard import ArchiveLimits, ArchiveRefused, check_archive
from exports.workbook import WorkbookError, read_workbook


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in entries.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _bomb() -> bytes:
    # 24 MB of one repeated byte stores in about 24 KB: a ratio no real workbook part reaches.
    return _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b" " * (24 * 1024 * 1024)})


def test_a_dataset_upload_that_is_a_zip_bomb_is_refused_on_the_file_field_before_parsing():
    with pytest.raises(ValidationError) as refused:
        read_table(_bomb(), "stock.xlsx", "inventory")
    message = str(refused.value)
    assert "ZIP bomb" in message and "xl/worksheets/sheet1.xml" in message


def test_a_workbook_import_that_is_a_zip_bomb_is_refused_by_the_same_guard():
    with pytest.raises(WorkbookError, match="ZIP bomb"):
        read_workbook(_bomb(), "landscape.xlsx")


def test_an_archive_declaring_more_than_the_total_limit_is_refused_with_its_size():
    data = _zip({f"part{i}.xml": bytes(range(256)) * 4096 for i in range(3)})  # 1 MB each, barely compressible
    with pytest.raises(ArchiveRefused, match="unpacks to 3 MB; at most 2 MB"):
        check_archive(data, ArchiveLimits(max_uncompressed=2 * 1024 * 1024))


def test_too_many_entries_and_damaged_files_are_refused():
    with pytest.raises(ArchiveRefused, match="holds 6 entries; at most 5"):
        check_archive(_zip({f"{i}.csv": b"a" for i in range(6)}), ArchiveLimits(max_entries=5))
    with pytest.raises(ArchiveRefused, match="damaged"):
        check_archive(b"PK\x03\x04 not really a zip")


def test_an_ordinary_archive_passes_and_lists_its_entries():
    infos = check_archive(_zip({"systems.csv": b"name\nSAP\n", "flows.csv": b"source,target\n"}))
    assert sorted(i.filename for i in infos) == ["flows.csv", "systems.csv"]


def test_a_csv_extract_with_more_rows_than_the_cap_is_refused_naming_the_row(monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 3)
    monkeypatch.setattr(files, "CHUNK_ROWS", 2)
    data = b"sku,location_id,on_hand\n" + b"".join(b"S%d,DC,1\n" % i for i in range(5))
    with pytest.raises(ValidationError, match="Row 5: the file has more than 3 data rows"):
        read_table(data, "stock.csv", "inventory")


def test_a_csv_extract_with_more_columns_than_the_cap_is_refused_on_row_one():
    data = (",".join(f"c{i}" for i in range(files.MAX_COLUMNS + 1)) + "\n1\n").encode()
    with pytest.raises(ValidationError, match=f"Row 1 has {files.MAX_COLUMNS + 1:,} columns"):
        read_table(data, "wide.csv", "inventory")


def test_a_streamed_csv_keeps_every_cell_and_row_number_across_chunks(monkeypatch):
    monkeypatch.setattr(files, "CHUNK_ROWS", 2)
    data = "sku;on_hand\nA ;1\n\nB;2\nÉ;3\nD;4\nE;5\n".encode("utf-8-sig")
    table = read_table(data, "stock.csv", "inventory")
    assert table.headers == ["sku", "on_hand"] and table.row_count == 5
    assert table.column(0).tolist() == ["A", "B", "É", "D", "E"]
    assert table.numbers.tolist() == [2, 4, 5, 6, 7]


def test_a_csv_that_is_not_utf8_is_refused_naming_its_line():
    data = b"sku,on_hand\nA,1\nB\xe9,2\n"
    with pytest.raises(ValidationError, match="invalid byte 0xe9 on line 3"):
        read_table(data, "stock.csv", "inventory")


def test_reading_a_csv_extract_takes_memory_of_the_order_of_its_size_not_a_python_string_per_cell():
    rows = "".join(f"SKU-{i:06d},ST-{i % 40:03d},{i % 7},{i % 3},2025-03-{1 + i % 28:02d}\n" for i in range(60_000))
    data = ("sku,location_id,on_hand,allocated,in_transit_eta\n" + rows).encode()
    tracemalloc.start()
    try:
        table = read_table(data, "stock.csv", "inventory")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.row_count == 60_000
    # One Python string per cell would take about 16 × the file's size; packed columns stay near 3 ×.
    assert peak < 5 * len(data), f"peak {peak / len(data):.1f} × the file"
