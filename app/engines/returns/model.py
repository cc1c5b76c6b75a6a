"""Typed inputs and outputs of the returns replay: the return lines, what the architecture allows between
channels, and the outcome per return with its summary."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Outcome codes per return, in the order they are judged (the first that applies is the reason).
ACCEPTED = 0
R_POLICY = 1
R_WINDOW = 2
R_ORDER = 3
R_CUSTOMER = 4
R_REFUND = 5
REASONS = {
    R_POLICY: "policy",
    R_WINDOW: "out_of_window",
    R_ORDER: "no_order_visibility",
    R_CUSTOMER: "no_customer_match",
    R_REFUND: "no_refund_path",
}
REASON_TEXT = {
    "policy": "the policy does not accept it there",
    "out_of_window": "brought back after the policy's window",
    "no_order_visibility": "the returning channel's systems cannot see the original order",
    "no_customer_match": "the returning channel's systems cannot recognise the customer",
    "no_refund_path": "no payment path to refund the original tender, and the policy gives no store credit",
}
# Refund methods of accepted returns, and dispositions of their units.
TENDER, CREDIT, EXCHANGE = 0, 1, 2
REFUNDS = ("original_tender", "store_credit", "exchange")
RESTOCK, TO_DC, WRITE_OFF = 0, 1, 2
NO_TIME = np.iinfo(np.int64).min


@dataclass(frozen=True, eq=False)
class ReturnLines:
    """One row per returned line. Channel codes index `channels`; -1 is unknown."""

    channels: tuple[str, ...]
    time: np.ndarray  # int64 seconds: when it was brought back
    order_time: np.ndarray  # int64 seconds of the original order, NO_TIME when the order is unknown
    original: np.ndarray  # int32 channel code of the original order
    returned: np.ndarray  # int32 channel code where it is brought back
    pickup: np.ndarray  # bool: the original line was click & collect (else shipped)
    sku: np.ndarray  # int32
    quantity: np.ndarray  # int64
    node: np.ndarray  # int32 return location, -1 when not given
    condition: np.ndarray  # int32 code into `conditions`, -1 when empty (counts as sellable)
    conditions: tuple[str, ...]
    exchange: np.ndarray  # bool: the customer asked for an exchange

    def __len__(self) -> int:
        return len(self.time)


@dataclass(frozen=True, eq=False)
class Access:
    """What the architecture allows between dataset channels: [original, returning] matrices and restock delays.

    `restock_seconds[r, c]` is how long after units are restocked at a location of returning channel r the
    selling channel c sees them (NaN: never, no path); `dc_seconds[c]` the same for units back at the DC.
    `notes[(o, r)]` says why a pair is blocked, naming the systems.
    """

    order_visible: np.ndarray  # bool [n, n]
    customer_known: np.ndarray  # bool [n, n]
    refund_path: np.ndarray  # bool [n, n]: the returning systems can refund the original tender
    restock_seconds: np.ndarray  # float [n, n]
    dc_seconds: np.ndarray  # float [n]
    notes: dict[tuple[int, int], str] = field(default_factory=dict)

    @staticmethod
    def open(n: int) -> Access:
        """Everything visible at once: the policy alone decides (tests, a scenario without a model)."""
        return Access(np.ones((n, n), bool), np.ones((n, n), bool), np.ones((n, n), bool), np.zeros((n, n)),
                      np.zeros(n))


@dataclass(frozen=True, eq=False)
class ReturnsOutcome:
    """Per return: outcome code, refund method (-1 refused), disposition (-1 refused) and when units are sellable.

    `receipts_*` are the restocked units as stock arrivals (time, sku, node, quantity): the oversell replay can
    sell returned stock again from them.
    """

    outcome: np.ndarray  # int8
    refund: np.ndarray  # int8
    disposition: np.ndarray  # int8
    sellable_at: np.ndarray  # int64, NO_TIME when not restocked
    receipts_time: np.ndarray
    receipts_sku: np.ndarray
    receipts_node: np.ndarray
    receipts_quantity: np.ndarray
    summary: dict = field(default_factory=dict)
