"""Returns replay benchmark (issue 22): 200k returns against 1M order lines replayed in under 5 s; peak memory.

Run from the repository root:
    .venv/bin/python bench/bench_returns.py [--returns 200000] [--lines 1000000] [--reps 3]

Builds the stored columnar form of an orders and a returns dataset (what `load_frame` hands the service: sorted
distinct texts plus int codes), then times what a returns run does after loading them: looking up each return's
order (channel, time, fulfilment) among the order lines, judging every return under a policy with four rules
and an architecture that blocks web -> store order lookup, and summarising (matrix, reasons, refunds, restock
delays). Decoding the stored blobs and the graph analysis are not in the figure (they are the same for every
engine run and measured by bench_upload_memory and bench_analysis). Peak memory is Python's traced peak during
one replay (numpy allocations included) and the process's maximum resident size. The machine is shared: the
load average is printed beside the timing, and a target not met is printed as "not met" with the reason.
Exits 1 if the target is not met.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.engines.returns import ReturnPolicy, ReturnRule, replay_returns  # noqa: E402
from app.engines.returns.model import Access  # noqa: E402
from app.services.datasets.store import Frame  # noqa: E402
from app.services.engines.returns import return_lines  # noqa: E402

TARGET_S = 5.0
CHANNELS = ("web", "app", "store", "marketplace")
DAY = 86400
START = 1_740_960_000  # 2025-03-03


def text(values: list[str], codes: np.ndarray, name: str) -> dict[str, np.ndarray]:
    """A text column in the stored form: sorted distinct values and int32 codes into them."""
    distinct = np.array(values)
    order = np.argsort(distinct)
    rank = np.empty(len(order), np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    return {f"{name}.values": distinct[order], f"{name}.codes": rank[codes].astype(np.int32)}


def datasets(n_lines: int, n_returns: int, seed: int = 22) -> tuple[Frame, Frame, Frame]:
    """Locations, order lines (about 2.5 lines per order) and returns of some of those lines (1 % unknown)."""
    rng = np.random.default_rng(seed)
    n_orders = n_lines * 2 // 5
    order_of_line = np.sort(rng.integers(0, n_orders, n_lines))
    order_channel = rng.choice(4, n_orders, p=[0.45, 0.25, 0.2, 0.1])
    created = START + np.sort(rng.integers(0, 60 * DAY, n_orders))
    locations = Frame("locations", 12, {
        **text([f"S{i:02d}" for i in range(11)] + ["DC"], np.arange(12), "location_id"),
        **text(["store"] * 11 + ["dc"], np.arange(12), "type")})
    order_ids = [f"O{i:08d}" for i in range(n_orders)]
    orders = Frame("orders", n_lines, {
        **text(order_ids, order_of_line, "order_id"),
        **text(list(CHANNELS), order_channel[order_of_line], "channel"),
        **text(["ship", "pickup"], (rng.random(n_lines) < 0.2).astype(np.int32), "fulfillment"),
        "created_at": created[order_of_line],
    })
    picked = rng.choice(n_lines, n_returns, replace=False)
    wanted = order_of_line[picked]
    unknown = rng.random(n_returns) < 0.01
    ids = order_ids + [f"X{i:08d}" for i in range(int(unknown.sum()))]
    codes = wanted.copy()
    codes[unknown] = n_orders + np.arange(int(unknown.sum()))
    brought = np.where(rng.random(n_returns) < 0.5, 2, order_channel[wanted])
    returns = Frame("returns", n_returns, {
        **text(ids, codes, "order_id"),
        **text(list(CHANNELS), brought, "return_channel"),
        **text([f"S{i:02d}" for i in range(11)] + ["DC"], np.where(brought == 2, rng.integers(0, 11, n_returns), 11),
               "return_location_id"),
        **text([f"K{i:05d}" for i in range(20_000)], rng.integers(0, 20_000, n_returns), "sku"),
        **text(["sellable", "damaged"], (rng.random(n_returns) < 0.15).astype(np.int32), "condition"),
        **text(["original_tender", "exchange"], (rng.random(n_returns) < 0.2).astype(np.int32), "refund_method"),
        "returned_at": created[wanted] + rng.integers(DAY, 40 * DAY, n_returns),
        "quantity": np.ones(n_returns, np.int64),
    })
    return locations, orders, returns


def scenario() -> tuple[ReturnPolicy, Access]:
    """Stores take web, app and store orders; web takes web and app; the marketplace its own; web -> store and
    app -> store order lookups are blocked (today's design)."""
    policy = ReturnPolicy(rules=(ReturnRule(return_channels=("store",), original_channels=("web", "app", "store")),
                                 ReturnRule(return_channels=("web",), original_channels=("web", "app")),
                                 ReturnRule(return_channels=("marketplace",), original_channels=("marketplace",),
                                            exchange=False)), dc_location_id="DC")
    n = len(CHANNELS)
    access = Access(np.ones((n, n), bool), np.ones((n, n), bool), np.ones((n, n), bool), np.full((n, n), 3600.0),
                    np.full(n, 60.0))
    access.order_visible[[0, 1], [2, 2]] = False
    access.refund_path[[0, 1], [2, 2]] = False
    return policy, access


def replay(locations: Frame, orders: Frame, returns: Frame, policy: ReturnPolicy, access: Access):
    """What a returns run does once its datasets are decoded."""
    lines, dc, _notes = return_lines(locations, orders, returns, CHANNELS, policy.dc_location_id)
    return replay_returns(lines, policy, access, dc)


def main() -> int:
    """Print the timing, the load and peak memory; exit 1 when the target is not met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=200_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    built = time.perf_counter()
    locations, orders, returns = datasets(args.lines, args.returns)
    print(f"built {args.returns:,} returns against {args.lines:,} order lines in {time.perf_counter() - built:.1f} s")
    policy, access = scenario()
    times = []
    for _ in range(args.reps):
        started = time.perf_counter()
        outcome = replay(locations, orders, returns, policy, access)
        times.append(time.perf_counter() - started)
    load = os.getloadavg()
    tracemalloc.start()
    replay(locations, orders, returns, policy, access)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = outcome.summary
    median = statistics.median(times)
    refused = ", ".join(f"{k} {v:,}" for k, v in s["refused_by_reason"].items() if v)
    print(f"returns replay: {s['returns']:,} returns judged, {s['accepted']:,} accepted "
          f"({s['acceptance_rate']:.1%}); refused {refused}")
    print(f"time: median {median:.2f} s over {args.reps} run(s) (min {min(times):.2f} s, max {max(times):.2f} s); "
          f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on {os.cpu_count()} cores (a shared machine)")
    print(f"peak memory: {peak / 2**20:.0f} MiB traced during one replay; process max RSS {rss:.0f} MiB "
          "(includes the generated datasets)")
    if median < TARGET_S:
        print(f"target < {TARGET_S:.0f} s for {args.returns:,} returns against {args.lines:,} order lines: met")
        return 0
    print(f"target < {TARGET_S:.0f} s: not met ({median:.2f} s at load {load[0]:.2f} on a shared machine)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
