"""Order routing benchmark: 50 stores + 3 DCs, 5,000 SKUs, 100,000 orders (issue 6).

Run from the repository root:  .venv/bin/python bench/bench_routing.py [--orders 100000] [--batches 3] [--seed 7]

Generates (numpy, seeded) a UK-shaped network (3 DCs holding most SKUs, 50 stores holding a fifth of them, store
capacity 150 orders/day), 5,000 SKUs with Zipf-like popularity, and orders over 14 days from web (ship),
store (pickup at a store) and marketplace (ship) with 1–3 lines each, ship-to points around the stores. Prints:
- `rules` over all orders (target: < 10 s);
- `optimal` on the first `--batches` batches of 2,000 orders, seconds per batch (target: < 30 s each) and the
  solver's gap;
- on those same orders, the cost of `rules` versus `optimal` (target: within 2 %) and the splits of `optimal`
  versus `channel_origin`.
The script exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engines.routing import CostModel, Orders, network_from_rows, route_orders  # noqa: E402


def generate(n_orders: int, n_skus: int, seed: int):
    rng = np.random.default_rng(seed)
    n_stores = 50
    dcs = [("DC-MID", 52.25, -1.16), ("DC-NORTH", 53.70, -1.60), ("DC-SOUTH", 51.10, -0.80)]
    store_lat = rng.uniform(50.4, 55.8, n_stores)
    store_lon = rng.uniform(-4.5, 1.3, n_stores)
    ids = [d[0] for d in dcs] + [f"S{i:02d}" for i in range(n_stores)]
    types = ["dc"] * 3 + ["store"] * n_stores
    lat = np.r_[[d[1] for d in dcs], store_lat]
    lon = np.r_[[d[2] for d in dcs], store_lon]
    capacity = [-1] * 3 + [150] * n_stores
    handling = [0.8] * 3 + [2.5] * n_stores
    network = network_from_rows(ids, types, lat, lon, capacity=capacity, handling=handling)
    n = len(ids)
    atp = np.zeros((n_skus, n), np.int64)
    # each DC holds ~80 % of the SKUs; each store a fifth
    atp[:, :3] = np.where(rng.random((n_skus, 3)) < 0.8, rng.integers(20, 400, (n_skus, 3)), 0)
    atp[:, 3:] = np.where(rng.random((n_skus, n_stores)) < 0.2, rng.integers(1, 8, (n_skus, n_stores)), 0)
    lines_per = rng.integers(1, 4, n_orders)
    order = np.repeat(np.arange(n_orders), lines_per)
    n_lines = len(order)
    channel_of_order = rng.choice(3, n_orders, p=[0.6, 0.25, 0.15])  # web, store, marketplace
    channel = channel_of_order[order]
    method = np.where(channel == 1, 1, 0).astype(np.int8)
    home = rng.integers(0, n_stores, n_orders)
    o_lat = store_lat[home] + rng.normal(0, 0.15, n_orders)
    o_lon = store_lon[home] + rng.normal(0, 0.2, n_orders)
    time_of_order = np.sort(rng.integers(0, 14 * 86_400, n_orders)) + 1_740_000_000
    popularity = 1.0 / np.arange(1, n_skus + 1) ** 0.8
    sku = rng.choice(n_skus, n_lines, p=popularity / popularity.sum()).astype(np.int32)
    orders = Orders(
        channels=("web", "store", "marketplace"),
        order_id=np.char.add("O", order.astype(str)),
        time=time_of_order[order],
        channel=channel.astype(np.int32),
        fulfillment=method,
        pickup_node=np.where(method == 1, home[order] + 3, -1).astype(np.int32),
        lat=np.where(method == 0, o_lat[order], np.nan),
        lon=np.where(method == 0, o_lon[order], np.nan),
        sku=sku,
        quantity=np.where(rng.random(n_lines) < 0.9, 1, 2).astype(np.int64),
    )
    return network, orders, np.asarray([f"SKU{i:05d}" for i in range(n_skus)]), atp


def subset(orders: Orders, keep: np.ndarray) -> Orders:
    return Orders(orders.channels, *(getattr(orders, f)[keep] for f in (
        "order_id", "time", "channel", "fulfillment", "pickup_node", "lat", "lon", "sku", "quantity")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--skus", type=int, default=5_000)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    network, orders, skus, atp = generate(args.orders, args.skus, args.seed)
    cost = CostModel(base=3.5, rate_per_km=0.015, split_penalty=4.0, unfilled_penalty=60.0, max_splits=2,
                     origin=(("marketplace", "DC-MID"), ("store", "own_store"), ("web", "dc")),
                     batch_orders=2_000, time_limit_s=25.0, mip_gap=1e-4)
    no_rules = np.ones((0, 2, len(network)), bool)
    ok = True
    print(f"network: {len(network)} nodes (3 DCs, 50 stores), {len(skus):,} SKUs, {args.orders:,} orders, "
          f"{len(orders):,} lines")

    started = time.perf_counter()
    rules_all = route_orders(network, orders, skus, atp, no_rules, [], cost, "rules")
    seconds = time.perf_counter() - started
    m = rules_all.metrics
    ok &= seconds < 10
    print(f"rules, all orders: {seconds:.2f} s ({m['ms_per_order']:.3f} ms/order; target < 10 s) — fill "
          f"{m['fill_rate']:.1%}, split {m['split_rate']:.1%}, {m['cost_per_order']:.2f}/order, "
          f"{m['from_stores']:.1%} from stores, {m['utilisation']['nodes_at_capacity']} nodes hit capacity")

    order_codes = np.unique(orders.order_id, return_inverse=True)[1]
    first = np.argsort(np.unique(orders.order_id, return_index=True)[1])  # orders in time order
    n_first = min(args.batches * 2_000, len(first))
    keep = np.isin(order_codes, first[:n_first])
    batch = subset(orders, keep)
    results = {}
    for name in ("optimal", "rules", "channel_origin"):
        t0 = time.perf_counter()
        results[name] = route_orders(network, batch, skus, atp, no_rules, [], cost, name)
        results[name].metrics["wall"] = time.perf_counter() - t0
    opt = results["optimal"].metrics
    for i, b in enumerate(results["optimal"].batches):
        ok &= b["seconds"] < 30
        print(f"optimal batch {i + 1}: {b['groups']:,} order groups, {b['lines']:,} lines, {b['variables']:,} "
              f"variables, {b['seconds']:.2f} s (target < 30 s), optimal={b.get('optimal')}, gap "
              f"{(b.get('gap') or 0) * 100:.4f} %, fallback={b.get('fallback')}")
    gap = results["rules"].metrics["cost"]["total"] / opt["cost"]["total"] - 1
    ok &= gap <= 0.02
    print(f"same {n_first:,} orders: optimal cost {opt['cost']['total']:,.2f}, rules "
          f"{results['rules'].metrics['cost']['total']:,.2f} → rules is {gap:.2%} above optimal (target ≤ 2 %); "
          "channel_origin "
          f"{results['channel_origin'].metrics['cost']['total']:,.2f}")
    splits_o, splits_c = opt["splits"], results["channel_origin"].metrics["splits"]
    ok &= splits_o < splits_c
    cut = 1 - splits_o / splits_c if splits_c else 0.0
    print(f"splits: optimal {splits_o:,} ({opt['split_rate']:.1%} of orders) vs channel_origin {splits_c:,} "
          f"({results['channel_origin'].metrics['split_rate']:.1%}) → {cut:.0%} fewer; rules "
          f"{results['rules'].metrics['splits']:,}")
    for name, r in results.items():
        mm = r.metrics
        print(f"  {name:<15} fill {mm['fill_rate']:.2%}  split {mm['split_rate']:.2%}  cost/order "
              f"{mm['cost_per_order']:.3f}  from stores {mm['from_stores']:.1%}  unfilled {mm['unfilled']}  "
              f"{mm['wall']:.2f} s")
    trusted = rules_all.trusted and all(r.trusted for r in results.values())
    ok &= trusted
    print("every assignment checked: no ATP, capacity, eligibility or split constraint broken" if trusted else
          "CONSTRAINTS BROKEN: " + "; ".join(v.detail for r in results.values() for v in r.violations[:3]))
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
