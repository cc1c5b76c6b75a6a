"""Which nodes an order's units come from: Saleor's two allocation strategies, for one line at a time."""

from __future__ import annotations

import numpy as np

STRATEGIES = ("sorting_order", "high_stock")


def allocate(quantity: int, available: np.ndarray, strategy: str = "sorting_order",
             order: np.ndarray | None = None) -> np.ndarray:
    """Units taken per node: "sorting_order" drains nodes in the channel's order (`order`, default the
    array order), "high_stock" drains the nodes with the most stock first (ties in the channel's order).
    Never takes more than a node holds; a shortfall is left untaken."""
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown allocation strategy {strategy!r}; known: {', '.join(STRATEGIES)}.")
    stock = np.maximum(np.asarray(available, np.int64), 0)
    rank = np.arange(len(stock)) if order is None else np.asarray(order)
    sequence = np.argsort(rank, kind="stable")
    if strategy == "high_stock":
        sequence = sequence[np.argsort(-stock[sequence], kind="stable")]
    held_before = np.cumsum(stock[sequence]) - stock[sequence]
    taken = np.zeros_like(stock)
    taken[sequence] = np.clip(quantity - held_before, 0, stock[sequence])
    return taken
