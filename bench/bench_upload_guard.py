"""Upload guard bench: how fast and with how little memory a ZIP bomb is refused through each upload path.

Run from the repository root:  .venv/bin/python bench/bench_upload_guard.py [--gigabytes 2]

Builds an XLSX-shaped bomb (a worksheet of one repeated byte, streamed into the ZIP so building it needs no
memory), then times the dataset reader and the workbook reader refusing it, with the peak memory they allocated
(tracemalloc). Target: refused in well under a second, memory bounded (a few MB, not the unpacked size).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.services.datasets.files import read_table  # noqa: E402
from app.services.errors import ValidationError  # noqa: E402
from exports.workbook import WorkbookError, read_workbook  # noqa: E402


def bomb(gigabytes: float) -> bytes:
    """An XLSX-shaped ZIP whose worksheet declares `gigabytes` of spaces."""
    buffer = io.BytesIO()
    chunk = b" " * (8 * 1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(int(gigabytes * 1024 / 8)):
                sheet.write(chunk)
    return buffer.getvalue()


def measure(label: str, call) -> bool:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        call()
        refused, why = False, "accepted!"
    except (ValidationError, WorkbookError) as exc:
        refused, why = True, str(exc)[:110]
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ok = refused and elapsed < 0.5
    verdict = "refused" if refused else "ACCEPTED"
    print(f"{label:<18} {verdict} in {elapsed * 1000:7.1f} ms, peak {peak / 2**20:6.1f} MiB"
          f"  {'met' if ok else 'NOT met'} (< 500 ms)  load {os.getloadavg()[0]:.1f}  — {why}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gigabytes", type=float, default=2.0)
    args = parser.parse_args()
    data = bomb(args.gigabytes)
    print(f"bomb: {len(data) / 2**20:.1f} MiB on disk, declaring {args.gigabytes:g} GiB")
    results = [measure("dataset upload", lambda: read_table(data, "stock.xlsx", "inventory")),
               measure("workbook import", lambda: read_workbook(data, "landscape.xlsx"))]
    print("all met" if all(results) else "NOT all met")


if __name__ == "__main__":
    main()
