"""Regenerate the Northwind Living demo datasets (app/demo/datasets/*.csv), deterministically.

    .venv/bin/python -m app.demo.generate_datasets

Eleven locations in the demo's geography (a UK DC, a Dutch 3PL, a London dark store, stores in the UK,
Ireland, the Netherlands and Germany), 300 SKUs, four weeks of order lines from 3 March 2025 with a weekly
and daily rhythm per channel (web, app, store, marketplace), weekly DC and 3PL receipts and store transfers.
Stock is deliberately tight on the best sellers, so stale stock figures show up as oversells.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "datasets"
START = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday
DAYS = 28
SEED = 20250303

LOCATIONS = [
    # id, name, type, lat, lon, ship_from, pickup, daily_capacity, handling_cost
    ("DAV-DC", "Daventry DC", "dc", 52.2565, -1.1627, True, False, 4000, 1.80),
    ("ALM-3PL", "Bleckmann Almelo", "3pl", 52.3567, 6.6625, True, False, 1500, 2.60),
    ("LON-PRK", "Park Royal dark store", "dark_store", 51.5290, -0.2790, True, False, 300, 2.20),
    ("LON-OXF", "London Oxford Street", "store", 51.5154, -0.1419, True, True, 80, 4.50),
    ("MAN-ARN", "Manchester Arndale", "store", 53.4833, -2.2390, True, True, 60, 4.50),
    ("LEE-TRI", "Leeds Trinity", "store", 53.7960, -1.5440, False, True, 0, 0.0),
    ("BIR-BUL", "Birmingham Bullring", "store", 52.4774, -1.8937, False, True, 0, 0.0),
    ("EDI-PRI", "Edinburgh Princes Street", "store", 55.9521, -3.1965, False, True, 0, 0.0),
    ("DUB-GRA", "Dublin Grafton Street", "store", 53.3410, -6.2600, False, True, 0, 0.0),
    ("AMS-KAL", "Amsterdam Kalverstraat", "store", 52.3702, 4.8910, False, True, 0, 0.0),
    ("BER-KUD", "Berlin Kurfürstendamm", "store", 52.5030, 13.3300, False, True, 0, 0.0),
]
STORES = [loc[0] for loc in LOCATIONS if loc[2] == "store"]
STORE_SIZE = np.array([3.0, 2.2, 1.4, 1.6, 1.2, 1.3, 1.5, 1.1])
# Lines per day at weekday factor 1, and the weekday factors (Monday first).
CHANNELS = {
    "web": (62, [1.0, 0.95, 0.95, 1.0, 1.05, 1.1, 1.35]),
    "app": (34, [0.9, 0.9, 0.95, 1.0, 1.1, 1.25, 1.4]),
    "store": (38, [0.75, 0.8, 0.85, 0.95, 1.15, 1.7, 1.1]),
    "marketplace": (16, [1.0, 1.0, 1.0, 1.0, 1.0, 1.15, 1.25]),
}
ONLINE_HOURS = np.array([1, .6, .3, .2, .2, .4, 1, 2, 3, 3.5, 4, 4.5, 5.5, 5, 4.5, 4.5, 4.5, 5, 5.5, 7, 7.5, 6.5, 4.5,
                         2.5])
STORE_HOURS = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1.5, 4, 5, 6.5, 6.5, 6, 6, 6, 5.5, 4, 2, 0.5, 0, 0, 0])
SHIP_TO = [(51.51, -0.13, 0.34), (53.48, -2.24, 0.12), (52.48, -1.89, 0.1), (53.80, -1.55, 0.08),
           (55.95, -3.19, 0.06), (53.35, -6.26, 0.08), (52.37, 4.89, 0.12), (52.52, 13.40, 0.10)]


def _skus(rng) -> tuple[list[str], np.ndarray, np.ndarray]:
    names = [f"NW-F{1000 + i}" for i in range(180)] + [f"NW-H{5000 + i}" for i in range(120)]
    order = rng.permutation(len(names))
    popularity = 1.0 / (np.arange(len(names)) + 6.0) ** 0.9
    weights = np.empty(len(names))
    weights[order] = popularity / popularity.sum()
    prices = np.where(np.arange(len(names)) < 180, rng.uniform(15, 120, len(names)), rng.uniform(8, 250, len(names)))
    return names, weights, np.round(prices, 0) - 0.01


def generate(out: Path = OUT) -> dict[str, int]:
    """Write the four CSV files; returns their row counts."""
    rng = np.random.default_rng(SEED)
    skus, weights, prices = _skus(rng)
    n = len(skus)
    online_daily = (CHANNELS["web"][0] + CHANNELS["app"][0] + CHANNELS["marketplace"][0]) * 1.15
    online_per_sku_day = weights * online_daily
    out.mkdir(parents=True, exist_ok=True)

    with (out / "locations.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["location_id", "name", "type", "latitude", "longitude", "ship_from", "pickup",
                    "daily_capacity", "handling_cost"])
        for loc in LOCATIONS:
            w.writerow([loc[0], loc[1], loc[2], loc[3], loc[4], str(loc[5]).lower(), str(loc[6]).lower(), loc[7],
                        f"{loc[8]:.2f}"])

    inventory = []
    assortment: dict[str, np.ndarray] = {}
    for i, sku in enumerate(skus):
        dc = int(round(online_per_sku_day[i] * 9 * rng.uniform(0.4, 1.3)))
        allocated = int(rng.integers(0, 3)) if rng.random() < 0.2 else 0
        safety = 2 if rng.random() < 0.1 else ""
        in_transit, eta = "", ""
        if rng.random() < 0.06:
            in_transit = int(rng.integers(4, 20))
            eta = (START + timedelta(days=int(rng.integers(2, 9)))).date().isoformat()
        inventory.append([sku, "DAV-DC", dc, allocated, safety, in_transit, eta])
        if rng.random() < 0.6:
            inventory.append([sku, "ALM-3PL", int(round(online_per_sku_day[i] * 0.2 * 6 * rng.uniform(0.2, 1.3))),
                              0, "", "", ""])
        if weights[i] > np.quantile(weights, 0.7):
            inventory.append([sku, "LON-PRK", int(rng.integers(0, 5)), 0, "", "", ""])
    for s, store in enumerate(STORES):
        carried = rng.random(n) < 0.35 + 0.12 * STORE_SIZE[s]
        assortment[store] = np.flatnonzero(carried)
        for i in assortment[store]:
            inventory.append([skus[i], store, int(rng.integers(0, 4 + int(STORE_SIZE[s] * 2))), 0, "", "", ""])
    for row in rng.choice(len(inventory), 3, replace=False):  # real extracts have a few negative counts
        if inventory[row][1] in STORES:
            inventory[row][2] = -1
    with (out / "inventory.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["sku", "location_id", "on_hand", "allocated", "safety_stock", "in_transit", "in_transit_eta"])
        w.writerows(inventory)

    lines = []
    order_no = 100000
    for day in range(DAYS):
        date = START + timedelta(days=day)
        weekday = date.weekday()
        for channel, (base, factors) in CHANNELS.items():
            count = rng.poisson(base * factors[weekday] * (1.12 if day in (24, 25, 26) else 1.0))
            hours = STORE_HOURS if channel == "store" else ONLINE_HOURS
            made = 0
            while made < count:
                order_no += 1
                size = 1 if channel == "store" else int(rng.choice([1, 1, 1, 2, 2, 3]))
                at = date + timedelta(hours=int(rng.choice(24, p=hours / hours.sum())),
                                      seconds=int(rng.integers(0, 3600)))
                prefix = {"web": "W", "app": "A", "store": "S", "marketplace": "M"}[channel]
                customer = f"C-{int(rng.integers(10000, 99999))}" if channel != "store" or rng.random() < 0.4 else ""
                # Store sales are collected at the till; some web and app lines are click & collect.
                if channel == "store" or (
                    channel != "marketplace" and rng.random() < (0.22 if channel == "web" else 0.15)
                ):
                    fulfil, pickup = "pickup", STORES[int(rng.choice(len(STORES), p=STORE_SIZE / STORE_SIZE.sum()))]
                else:
                    fulfil, pickup = "ship", ""
                lat = lon = ""
                if fulfil == "ship":
                    city = SHIP_TO[int(rng.choice(len(SHIP_TO), p=[c[2] for c in SHIP_TO]))]
                    lat, lon = round(city[0] + rng.normal(0, 0.08), 4), round(city[1] + rng.normal(0, 0.12), 4)
                for _ in range(size):
                    if channel == "store" and rng.random() < 0.9:
                        pool = assortment[pickup]
                        p = weights[pool] / weights[pool].sum()
                        i = int(pool[rng.choice(len(pool), p=p)])
                    else:
                        i = int(rng.choice(n, p=weights))
                    qty = int(rng.choice([1, 1, 1, 1, 1, 1, 1, 2, 2, 3]))
                    lines.append([f"{prefix}-{order_no}", at.isoformat().replace("+00:00", "Z"), channel, customer,
                                  fulfil, pickup, lat, lon, skus[i], qty, f"{prices[i]:.2f}"])
                    made += 1
    lines.sort(key=lambda r: (r[1], r[0]))
    with (out / "orders.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["order_id", "created_at", "channel", "customer_id", "fulfillment", "pickup_location_id",
                    "ship_latitude", "ship_longitude", "sku", "quantity", "unit_price"])
        w.writerows(lines)

    receipts = []
    for week in range(4):
        for i, sku in enumerate(skus):
            weekly = online_per_sku_day[i] * 7
            if rng.random() < 0.9:
                qty = int(round(weekly * rng.uniform(0.6, 1.3)))
                if qty > 0:
                    at = START + timedelta(days=7 * week + 1, hours=6, minutes=int(rng.integers(0, 120)))
                    receipts.append([sku, "DAV-DC", at.isoformat().replace("+00:00", "Z"), qty])
            if rng.random() < 0.35:
                qty = int(round(weekly * 0.2 * rng.uniform(0.5, 1.5)))
                if qty > 0:
                    at = START + timedelta(days=7 * week + 2, hours=7, minutes=int(rng.integers(0, 60)))
                    receipts.append([sku, "ALM-3PL", at.isoformat().replace("+00:00", "Z"), qty])
        for s, store in enumerate(STORES):
            for i in rng.choice(assortment[store], size=min(25, len(assortment[store])), replace=False):
                at = START + timedelta(days=7 * week + 3, hours=8, minutes=int(rng.integers(0, 90)))
                receipts.append([skus[int(i)], store, at.isoformat().replace("+00:00", "Z"),
                                 int(rng.integers(1, 3 + int(STORE_SIZE[s])))])
    receipts.sort(key=lambda r: (r[2], r[1], r[0]))
    with (out / "receipts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["sku", "location_id", "arrived_at", "quantity"])
        w.writerows(receipts)
    return {"locations": len(LOCATIONS), "inventory": len(inventory), "orders": len(lines), "receipts": len(receipts)}


if __name__ == "__main__":
    print(generate())
