"""Quick capture: one typed line -> what it means. Pure Python: no Flask, no SQLAlchemy, no models.

`grammar.parse(line)` turns a line into a typed, frozen description (FlowLine, OwnershipLine,
RequirementLine, DecisionLine, StakeholderLine) or a ParseError with the column at fault;
`suggest` offers the closest catalog names for a name that is not in the catalog. The service
(app/services/catalog/capture.py) resolves names against an engagement and creates the elements.
"""

from app.capture.grammar import (
    DecisionLine,
    FlowLine,
    Name,
    OwnershipLine,
    ParseError,
    RequirementLine,
    StakeholderLine,
    parse,
    rewrite,
)

__all__ = [
    "DecisionLine",
    "FlowLine",
    "Name",
    "OwnershipLine",
    "ParseError",
    "RequirementLine",
    "StakeholderLine",
    "parse",
    "rewrite",
]
