"""Available-to-promise over one inventory pool (pure numpy): per-node ATP, eligibility, network deductions,
segments, distribution groups and channel allocation.

Per node (an inventory row: one SKU at one location):
    ATP = on_hand − allocated − unexpired reservations − safety stock − threshold
          + in-transit whose ETA falls in the past-due / horizon window (less its supply type's discount),
    floored at 0 unless backorders are allowed. Safety stock and threshold are a quantity or a percentage
    of on-hand at network, location type, location, SKU group or SKU level (most specific wins).
Per SKU × channel: the sum over the nodes eligible for the channel (within its distribution group), less
the brokering queue, network reservations and the online threshold, then capped by segments and ring-fences.
Quantities are whole units (int64): percentages hold back rounded up, so what remains is truncated.

`model` holds the inputs, `compile` resolves rules against a network, `node` the per-node arithmetic,
`network` the per-channel figures and `allocation` Saleor's allocation strategies.
"""

from app.engines.atp.allocation import STRATEGIES, allocate
from app.engines.atp.compile import P4, Compiled, Levels, channel_key, compile_rules, held, sku_group_index, to_p4
from app.engines.atp.model import (
    CONSUMPTION,
    DAY,
    FULFILMENTS,
    LOCATION_TYPES,
    NO_DATE,
    PICKUP,
    SHIP,
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
    locations_from_rows,
    stock_from_rows,
)
from app.engines.atp.network import AtpResult, network_atp
from app.engines.atp.node import (
    NetworkHolds,
    arriving,
    buffers_at,
    fence_caps,
    network_holds,
    node_atp,
    reservations_held,
    resolve_safety,
    unknown_references,
)

__all__ = [
    "CONSUMPTION", "DAY", "FULFILMENTS", "LOCATION_TYPES", "NO_DATE", "P4", "PICKUP", "SHIP", "STRATEGIES",
    "AtpResult", "Compiled", "DistributionGroup", "Grant", "GroupAssignment", "Levels", "Locations", "NetworkHolds",
    "Reservation", "RingFence", "Rules", "SafetyStock", "Segment", "Stock", "allocate", "arriving", "buffers_at",
    "channel_key", "compile_rules", "fence_caps", "held", "locations_from_rows", "network_atp",
    "network_holds", "node_atp",
    "reservations_held", "resolve_safety", "sku_group_index", "stock_from_rows", "to_p4", "unknown_references",
]
