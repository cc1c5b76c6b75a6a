"""Checking acceptance criteria when a requirement is saved: every criterion line parses and names entities
and channels that exist, or the problem is named with its line, column and the closest valid name.

Only the engagement-wide names are checked here (entities, channels); targets and patterns depend on the
scenario and are judged when the criteria are evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.graph.criteria_syntax import FUNCTIONS, CriterionSyntaxError, closest, is_criterion, parse
from app.graph.names import match_name

CHECKED_ROLES = ("entity", "channel")


def acceptance_problems(text: str, names: dict[str, Iterable[str]]) -> list[str]:
    """One message per faulty criterion line of an acceptance text (`names`: role -> valid names); [] if none."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or not is_criterion(line):
            continue
        where = f"line {number}"
        try:
            criterion = parse(line)
        except CriterionSyntaxError as exc:
            problems.append(f"{where}, column {exc.column}: {exc.message}")
            continue
        roles = FUNCTIONS[criterion.function].args
        for role, name in zip(roles, criterion.names, strict=False):
            if role not in CHECKED_ROLES:
                continue
            options = list(dict.fromkeys(names.get(role, ())))
            match = match_name(name.text, ((o, o) for o in options))
            if match.ok:
                continue
            message = match.message(role)
            if not match.candidates:
                suggestion = closest(name.text, options)
                message += f"; did you mean {suggestion!r}?" if suggestion else f" (there are no {role}s yet)"
            problems.append(f"{where}, column {name.column}: {message}")
    return problems
