"""The rule registry: importing this package registers every rule, in the order findings are listed."""

from app.graph.rules import coverage, ownership, paths, returns, topology  # noqa: F401  (registration)
from app.graph.rules.base import RULES, SEVERITIES, Finding, Rule

__all__ = ["RULES", "SEVERITIES", "Finding", "Rule"]
