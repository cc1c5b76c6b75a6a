"""Report options: which scenario a report describes, which it compares with, its sections and engine runs.

`parse_options` turns form or command-line values into a `ReportOptions`; jobs store them as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.services.errors import ValidationError
from exports.report import SECTION_KEYS


@dataclass(frozen=True)
class ReportOptions:
    """What to put in a report: the scenario it describes, the one it compares with, sections, engine runs."""

    scenario: str | int | None = None
    compare: str | int | None = None
    sections: tuple[str, ...] = SECTION_KEYS
    runs: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The options as stored with a job."""
        return {"scenario": self.scenario, "compare": self.compare, "sections": list(self.sections),
                "runs": list(self.runs)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportOptions:
        """Options back from a job row."""
        return cls(data.get("scenario"), data.get("compare"), tuple(data.get("sections") or SECTION_KEYS),
                   tuple(int(r) for r in data.get("runs") or ()))


def parse_options(scenario: Any = None, compare: Any = None, sections: Iterable[str] | str | None = None,
                  runs: Iterable[Any] | str | None = None) -> ReportOptions:
    """Options from form or command-line values; ValidationError names an unknown section or a bad run id."""
    if isinstance(sections, str):
        sections = [s for s in sections.replace(" ", "").split(",") if s]
    chosen = [s.strip().lower() for s in (sections or ()) if s and s.strip()]
    unknown = [s for s in chosen if s not in SECTION_KEYS]
    if unknown:
        raise ValidationError({"sections": f"Unknown section(s): {', '.join(unknown)}; "
                                           f"choose from {', '.join(SECTION_KEYS)}."})
    if sections is not None and not chosen:
        raise ValidationError({"sections": "Choose at least one section."})
    if isinstance(runs, str):
        runs = [r for r in runs.replace(" ", "").split(",") if r]
    run_ids: list[int] = []
    for raw in runs or ():
        try:
            run_ids.append(int(raw))
        except (TypeError, ValueError):
            raise ValidationError({"runs": f"Run id {raw!r} is not a number."}) from None
    if chosen:
        ordered = tuple(k for k in SECTION_KEYS if k in chosen)
    else:  # every section; engine results only when runs were picked (an empty section reads as a gap)
        ordered = tuple(k for k in SECTION_KEYS if k != "engines" or run_ids)
    return ReportOptions(_blank(scenario), _blank(compare), ordered, tuple(dict.fromkeys(run_ids)))


def _blank(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value
