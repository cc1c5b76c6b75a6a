"""Seed an engagement from a CSV of systems, upload the ATP datasets, run an oversell replay of the current state
and of a target scenario, and print their comparison — with plain `requests` against the Throughline REST API.

    THROUGHLINE_URL=http://127.0.0.1:5000 THROUGHLINE_TOKEN=tl_… python docs/examples/seed_and_replay.py

The token comes from Account → API tokens (read and write). The CSV files are in docs/examples/data/.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).parent / "data"
BASE = os.environ.get("THROUGHLINE_URL", "http://127.0.0.1:5000").rstrip("/") + "/api/v1"
api = requests.Session()
api.headers["Authorization"] = f"Bearer {os.environ['THROUGHLINE_TOKEN']}"


def call(method: str, path: str, **kw) -> requests.Response:
    """One API call; a problem (RFC 9457) is printed with the fields it names, then the script stops."""
    response = api.request(method, BASE + path, timeout=60, **kw)
    if response.status_code >= 400:
        problem = response.json()
        fields = "; ".join(f"{e['field']}: {' '.join(e['messages'])}" for e in problem.get("errors", []))
        sys.exit(f"{method} {path}: {response.status_code} {problem['title']} {fields or problem.get('detail', '')}")
    return response


def find(path: str, name: str) -> dict:
    """The element of a list whose name is exactly `name` (the list's search narrows it first)."""
    return next(item for item in call("GET", path, params={"q": name}).json()["items"] if item["name"] == name)


def main() -> None:
    engagement = call("POST", "/engagements", json={"name": f"Scan {time.strftime('%Y-%m-%d %H:%M:%S')}",
                                                    "client": "Acme Retail"}).json()
    e = f"/engagements/{engagement['id']}"
    print(f"engagement {engagement['id']}: {engagement['name']}")

    web = find(f"{e}/channels", "Web")
    systems = {}
    with open(HERE / "systems.csv", newline="") as f:
        for row in csv.DictReader(f):
            channels = [web["id"]] if row.pop("web_channel") == "yes" else []
            system = call("POST", f"{e}/systems", json={**row, "channel_ids": channels}).json()
            systems[system["name"]] = system
            print(f"  system {system['id']}: {system['name']} ({system['category']})")
    # The ERP is the system of record of inventory and feeds the web shop by a nightly-ish batch (2 h at worst).
    inventory = find(f"{e}/entities", "Inventory")
    call("POST", f"{e}/ownerships", json={"system_id": systems["SAP ECC"]["id"], "entity_id": inventory["id"],
                                         "role": "sor"})
    feed = call("POST", f"{e}/flows", json={
        "source_id": systems["SAP ECC"]["id"], "target_id": systems["Web shop"]["id"],
        "entity_ids": [inventory["id"]], "pattern": "batch", "worst_latency_seconds": 7200}).json()

    for kind in ("locations", "inventory", "orders"):
        with open(HERE / f"{kind}.csv", "rb") as f:
            dataset = call("POST", f"{e}/datasets", data={"kind": kind, "system": "SAP ECC"},
                           files={"file": (f"{kind}.csv", f, "text/csv")}).json()
        print(f"  dataset {dataset['name']}: {dataset['versions'][-1]['rows']} rows")

    current = next(s for s in call("GET", f"{e}/scenarios").json() if s["is_baseline"])
    target = call("POST", f"{e}/scenarios", json={"name": "Real-time stock", "copy_from": current["id"]}).json()
    # In the target the feed becomes an event stream: the web shop sees stock within seconds (this scenario only).
    call("PATCH", f"{e}/flows/{feed['id']}", params={"scenario": target["id"]},
         json={"pattern": "event", "latency_seconds": 1, "worst_latency_seconds": 5})
    runs = {}
    for scenario in (current, target):
        started = call("POST", f"{e}/runs", json={"kind": "replay", "scenario_id": scenario["id"]})
        run = started.json()
        while run["status"] in ("queued", "running"):
            time.sleep(1)
            run = call("GET", started.headers["Location"].removeprefix("/api/v1")).json()
        runs[scenario["name"]] = run
        print(f"  replay of {scenario['name']}: {run['status']}")

    print("\nOversold order lines per channel (replay):")
    for name, run in runs.items():
        by_channel = run["metrics"]["by_channel"]
        print(f"  {name:16} " + ", ".join(f"{ch}: {m['oversold']} of {m['lines']}" for ch, m in by_channel.items()))

    comparison = call("GET", f"{e}/compare", params={"scenarios": [current["id"], target["id"]]}).json()
    findings = comparison["comparisons"][0]["findings"]
    print(f"\n{current['name']} → {target['name']}: findings resolved {len(findings['resolved'])}, "
          f"introduced {len(findings['introduced'])}, persisting {len(findings['persisting'])}")


if __name__ == "__main__":
    main()
