"""Workbooks built by hand for the workbook tests: raw XLSX (formulas, error values, any header) and CSV ZIPs;
and the few look-ups the import tests share (a report's errors, a system by name, an engagement's flows)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select

from models import DataFlow, System


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An XLSX with these sheets and rows, written as a person would type them (a leading = is a formula)."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_zip(files: dict[str, bytes | str]) -> bytes:
    """A ZIP of CSV (or other) files; str content is encoded as UTF-8 without a byte-order mark."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return out.getvalue()


def cells(data: bytes, sheet: str) -> list[list[Any]]:
    """One sheet's cell values (header included) of an XLSX."""
    from exports.workbook import read_cells

    return read_cells(data)[sheet]


def errors_of(report) -> list[tuple]:
    """An import report's errors as (sheet, row, column, message)."""
    return [(p.sheet, p.row, p.column, p.message) for p in report.errors]


def system_named(session, engagement, name) -> System:
    """The engagement's system called `name`, or None."""
    return session.scalar(select(System).where(System.engagement_id == engagement.id, System.name == name))


def flows_of(session, engagement) -> list[DataFlow]:
    """The engagement's flows, oldest first."""
    return list(session.scalars(select(DataFlow).where(DataFlow.engagement_id == engagement.id).order_by(DataFlow.id)))


# A small inventory as a client would send it: labels, mixed case, names for references.
SYSTEMS = [
    ["Name*", "Category*", "Vendor", "Hosting", "Lifecycle", "Owner", "Channels", "Scenarios", "Tags", "Notes"],
    ["SAP ECC", "ERP", "SAP", "On-premises", "Retiring", "ann archer", "", "", "legacy", ""],
    ["Shopify Plus", "ecommerce", "Shopify", "SaaS", "active", "", "web; STORE", "current state", "", ""],
    ["MuleSoft", "iPaaS / ESB", "Salesforce", "Cloud", "Active", "", "", "", "", ""],
]
STAKEHOLDERS = [["name", "role", "area", "email"], ["Ann Archer", "CIO", "IT", "ann@client.example"]]
FLOWS = [
    ["source", "target", "entities", "pattern", "frequency", "latency_seconds", "worst_latency_seconds", "via"],
    ["sap ecc", "Shopify Plus", "Inventory", "Batch file", "Nightly", 43200, 86400, "MuleSoft"],
    ["SAP ECC", "Shopify Plus", "Price; Product", "batch", "Nightly", 43200, 86400, ""],
    ["Shopify Plus", "SAP ECC", "order", "API request/response", "", 5, 30, "mulesoft"],
]


def inventory(**extra: list[list[Any]]) -> bytes:
    """The small inventory (stakeholders, systems, flows), plus or instead of any sheet given."""
    return xlsx({"stakeholders": STAKEHOLDERS, "systems": SYSTEMS, "flows": FLOWS, **extra})
