"""Regenerate the demo's customer extracts (three systems, planted duplicates) and their known truth.

    .venv/bin/python -m app.demo.generate_customers

Writes app/demo/datasets/customers_<system>.csv and customers_truth.csv (record key -> person) from the
deterministic generator in app/engines/identity_synth.py, plus two obvious test records and a few bad values.
"""

from __future__ import annotations

import csv
from pathlib import Path

from app.engines.identity import FIELDS
from app.engines.identity_synth import extracts

OUT = Path(__file__).resolve().parent / "datasets"
SYSTEMS = {"E-commerce": ("Salesforce Commerce Cloud", "customers_ecommerce.csv"),
           "POS / loyalty": ("Oracle Xstore POS", "customers_pos.csv"),
           "CRM": ("Salesforce Service Cloud", "customers_crm.csv")}
COLUMNS = ["source_record_id"] + [f for f in FIELDS if f != "full_name"]


def main() -> None:
    records = extracts(150, seed=2025)
    by_system: dict[str, list[dict]] = {s: [] for s in SYSTEMS}
    for r in sorted(records, key=lambda r: r["source_record_id"]):
        by_system[r["system"]].append(r)
    by_system["E-commerce"].append({"source_record_id": "A999998", "first_name": "Test", "last_name": "Test",
                                    "email": "test@example.com", "person": -1, "system": "E-commerce"})
    by_system["CRM"].append({"source_record_id": "C999999", "first_name": "Mickey", "last_name": "Mouse",
                             "phone": "123", "email": "mickey@disney", "person": -2, "system": "CRM"})
    truth = []
    for system, rows in by_system.items():
        name, filename = SYSTEMS[system]
        with open(OUT / filename, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, COLUMNS, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        truth += [(f"{name}:{r['source_record_id']}", r["person"]) for r in rows]
    with open(OUT / "customers_truth.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["record", "person"])
        writer.writerows(truth)


if __name__ == "__main__":
    main()
