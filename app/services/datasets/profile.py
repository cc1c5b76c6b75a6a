"""Profiling a validated dataset: counts, nulls, ranges, date range, breakdowns and findings.

Findings are what a consultant raises with the client: negative stock, stock allocated beyond on-hand,
SKUs ordered but missing from the inventory extract (the "inconsistent SKUs" of the brief), duplicate lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from app.services.datasets.kinds import KINDS
from app.services.datasets.store import NULL_TIME, Frame

EXAMPLES = 5
BREAKDOWNS = {"locations": ("type",), "orders": ("channel", "fulfillment"), "inventory": (), "receipts": (),
              "customers": (), "returns": ("return_channel", "refund_method")}


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(int(seconds), UTC).isoformat().replace("+00:00", "Z")


def profile(frame: Frame, *, inventory_skus: np.ndarray | None = None,
            location_ids: np.ndarray | None = None, order_ids: np.ndarray | None = None) -> dict[str, Any]:
    """The profile document stored with a version (JSON-ready)."""
    kind = KINDS[frame.kind]
    columns: dict[str, Any] = {}
    date_range = None
    for column in kind.columns:
        entry: dict[str, Any] = {"present": frame.has(column.name)}
        if not entry["present"]:
            columns[column.name] = entry
            continue
        null = frame.nulls(column.name)
        entry["nulls"] = int(null.sum())
        if frame.kind == "customers":
            entry["fill_rate"] = round(1 - entry["nulls"] / frame.rows, 4) if frame.rows else 0.0
        if column.type in ("str", "choice"):
            entry["distinct"] = int(len(frame.codes(column.name)[1]))
        elif column.type in ("int", "float"):
            values = frame.floats(column.name) if column.type == "float" else frame.ints(column.name)
            if (~null).any():
                entry["min"], entry["max"] = _num(values[~null].min()), _num(values[~null].max())
                entry["negative"] = int((values[~null] < 0).sum())
        elif column.type in ("date", "datetime"):
            values = frame.times(column.name)
            known = values[values != NULL_TIME]
            if len(known):
                entry["from"], entry["to"] = _iso(known.min()), _iso(known.max())
                if date_range is None and column.required:
                    date_range = {"column": column.name, "from": entry["from"], "to": entry["to"],
                                  "days": int((known.max() - known.min()) // 86_400) + 1}
        columns[column.name] = entry
    breakdowns = {}
    for name in BREAKDOWNS[frame.kind]:
        codes, values = frame.codes(name)
        counts = np.bincount(codes[codes >= 0], minlength=len(values))
        breakdowns[name] = [[str(values[i]), int(counts[i])] for i in np.argsort(-counts, kind="stable")]
    return {
        "rows": frame.rows,
        "columns": columns,
        "date_range": date_range,
        "breakdowns": breakdowns,
        "findings": findings(frame, inventory_skus=inventory_skus, location_ids=location_ids, order_ids=order_ids),
    }


def _num(value) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def _finding(code: str, message: str, count: int, examples=(), severity: str = "warning") -> dict[str, Any]:
    return {"severity": severity, "code": code, "message": message, "count": int(count),
            "examples": [str(e) for e in list(examples)[:EXAMPLES]]}


def findings(frame: Frame, *, inventory_skus: np.ndarray | None = None,
             location_ids: np.ndarray | None = None, order_ids: np.ndarray | None = None) -> list[dict[str, Any]]:
    """What is worth raising about the data (warnings) or noting (info)."""
    out: list[dict[str, Any]] = []
    if frame.kind == "returns":
        out.extend(return_findings(frame, order_ids))
    if frame.kind == "inventory":
        on_hand = frame.ints("on_hand")
        skus = frame.text("sku")
        negative = on_hand < 0
        if negative.any():
            out.append(_finding("negative_stock", f"{int(negative.sum()):,} row(s) have negative on-hand stock.",
                                negative.sum(), np.unique(skus[negative])))
        over = frame.ints("allocated") > np.maximum(on_hand, 0)
        if over.any():
            out.append(_finding("over_allocated", f"{int(over.sum()):,} row(s) allocate more than is on hand.",
                                over.sum(), np.unique(skus[over])))
        if location_ids is not None:
            unused = np.setdiff1d(location_ids, frame.codes("location_id")[1])
            if len(unused):
                out.append(_finding("locations_without_stock",
                                    f"{len(unused)} location(s) have no inventory row.", len(unused), unused, "info"))
    if frame.kind in ("orders", "receipts") and inventory_skus is not None:
        codes, values = frame.codes("sku")
        missing = ~np.isin(values, inventory_skus)
        if missing.any():
            lines = int(missing[codes].sum())
            noun = "order line(s)" if frame.kind == "orders" else "receipt(s)"
            out.append(_finding("sku_missing_from_inventory",
                                f"{int(missing.sum()):,} SKU(s) in {lines:,} {noun} are missing from the inventory "
                                "dataset (inconsistent SKUs between systems).", missing.sum(), values[missing]))
    elif frame.kind in ("orders", "receipts"):
        out.append(_finding("no_inventory", "No inventory dataset yet: SKUs cannot be cross-checked.", 0,
                            severity="info"))
    if frame.kind == "customers":
        out.extend(customer_findings(frame))
    if frame.kind == "orders":
        order_codes = frame.codes("order_id")[0].astype(np.int64)
        sku_codes = frame.codes("sku")[0].astype(np.int64)
        key = order_codes * (int(sku_codes.max(initial=0)) + 1) + sku_codes
        distinct, counts = np.unique(key, return_counts=True)
        repeated = int((counts > 1).sum())
        if repeated:
            examples = frame.text("order_id")[np.isin(key, distinct[counts > 1])]
            out.append(_finding("repeated_order_lines",
                                f"{repeated:,} order/SKU pair(s) appear on more than one line.", repeated,
                                np.unique(examples)))
    return out


def return_findings(frame: Frame, order_ids: np.ndarray | None) -> list[dict[str, Any]]:
    """Returns whose order is not in the latest orders dataset: reported, not fatal (the replay leaves them out
    unless they name their original channel)."""
    if order_ids is None:
        return [_finding("no_orders", "No orders dataset yet: order ids cannot be cross-checked.", 0, severity="info")]
    codes, values = frame.codes("order_id")
    missing = ~np.isin(values, order_ids)
    if not missing.any():
        return []
    lines = int(missing[codes].sum())
    return [_finding("order_missing_from_orders", f"{int(missing.sum()):,} order id(s) in {lines:,} return line(s) "
                     "are not in the orders dataset.", missing.sum(), values[missing])]


def customer_findings(frame: Frame) -> list[dict[str, Any]]:
    """Invalid emails and phones (as the identity engine prepares them) and obvious test records."""
    from app.engines.identity import is_test_record, normalise_email, normalise_name, normalise_phone, region_for

    out: list[dict[str, Any]] = []
    ids = frame.text("source_record_id")
    country = frame.text("country")
    bad_email, bad_phone, tests = [], [], []
    emails, phones = frame.text("email"), frame.text("phone")
    firsts, lasts = frame.text("first_name"), frame.text("last_name")
    for i in range(frame.rows):
        email, ok = normalise_email(emails[i])
        if not ok:
            bad_email.append(i)
        if phones[i] and not normalise_phone(str(phones[i]), region_for(str(country[i]), "GB"))[1]:
            bad_phone.append(i)
        if is_test_record({"email": email, "first_name": normalise_name(firsts[i]),
                           "last_name": normalise_name(lasts[i])}):
            tests.append(i)
    if bad_email:
        out.append(_finding("invalid_emails", f"{len(bad_email):,} record(s) have an email that is not valid.",
                            len(bad_email), [f"{ids[i]}: {emails[i]}" for i in bad_email]))
    if bad_phone:
        out.append(_finding("invalid_phones", f"{len(bad_phone):,} record(s) have a phone number that is not "
                                              "valid (default region GB unless the record has a country).",
                            len(bad_phone), [f"{ids[i]}: {phones[i]}" for i in bad_phone]))
    if tests:
        out.append(_finding("test_records", f"{len(tests):,} obvious test record(s) (test names or domains).",
                            len(tests), ids[tests]))
    return out


def version_status(document: dict[str, Any]) -> str:
    """"warnings" when the profile has a warning finding, else "ok"."""
    return "warnings" if any(f["severity"] == "warning" for f in document.get("findings", [])) else "ok"
