"""ATP and oversell replay benchmark: network ATP on 100k SKUs × 10 nodes, a 1M-line replay, a 1M-row upload.

Run from the repository root:  .venv/bin/python bench/bench_atp.py [--skus 100000] [--lines 1000000] [--seed 7]
                               [--only atp]

Generates (numpy, seeded) 10 locations (2 DCs, a 3PL, 7 stores), 100,000 SKUs stocked at every node
(1,000,000 inventory rows), rules with four channels, per-type eligibility and buffers and a percentage
safety stock, then prints:
- network ATP for all SKU × channel (app.engines.atp.network_atp), median of 5, next to a bare numpy pass
  over the same arrays (on_hand − allocated − safety − buffer, floored, then one bincount per channel)
  measured in the same run, and their ratio (target: < 1 s and within 5×);
- network ATP with the full rule set (SKU groups; safety stock and thresholds at every level, quantities and
  percentages; HotWax's online threshold and brokering queue; 20,000 reservations, half of them expired;
  in-transit in a past-due / horizon window with per-supply-type discounts; two segments; distribution
  groups per channel × SKU group × region with two regions; a ring-fence), median of 5, against the same
  bare pass (target: < 1 s and within 5×);
- the replay of 1,000,000 order lines over 28 days (Zipf-like SKU popularity, 4 channels with latencies,
  weekly receipts) (target: < 10 s);
- upload + validation of a 1,000,000-row inventory CSV through the upload service into a temporary SQLite
  database: parse, validate every row (types, references, duplicates), profile, compress and store
  (target: < 30 s);
- the process's peak resident memory after each step (resource.getrusage).
The script exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.engines.atp import (  # noqa: E402
    NO_DATE,
    DistributionGroup,
    Grant,
    GroupAssignment,
    Locations,
    Reservation,
    RingFence,
    Rules,
    SafetyStock,
    Segment,
    Stock,
    compile_rules,
    held,
    network_atp,
)
from app.engines.replay import OrderLines, Receipts, replay  # noqa: E402

DAY = 86_400
CHANNELS = ("web", "app", "store", "marketplace")


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def network(n_nodes: int = 10) -> Locations:
    types = ["dc", "dc", "3pl"] + ["store"] * (n_nodes - 3)
    ids = [f"N{i:02d}" for i in range(n_nodes)]
    ship_from = [True, True, True] + [i % 2 == 0 for i in range(n_nodes - 3)]
    return Locations(np.array(ids), np.array(types), np.array(ship_from), np.array([t == "store" for t in types]))


def rules() -> Rules:
    return Rules(
        channels=CHANNELS,
        safety_by_type=(("dc", SafetyStock(percent=5)), ("store", SafetyStock(quantity=1))),
        thresholds=(("store", 1),),
        grants=(
            Grant("web", "ship", frozenset({"dc", "3pl"})),
            Grant("web", "ship", frozenset({"store"}), only_flagged=True),
            Grant("web", "pickup", frozenset({"store"}), only_flagged=True),
            Grant("app", "ship", frozenset({"dc", "3pl"})), Grant("app", "pickup", frozenset({"store"})),
            Grant("store", "pickup", frozenset({"store"})), Grant("marketplace", "ship", frozenset({"dc"})),
        ),
        eligibility_default="none",
    )


def full_rules(rng, n_skus: int, n_nodes: int) -> Rules:
    """Every kind of rule at once (see the module docstring)."""
    base = rules()
    some = rng.choice(n_skus, 40_000, replace=False)
    names = sku_names(n_skus).tolist()
    names = np.asarray(names, dtype=object)
    return Rules(
        channels=base.channels, grants=base.grants, eligibility_default="none",
        sku_groups=(("bulky", ("SKU001*",)), ("fast", tuple(names[some[:5_000]]))),
        safety_default=SafetyStock(quantity=1),
        safety_by_type=(("dc", SafetyStock(percent=5)), ("store", SafetyStock(quantity=1))),
        safety_by_location=(("N03", SafetyStock(percent=12.5)),),
        safety_by_sku_group=(("fast", SafetyStock(percent=20)),),
        safety_by_sku=tuple((names[i], SafetyStock(quantity=3)) for i in some[5_000:6_000]),
        thresholds=(("store", 1),), threshold_default=SafetyStock(quantity=0),
        threshold_by_sku_group=(("bulky", SafetyStock(percent=10)),),
        online_threshold=SafetyStock(quantity=2), online_threshold_by_sku_group=(("fast", SafetyStock(percent=5)),),
        online_channels=("web", "app"),
        brokering_queue=tuple((names[i], 2) for i in some[6_000:16_000]),
        reservations=tuple(Reservation(names[i], 1, f"N{int(i) % n_nodes:02d}" if k % 4 else None,
                                       expires_at=1_740_960_000 + (k % 2) * 10 * DAY - DAY)
                           for k, i in enumerate(some[16_000:36_000])),
        in_transit=True, in_transit_horizon_days=7, in_transit_past_due_days=3, in_transit_discount_percent=10,
        in_transit_discount_by_type=(("po", 20), ("transfer", 0)),
        segments=(Segment("marketplace", frozenset({"marketplace"}), percent=10, consumption="segment_only"),
                  Segment("loyalty", quantity=2, sku_group="fast")),
        distribution_groups=(DistributionGroup("dcs", frozenset({"dc", "3pl"})),
                             DistributionGroup("north", locations=frozenset({"N00", "N03", "N05", "N07"}))),
        regions=("north", "south"),
        group_assignments=(GroupAssignment("web", "dcs", sku_group="bulky"),
                           GroupAssignment("app", "north", region="north")),
        allocation="ring_fenced", fences=(RingFence("store", percent=5),),
    )


def with_transit(rng, st: Stock) -> Stock:
    """The same stock with in-transit rows (ETAs around the moment judged, two supply types)."""
    rows = len(st.sku)
    moving = rng.random(rows) < 0.2
    return Stock(st.skus, st.sku, st.node, st.on_hand, st.allocated, st.safety_stock,
                 np.where(moving, rng.integers(1, 30, rows), 0),
                 np.where(moving, 1_740_960_000 + rng.integers(-10, 14, rows) * DAY, NO_DATE),
                 np.where(moving, rng.integers(0, 2, rows), -1).astype(np.int32), ("po", "transfer"))


def sku_names(n_skus: int) -> np.ndarray:
    """SKU ids in sorted order, as the service hands them to the engines (np.unique of the datasets' SKUs)."""
    return np.char.add("SKU", np.char.zfill(np.arange(n_skus).astype(str), 7))


def stock(rng, n_skus: int, n_nodes: int) -> Stock:
    rows = n_skus * n_nodes
    sku = np.repeat(np.arange(n_skus, dtype=np.int32), n_nodes)
    node = np.tile(np.arange(n_nodes, dtype=np.int32), n_skus)
    on_hand = rng.integers(0, 40, rows).astype(np.int64)
    return Stock(
        skus=sku_names(n_skus),
        sku=sku, node=node, on_hand=on_hand,
        allocated=(rng.random(rows) < 0.1) * rng.integers(0, 3, rows),
        safety_stock=np.full(rows, -1, np.int64),
        in_transit=np.zeros(rows, np.int64), eta=np.full(rows, NO_DATE, np.int64),
    )


def bare_pass(st: Stock, locations: Locations, r: Rules) -> np.ndarray:
    """The same arithmetic with nothing but numpy: per-row ATP, then one bincount per channel."""
    comp = compile_rules(r, locations, st.skus)  # eligibility masks and per-node rules, resolved once
    safety = held(comp.safety.qty_node[st.node], comp.safety.p4_node[st.node], st.on_hand)
    atp = np.maximum(st.on_hand - st.allocated - safety - comp.threshold[st.node], 0)
    return np.stack([np.bincount(st.sku, atp * comp.any_eligible[c][st.node], minlength=len(st.skus))
                     for c in range(len(comp.channels))], axis=1)


def orders(rng, n_lines: int, n_skus: int, n_nodes: int) -> OrderLines:
    popularity = 1.0 / np.arange(1, n_skus + 1) ** 0.8
    sku = rng.choice(n_skus, n_lines, p=popularity / popularity.sum()).astype(np.int32)
    day = rng.integers(0, 28, n_lines)
    time_ = (day * DAY + rng.integers(0, DAY, n_lines)).astype(np.int64) + 1_740_960_000
    channel = rng.choice(4, n_lines, p=[0.45, 0.25, 0.2, 0.1]).astype(np.int32)
    pickup = (channel == 2) | ((channel < 2) & (rng.random(n_lines) < 0.2))
    pickup_node = np.where(pickup, rng.integers(3, n_nodes, n_lines), -1).astype(np.int32)
    return OrderLines(CHANNELS, time_, channel, pickup.astype(np.int8), pickup_node, sku,
                      rng.choice([1, 1, 1, 2, 3], n_lines).astype(np.int64), rng.uniform(5, 120, n_lines))


def receipts(rng, n_skus: int) -> Receipts:
    weeks = 4
    sku = np.tile(np.arange(n_skus, dtype=np.int32), weeks)
    time_ = np.repeat(np.arange(weeks) * 7 * DAY + DAY + 6 * 3600, n_skus).astype(np.int64) + 1_740_960_000
    return Receipts(time_, sku, np.zeros(len(sku), np.int32), rng.integers(0, 30, len(sku)).astype(np.int64))


def inventory_csv(rng, n_skus: int, n_nodes: int) -> bytes:
    sku = np.repeat(np.char.add("SKU", np.arange(n_skus).astype(str)), n_nodes)
    node = np.tile(np.array([f"N{i:02d}" for i in range(n_nodes)]), n_skus)
    on_hand = rng.integers(-1, 40, len(sku)).astype(str)
    allocated = rng.integers(0, 3, len(sku)).astype(str)
    body = np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(np.char.add(sku, ","), node), ","), on_hand),
                                   ","), allocated)
    return ("sku,location_id,on_hand,allocated\n" + "\n".join(body.tolist()) + "\n").encode()


def upload(data: bytes, n_nodes: int) -> tuple[float, int]:
    os.environ.setdefault("THROUGHLINE_INSTANCE", tempfile.mkdtemp(prefix="throughline-bench-"))
    from app import create_app
    from app.extensions import db
    from app.services.catalog.elements import save_element
    from app.services.datasets.uploads import upload_dataset
    from app.services.engagements import create_engagement

    folder = tempfile.mkdtemp(prefix="throughline-bench-atp-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite", "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        engagement = create_engagement(db.session, "Bench")
        system = save_element(db.session, engagement, "system", {"name": "ERP", "category": "erp"})
        locations = "location_id,type,latitude,longitude\n" + "".join(
            f"N{i:02d},{'dc' if i < 2 else 'store'},52,-1\n" for i in range(n_nodes))
        upload_dataset(db.session, engagement, "locations", locations.encode(), "l.csv", system=system)
        start = time.perf_counter()
        version = upload_dataset(db.session, engagement, "inventory", data, "inventory.csv", system=system).version
        elapsed = time.perf_counter() - start
        stored = version.size_bytes
        db.engine.dispose()
    return elapsed, stored


def verdict(engine: float, bare: float) -> bool:
    """Print "not met" with the reason when a target is missed; True when both are met."""
    reasons = []
    if engine >= 1.0:
        reasons.append(f"the engine took {engine:.2f} s, not under 1 s")
    if engine / bare > 5:
        reasons.append(f"the engine is {engine / bare:.1f}× the bare pass, more than 5×")
    if reasons:
        print("  not met: " + "; ".join(reasons))
    return not reasons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--nodes", type=int, default=10)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=("atp",), help="measure network ATP only")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    ok = True

    locations, r = network(args.nodes), rules()
    st = stock(rng, args.skus, args.nodes)
    print(f"ATP: {args.skus:,} SKUs × {args.nodes} nodes = {len(st.sku):,} inventory rows, {len(CHANNELS)} channels")
    engine, bare = [], []
    for _ in range(5):
        t = time.perf_counter()
        result = network_atp(st, locations, r)
        engine.append(time.perf_counter() - t)
        t = time.perf_counter()
        reference = bare_pass(st, locations, r)
        bare.append(time.perf_counter() - t)
    assert (result.network == reference).all(), "the engine and the bare pass disagree"
    e, b = statistics.median(engine), statistics.median(bare)
    print(f"  network ATP (engine)   {e * 1000:8.1f} ms   median of 5   (target < 1000 ms)")
    print(f"  bare numpy pass        {b * 1000:8.1f} ms   ratio {e / b:.2f}×      (target ≤ 5×)")
    print(f"  peak memory so far     {peak_mb():8.0f} MiB")
    ok &= verdict(e, b)

    full, moving = full_rules(rng, args.skus, args.nodes), with_transit(rng, st)
    engine, bare = [], []
    for _ in range(5):
        t = time.perf_counter()
        result = network_atp(moving, locations, full, as_of=1_740_960_000)
        engine.append(time.perf_counter() - t)
        t = time.perf_counter()
        bare_pass(moving, locations, r)
        bare.append(time.perf_counter() - t)
    e, b = statistics.median(engine), statistics.median(bare)
    print(f"ATP, full rule set: {len(full.reservations):,} reservations, {len(full.brokering_queue):,} SKUs in the "
          f"brokering queue, {len(full.segments)} segments, {len(full.regions)} regions")
    print(f"  network ATP (engine)   {e * 1000:8.1f} ms   median of 5   (target < 1000 ms)")
    print(f"  bare numpy pass        {b * 1000:8.1f} ms   ratio {e / b:.2f}×      (target ≤ 5×)")
    print(f"  web ATP {int(result.network[:, 0].sum()):,} units, pool {int(result.pool.sum()):,}, "
          f"segments {int(result.segment_reserved.sum()):,}")
    ok &= verdict(e, b)
    if args.only == "atp":
        print("all targets met" if ok else "A TARGET WAS MISSED")
        return 0 if ok else 1

    lines = orders(rng, args.lines, args.skus, args.nodes)
    arrivals = receipts(rng, args.skus)
    latency = {"web": 86_400, "app": 3_600, "store": 0, "marketplace": 900}
    t = time.perf_counter()
    outcome = replay(st, locations, r, lines, arrivals, latency)
    elapsed = time.perf_counter() - t
    totals = outcome.summary.totals
    print(f"Replay: {len(lines):,} order lines, {len(arrivals.time):,} receipts, 28 days")
    print(f"  replay                 {elapsed:8.2f} s    (target < 10 s)   {totals.oversold_rate:.2%} oversold, "
          f"{totals.phantom_rate:.2%} phantom")
    print(f"  peak memory so far     {peak_mb():8.0f} MiB")
    ok &= elapsed < 10

    data = inventory_csv(rng, args.skus, args.nodes)
    elapsed, stored = upload(data, args.nodes)
    print(f"Upload: {len(data) / 2**20:.1f} MiB inventory CSV, {args.skus * args.nodes:,} rows")
    print(f"  upload + validation    {elapsed:8.2f} s    (target < 30 s)   stored {stored / 2**20:.1f} MiB compressed")
    print(f"  peak memory so far     {peak_mb():8.0f} MiB")
    ok &= elapsed < 30
    print("all targets met" if ok else "A TARGET WAS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
