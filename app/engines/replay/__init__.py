"""Oversell replay: order lines in time order against stock, each channel seeing ATP as it was L(channel) ago.

Definitions (docs/atp.md):
- visible ATP: the channel's ATP under the rules, computed from the stock as it stood at t − L(channel);
- true ATP: the same rules over the stock as it stands at t;
- a line is accepted when visible ATP covers it (always, when backorders are allowed) and then consumes
  real stock: routed to the eligible nodes with the most ATP first, then to any physical stock left there;
- oversold: accepted, but the physical stock (on hand − allocated) of the eligible nodes cannot cover it;
- phantom stock-out: refused, though the true ATP, under the same rules, would have covered it.
Receipts add stock when they arrive. SKUs never interact, so each SKU's events form one stream; the k-th
event of every SKU is processed together ("rounds"), which keeps the work in numpy even for 1M lines.

Modules:
- `model.py`: the inputs (OrderLines, Receipts), the outcome codes (OK, OVERSOLD, REFUSED, PHANTOM, STATUSES)
  and the results (LineOutcomes, Totals, SkuBlame, LocationBlame, ReplaySummary, ReplayResult);
- `rounds.py`: `replay`, the event stream per SKU processed in rounds;
- `summary.py`: `summarise`, the totals per channel and day and the top SKUs and locations (TOP of each).
"""

from app.engines.replay.model import (
    OK,
    OVERSOLD,
    PHANTOM,
    REFUSED,
    STATUSES,
    LineOutcomes,
    LocationBlame,
    OrderLines,
    Receipts,
    ReplayResult,
    ReplaySummary,
    SkuBlame,
    Totals,
)
from app.engines.replay.rounds import replay
from app.engines.replay.summary import TOP, summarise

__all__ = [
    "OK", "OVERSOLD", "PHANTOM", "REFUSED", "STATUSES", "TOP", "LineOutcomes", "LocationBlame", "OrderLines",
    "Receipts", "ReplayResult", "ReplaySummary", "SkuBlame", "Totals", "replay", "summarise",
]
