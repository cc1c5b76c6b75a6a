"""Explanations a client understands: each field's part in a pair's match weight, in words."""

from __future__ import annotations

import math
from typing import Any

from .base import LABELS, Pair


def explain(pair: Pair) -> list[dict[str, Any]]:
    """A pair's explanation: one entry per field (and the prior), weights summing to the pair's match weight."""
    return [{"field": c.field, "label": LABELS.get(c.field, "Prior" if c.field == "prior" else c.field),
             "left": c.left, "right": c.right, "level": c.level,
             "weight": None if math.isinf(c.weight) else round(c.weight, 3), "words": c.words}
            for c in pair.contributions]

