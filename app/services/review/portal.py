"""What a review link shows: its scenarios' summaries, findings, diagrams, requirements, decisions, flows and
reports, each read through the link so that nothing outside its scenarios is reachable.

Objects come from the scenario's snapshot (app/graph/snapshot.py), which holds only the scenario's own members:
an id of another scenario's object, or another engagement's, is simply not in it (NotFound).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.graph import snapshot as snap
from app.services.analysis import diagram_layout as layouts
from app.services.analysis import scenario as analysis
from app.services.analysis.diagrams import DiagramRequest
from app.services.errors import NotFound, ServiceError
from app.services.review import comments, signoffs
from app.services.review.author import Author
from exports.graphviz_render import DiagramError, render
from models import Decision, Element, EngineRun, ReportJob, Scenario
from models.review_links import ShareLink
from models.signoffs import SIGNOFF_KINDS

# Report sections drawn from the described scenario alone (and the compared one and the chosen runs, checked
# apart). Every other section reaches beyond it (the summary ranks every scenario, the landscape shows the
# current state, traceability and the decision log are engagement-wide): a report with one of those is in a
# link's scope only when the link reaches every scenario of the engagement.
SCENARIO_SECTIONS = frozenset({"cover", "toc", "systems", "integrations", "findings", "freshness", "comparison",
                               "engines"})


@dataclass(frozen=True)
class ScenarioSummary:
    """One in-scope scenario on the portal's first page."""

    scenario: Scenario
    counts: dict[str, int]
    findings: int
    requirements: int
    decisions: int
    flows: int


def scenario_of(link: ShareLink, scenario_id: int) -> Scenario:
    """A scenario the link reaches; NotFound for any other."""
    found = next((s for s in link.scenarios if s.id == scenario_id), None)
    if found is None:
        raise NotFound("No such scenario.")
    return found


def analysis_of(session: Session, link: ShareLink, scenario_id: int) -> analysis.Analysis:
    """The analysis of an in-scope scenario (findings, snapshot)."""
    return analysis.analyse(session, link.engagement, scenario_of(link, scenario_id))


def summaries(session: Session, link: ShareLink) -> list[ScenarioSummary]:
    """Each in-scope scenario with its findings per severity and how many requirements, decisions, flows it has."""
    out = []
    for scenario in link.scenarios:
        loaded = analysis.analyse(session, link.engagement, scenario)
        found = loaded.findings()
        s = loaded.snapshot
        out.append(ScenarioSummary(scenario, found.counts, len(found.findings), len(s.requirements),
                                   len(s.decisions), len(s.flows)))
    return out


def diagram_svg(session: Session, link: ShareLink, scenario_id: int) -> tuple[str, str]:
    """The scenario's landscape as an inline SVG without links into the app (and ""), or "" and why not."""
    scenario = scenario_of(link, scenario_id)
    req = DiagramRequest(kind="landscape", scenario=str(scenario.id))
    try:
        drawing = layouts.draw(session, link.engagement, req, link_prefix=None)
        data = render(drawing.source, "svg", cache=True)
    except (DiagramError, ServiceError) as exc:
        return "", str(exc)
    text = data.decode("utf-8")
    start = text.find("<svg")
    return (text[start:] if start >= 0 else ""), ""


def requirement(session: Session, link: ShareLink, scenario_id: int, element_id: int) -> snap.Requirement:
    """An in-scope scenario's requirement, from its snapshot."""
    found = analysis_of(session, link, scenario_id).snapshot
    item = next((r for r in found.requirements if r.id == element_id), None)
    if item is None:
        raise NotFound("No such requirement.")
    return item


def decision(session: Session, link: ShareLink, scenario_id: int, element_id: int) -> tuple[snap.Decision, Decision]:
    """An in-scope scenario's decision: its snapshot entry and its record (context, outcome, consequences)."""
    found = analysis_of(session, link, scenario_id).snapshot
    item = next((d for d in found.decisions if d.id == element_id), None)
    record = session.get(Decision, element_id) if item is not None else None
    if item is None or record is None or record.engagement_id != link.engagement_id:
        raise NotFound("No such decision.")
    return item, record


def flow(session: Session, link: ShareLink, scenario_id: int,
         element_id: int) -> tuple[snap.Flow, snap.ScenarioSnapshot]:
    """An in-scope scenario's flow and the snapshot to name its ends with."""
    found = analysis_of(session, link, scenario_id).snapshot
    item = found.flow_by_id.get(element_id)
    if item is None:
        raise NotFound("No such flow.")
    return item, found


def linked_report(session: Session, link: ShareLink) -> ReportJob:
    """The finished report chosen for the link when it was made."""
    job = session.get(ReportJob, link.report_job_id) if link.report_job_id else None
    if job is None or job.engagement_id != link.engagement_id or job.status != "done" or not job.pdf:
        raise NotFound("No report.")
    return job


def latest_report(session: Session, link: ShareLink, scenario_id: int) -> ReportJob | None:
    """The newest finished report about an in-scope scenario whose every part is in the link's scope, or None."""
    scenario = scenario_of(link, scenario_id)
    jobs = session.scalars(select(ReportJob).where(ReportJob.engagement_id == link.engagement_id,
                                                   ReportJob.status == "done").order_by(ReportJob.id.desc()))
    return next((job for job in jobs if _about(session, link, job) == scenario.id), None)


def _about(session: Session, link: ShareLink, job: ReportJob) -> int | None:
    """The scenario a report describes when everything in it is within the link's scenarios, else None."""
    options = job.options or {}
    reached = link.scenario_ids
    try:
        main = analysis.find_scenario(session, link.engagement, options.get("scenario")).id
        other = options.get("compare")
        shown = {main} | ({analysis.find_scenario(session, link.engagement, other).id} if other else set())
    except ServiceError:
        return None
    runs = [int(r) for r in options.get("runs") or () if str(r).isdigit()]
    if runs:
        shown |= set(session.scalars(select(EngineRun.scenario_id).where(EngineRun.id.in_(runs))))
    sections = set(options.get("sections") or ("summary",))  # no sections stored: the report has them all
    if sections - SCENARIO_SECTIONS:
        shown |= set(session.scalars(select(Scenario.id).where(Scenario.engagement_id == link.engagement_id)))
    return main if shown <= reached else None


# --- the review panel of an object the link reaches ----------------------------------------------------------

REVIEWABLE = ("requirement", "decision", "flow")


@dataclass(frozen=True)
class PortalReview:
    """What a link holder sees beside an object: its comment threads and, for requirements and decisions, the
    sign-off status (None for flows, which are not signed off)."""

    kind: str
    element_id: int
    threads: list
    signoff: signoffs.Status | None


def review_of(session: Session, link: ShareLink, scenario_id: int, kind: str, element_id: int) -> PortalReview:
    """The threads and sign-off status of an object in the link's scope (NotFound otherwise)."""
    _in_scope(session, link, scenario_id, kind, element_id)
    _anchor, threads = comments.thread(session, link.engagement, kind, str(element_id), scenario_id)
    status = None
    if kind in SIGNOFF_KINDS:
        status = signoffs.statuses(session, link.engagement_id, [element_id]).get(element_id)
        status = status or signoffs.Status(element_id, session.get(Element, element_id).version)
    return PortalReview(kind, element_id, threads, status)


def comment(session: Session, link: ShareLink, author: Author, scenario_id: int, kind: str, element_id: int,
            body: str, parent_id: int | None = None):
    """A link holder's comment on an object in scope, or a reply to a thread on that same object."""
    _in_scope(session, link, scenario_id, kind, element_id)
    if parent_id is None:
        return comments.add_comment(session, link.engagement, author, kind, str(element_id), body,
                                    scenario_id=scenario_id)
    parent = comments.get_comment(session, link.engagement, parent_id)
    # A reply reaches only a thread on the object in view: never one on an object outside the link.
    if (parent.anchor_kind, parent.anchor_key) != (kind, str(element_id)):
        raise NotFound("No such comment.")
    return comments.reply(session, link.engagement, author, parent.id, body)


def sign_off(session: Session, link: ShareLink, author: Author, scenario_id: int, kind: str, element_id: int,
             verdict: str, note: str, version: int | None):
    """A link holder's sign-off of a requirement or decision in scope, at the version they read."""
    if kind not in SIGNOFF_KINDS:
        raise NotFound("Only requirements and decisions are signed off.")
    _in_scope(session, link, scenario_id, kind, element_id)
    return signoffs.sign_off(session, link.engagement, author, kind, element_id, verdict, note, version=version)


def _in_scope(session: Session, link: ShareLink, scenario_id: int, kind: str, element_id: int) -> None:
    readers = {"requirement": requirement, "decision": decision, "flow": flow}
    if kind not in readers:
        raise NotFound("Nothing to review there.")
    readers[kind](session, link, scenario_id, element_id)
