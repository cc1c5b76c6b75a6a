"""Regenerate the demo's returns (app/demo/datasets/returns.csv) and their known truth, deterministically.

    .venv/bin/python -m app.demo.generate_returns

About one order line in eight comes back. Online orders (web, app) come back by post (to the DC, channel web)
or to a store (channel store, at a UK store); store orders to a store; marketplace orders by post through the
marketplace. One in twelve comes back after the 30-day window; exchanges
asked of the marketplace are refused by the demo policy. `returns_truth.csv` says what each return must
become under the default policy: in the current state stores cannot look up web or app orders (Xstore POS has
no order path), so those are refused for want of order visibility; the target design (Manhattan Active Omni
serving the stores) accepts them. Returns out of window are refused in both.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "datasets"
SEED = 20250322
UK_STORES = ("LON-OXF", "MAN-ARN", "LEE-TRI", "BIR-BUL", "EDI-PRI")
WINDOW_DAYS = 30
HEADER = ["return_id", "order_id", "sku", "quantity", "returned_at", "return_channel", "return_location_id",
          "original_channel", "reason", "condition", "refund_method"]
REASONS = ("too small", "too large", "not as pictured", "changed mind", "faulty")


def generate(out: Path = OUT) -> dict[str, int]:
    """Write returns.csv and returns_truth.csv from orders.csv; returns their row counts."""
    rng = np.random.default_rng(SEED)
    with (out / "orders.csv").open(encoding="utf-8", newline="") as fh:
        orders = list(csv.DictReader(fh))
    rows, truth = [], []
    for line in orders:
        if rng.random() >= 0.125:
            continue
        channel = line["channel"]
        bought = datetime.fromisoformat(line["created_at"].replace("Z", "+00:00"))
        late = rng.random() < 1 / 12
        days = rng.uniform(WINDOW_DAYS + 2, WINDOW_DAYS + 20) if late else rng.uniform(1, WINDOW_DAYS - 1)
        in_store = channel == "store" or (channel in ("web", "app") and rng.random() < 0.5)
        back = "store" if in_store else ("marketplace" if channel == "marketplace" else "web")
        location = str(rng.choice(UK_STORES)) if in_store else "DAV-DC"
        returned = bought + timedelta(days=float(days))
        if in_store:  # stores take returns in opening hours
            returned = returned.replace(hour=int(rng.integers(10, 19)))
        exchange = rng.random() < 0.2
        rows.append([f"R-{30000 + len(rows)}", line["order_id"], line["sku"], 1,
                     returned.strftime("%Y-%m-%dT%H:%M:%SZ"), back, location, "", str(rng.choice(REASONS)),
                     "damaged" if rng.random() < 0.15 else "sellable",
                     "exchange" if exchange else "original_tender"])
        cross = in_store and channel in ("web", "app")
        # The demo policy (manifest.json) offers no exchanges through the marketplace; the policy is judged first.
        refused = "policy" if exchange and back == "marketplace" else "out_of_window" if late else None
        current = refused or ("no_order_visibility" if cross else "accepted")
        target = refused or "accepted"
        truth.append([rows[-1][0], line["sku"], channel, back, current, target])
    with (out / "returns.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    with (out / "returns_truth.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["return_id", "sku", "original_channel", "return_channel", "current_state", "target"])
        w.writerows(truth)
    return {"returns": len(rows), "truth": len(truth)}


if __name__ == "__main__":
    print(generate())
