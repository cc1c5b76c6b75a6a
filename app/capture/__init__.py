"""Quick capture: one typed line -> what it means. Pure Python: no Flask, no SQLAlchemy, no models.

`grammar.parse(line)` turns a line into a typed, frozen description (FlowLine, OwnershipLine,
RequirementLine, DecisionLine, StakeholderLine) or a ParseError with the column at fault;
`suggest` offers the closest catalog names for a name that is not in the catalog. The service
(app/services/catalog/capture.py) resolves names against an engagement and creates the elements.

`grammar` is the grammar's entry (parse, rewrite, EXAMPLES, and every public name re-exported); its parts are
`words` (vocabulary -> codes), `results` (the *Line dataclasses, Name, ParseError), `tokens`, and the clause
parsers `flow_line`, `ownership_line` and `marked_lines` (requirement, decision, stakeholder).
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
