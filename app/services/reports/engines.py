"""Engine results for the report: the stored runs a consultant may pick, and each picked run as an `EngineResult`.

Everything is read from the stored `EngineRun.metrics` (docs/atp.md, docs/routing.md, docs/identity.md) —
nothing is recomputed — so the report shows the figures the run pages showed. Each kind has its builder:
`engine_atp` (ATP and oversell replay), `engine_routing`, `engine_identity`, `engine_returns`; `engine_format`
holds the number formatting and run labels they share. Charts come from `exports.charts` in the engagement's
branding colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services.errors import NotFound, ValidationError
from app.services.reports.engine_atp import _atp, _replay
from app.services.reports.engine_format import run_label
from app.services.reports.engine_identity import _identity
from app.services.reports.engine_returns import _returns
from app.services.reports.engine_routing import _routing
from exports.report_model import Branding, EngineResult
from models import Engagement, EngineRun

REPORT_KINDS = ("atp", "replay", "routing", "identity", "returns")
MAX_RUNS = 20  # runs per report: each brings several pages


@dataclass(frozen=True)
class RunChoice:
    """A finished run the consultant can put in a report."""

    id: int
    kind: str
    label: str
    scenario: str
    finished_at: datetime | None


def available_runs(session: Session, engagement: Engagement, limit: int = 200) -> list[RunChoice]:
    """Done runs of the engagement (ATP, replay, routing, identity, returns), newest first."""
    runs = session.scalars(
        select(EngineRun).where(EngineRun.engagement_id == engagement.id, EngineRun.status == "done",
                                EngineRun.kind.in_(REPORT_KINDS))
        .options(selectinload(EngineRun.scenario)).order_by(EngineRun.id.desc()).limit(limit)
    )
    return [RunChoice(id=r.id, kind=r.kind, label=run_label(r), scenario=r.scenario.name, finished_at=r.finished_at)
            for r in runs]


def engine_results(session: Session, engagement: Engagement, run_ids: Sequence[int], *,
                   branding: Branding | None = None) -> list[EngineResult]:
    """The picked runs as report sections, in the order given (duplicates once).

    NotFound names an id that is not a run of this engagement; ValidationError names a run that is not done
    or not of a reportable kind, or an id that is not a number."""
    ids: list[int] = []
    for raw in run_ids:
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({"runs": f"Run id {raw!r} is not a number."}) from None
        if number not in ids:
            ids.append(number)
    if len(ids) > MAX_RUNS:
        raise ValidationError({"runs": f"At most {MAX_RUNS} runs per report ({len(ids)} picked)."})
    found = {r.id: r for r in session.scalars(
        select(EngineRun).where(EngineRun.id.in_(ids), EngineRun.engagement_id == engagement.id)
        .options(selectinload(EngineRun.scenario)))} if ids else {}
    for number in ids:
        run = found.get(number)
        if run is None:  # another engagement's run looks exactly like a missing one
            raise NotFound(f"No run {number} in this engagement.")
        if run.kind not in REPORT_KINDS:
            raise ValidationError({"runs": f"Run {number} is a {run.kind} run; reports show ATP, replay, routing, "
                                           f"identity and returns runs."})
        if run.status != "done" or not run.metrics:
            raise ValidationError({"runs": f"Run {number} has not finished successfully (status: {run.status})."})
    if branding is None:
        from app.services.reports.branding import branding_for

        branding = branding_for(session, engagement)
    builders = {"atp": _atp, "replay": _replay, "routing": _routing, "identity": _identity, "returns": _returns}
    return [builders[found[i].kind](session, found[i], branding) for i in ids]
