"""Formatting shared by the report's engine-result builders: run titles and labels, numbers in words, the section."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.durations import format_duration
from exports.report_model import EngineResult, Figure, Table
from models import EngineRun

KIND_TITLES = {"atp": "Available to promise", "replay": "Oversell replay", "routing": "Order routing",
               "identity": "Customer identity", "returns": "Returns anywhere"}
TOP_ROWS = 10  # rows of "top" tables (SKUs, locations, nodes) in print


def run_label(run: EngineRun) -> str:
    """"Run 12 · Oversell replay · Target A · 2026-11-20 14:02" (routing adds its strategy)."""
    parts = [f"Run {run.id}", KIND_TITLES.get(run.kind, run.kind)]
    if run.kind == "routing" and (run.parameters or {}).get("strategy"):
        parts[-1] += f" ({run.parameters['strategy']})"
    parts.append(run.scenario.name)
    moment = run.finished_at or run.created_at
    if moment is not None:
        parts.append(moment.strftime("%Y-%m-%d %H:%M"))
    return " · ".join(parts)


def _count(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"


def _pct(rate: Any, digits: int = 1) -> str:
    return "—" if rate is None else f"{float(rate) * 100:.{digits}f}%"


def _money(value: Any) -> str:
    return "—" if value is None else f"{float(value):,.2f}"


def _num(value: Any, digits: int = 1) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"


def _seconds(value: Any) -> str:
    """A latency in words (app/durations.py): 45 s, 5 min, 2 h 30 min, 3 d."""
    return format_duration(None if value is None else float(value), unknown="—")


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


def _cap(text: str) -> str:
    """A name opening a sentence gets a capital (channel and location types are lower-case codes)."""
    return text[:1].upper() + text[1:]


def _notes(metrics: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(n) for n in metrics.get("notes") or ())


def _result(run: EngineRun, summary: str, headline: list[tuple[str, str]], figures: list[Figure],
            tables: list[Table], notes: Sequence[str] = ()) -> EngineResult:
    title = KIND_TITLES[run.kind]
    if run.kind == "routing":
        title += f" — {(run.parameters or {}).get('strategy', '')}"
    return EngineResult(kind=run.kind, title=f"{title} — {run.scenario.name}", run_label=run_label(run),
                        scenario=run.scenario.name, summary=summary, headline=tuple(headline),
                        figures=tuple(figures), tables=tuple(tables), notes=tuple(notes))
