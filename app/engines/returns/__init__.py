"""Returns and exchanges anywhere: replay the client's returns under a scenario's return policy and what its
architecture allows (docs/returns.md). Pure numpy: no Flask, no ORM.

Modules:
- `policy.py`: ReturnPolicy, ReturnRule, `parse_policy`, PolicyError;
- `model.py`: ReturnLines, Access (what the architecture allows between channels), ReturnsOutcome, REASONS;
- `replay.py`: `replay_returns` (every return judged at once) and its summary.
"""

from app.engines.returns.model import (
    NO_TIME,
    REASON_TEXT,
    REASONS,
    REFUNDS,
    Access,
    ReturnLines,
    ReturnsOutcome,
)
from app.engines.returns.policy import DISPOSITIONS, PolicyError, ReturnPolicy, ReturnRule, parse_policy
from app.engines.returns.replay import replay_returns, rule_table

__all__ = ["DISPOSITIONS", "NO_TIME", "REASONS", "REASON_TEXT", "REFUNDS", "Access", "PolicyError", "ReturnLines",
           "ReturnPolicy", "ReturnRule", "ReturnsOutcome", "parse_policy", "replay_returns", "rule_table"]
