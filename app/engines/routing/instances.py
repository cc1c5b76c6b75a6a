"""Generated retail routing instances (seeded): Zipf demand over SKUs, tight stock, DCs and stores, pickups.

Used by bench/bench_routing.py and the tests. An instance is a UK-shaped network of 3 DCs (limited dispatch
capacity per day) and `stores` stores (most ship, some only hand over click-and-collect: dispatch capacity 0),
SKUs with Zipf popularity, stock set to a fraction of the expected demand per SKU (`scarcity`; the most
popular SKUs run shortest, as in a flash sale) spread over the DCs and a few stores each, and orders over
`days` days from web (ship), store (pickup at a pickup-enabled store) and marketplace (ship), 1–3 lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.engines.routing.cost_model import CostModel
from app.engines.routing.model import Network, Orders, network_from_rows

DCS = (("DC-MID", 52.25, -1.16), ("DC-NORTH", 53.70, -1.60), ("DC-SOUTH", 51.10, -0.80))
COST = CostModel(base=3.5, rate_per_km=0.015, split_penalty=4.0, unfilled_penalty=60.0, max_splits=2,
                 origin=(("marketplace", "DC-MID"), ("store", "own_store"), ("web", "dc")))


@dataclass(frozen=True, eq=False)
class Instance:
    """A routing instance: the inputs of `route_orders` (no ATP rules: every channel eligible everywhere)."""

    name: str
    network: Network
    orders: Orders
    skus: np.ndarray
    atp: np.ndarray  # (S, N)
    cost: CostModel

    @property
    def eligible(self) -> np.ndarray:
        """No eligibility rules (every channel may use every node)."""
        return np.ones((0, 2, len(self.network)), bool)


def retail_instance(n_orders: int, seed: int, *, n_skus: int | None = None, stores: int = 30, days: int = 7,
                    scarcity: float = 1.0, zipf: float = 1.1, cost: CostModel = COST) -> Instance:
    """A seeded retail instance of `n_orders` orders (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_skus = n_skus or max(100, n_orders // 10)
    store_lat = rng.uniform(50.4, 55.8, stores)
    store_lon = rng.uniform(-4.5, 1.3, stores)
    n = len(DCS) + stores
    lat = np.r_[[d[1] for d in DCS], store_lat]
    lon = np.r_[[d[2] for d in DCS], store_lon]
    pickup = np.r_[[False] * len(DCS), rng.random(stores) < 0.6]
    no_ship = np.r_[[False] * len(DCS), pickup[len(DCS):] & (rng.random(stores) < 0.25)]
    per_day = n_orders / days
    dc_cap = np.full(len(DCS), max(1, int(per_day * 0.5)))
    store_cap = rng.integers(max(1, int(per_day * 0.05)), max(2, int(per_day * 0.12)) + 1, stores)
    capacity = np.r_[dc_cap, store_cap]
    capacity[no_ship] = 0
    network = network_from_rows([d[0] for d in DCS] + [f"S{i:03d}" for i in range(stores)],
                                ["dc"] * len(DCS) + ["store"] * stores, lat, lon, pickup=pickup,
                                capacity=capacity, handling=[0.8] * len(DCS) + [2.5] * stores)
    lines_per = rng.choice([1, 2, 3], n_orders, p=[0.5, 0.3, 0.2])
    order = np.repeat(np.arange(n_orders), lines_per)
    n_lines = len(order)
    channel_of_order = rng.choice(3, n_orders, p=[0.6, 0.25, 0.15])  # web, store, marketplace
    pickup_stores = np.flatnonzero(pickup)
    home = rng.integers(0, stores, n_orders) + len(DCS)
    collect = pickup_stores[rng.integers(0, len(pickup_stores), n_orders)] if len(pickup_stores) else home
    method = (channel_of_order == 1).astype(np.int8)
    o_lat = lat[home] + rng.normal(0, 0.15, n_orders)
    o_lon = lon[home] + rng.normal(0, 0.2, n_orders)
    time_of_order = np.sort(rng.integers(0, days * 86_400, n_orders)) + 1_740_000_000
    popularity = 1.0 / np.arange(1, n_skus + 1) ** zipf
    popularity /= popularity.sum()
    sku = rng.choice(n_skus, n_lines, p=popularity).astype(np.int32)
    quantity = np.where(rng.random(n_lines) < 0.9, 1, 2).astype(np.int64)
    # stock: a fraction of each SKU's expected units, the popular ones shortest (a flash sale running them out)
    demand = popularity * quantity.sum()
    short = np.where(np.arange(n_skus) < max(1, n_skus // 100), 0.6, 1.0)
    total = np.floor(demand * scarcity * short * rng.uniform(0.8, 1.2, n_skus)).astype(np.int64)
    atp = np.zeros((n_skus, n), np.int64)
    for s in np.flatnonzero(total > 0):
        where = np.r_[rng.choice(len(DCS), rng.integers(1, len(DCS) + 1), replace=False),
                      len(DCS) + rng.choice(stores, min(stores, 1 + rng.poisson(3)), replace=False)]
        atp[s] = np.bincount(where[rng.integers(0, len(where), total[s])], minlength=n)
    orders = Orders(
        channels=("web", "store", "marketplace"),
        order_id=np.char.add("O", order.astype(str)),
        time=time_of_order[order],
        channel=channel_of_order[order].astype(np.int32),
        fulfillment=method[order],
        pickup_node=np.where(method[order] == 1, collect[order], -1).astype(np.int32),
        lat=np.where(method[order] == 0, o_lat[order], np.nan),
        lon=np.where(method[order] == 0, o_lon[order], np.nan),
        sku=sku,
        quantity=quantity,
    )
    return Instance(f"retail-{n_orders}-seed{seed}", network, orders,
                    np.asarray([f"SKU{i:05d}" for i in range(n_skus)]), atp, cost)
