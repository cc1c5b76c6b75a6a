"""Rules about traceability: must-have requirements without an accepted decision, decisions without a need."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from app.graph.model import ScenarioGraph
from app.graph.rules.base import Finding, finding, rule
from app.graph.snapshot import ACCEPTED, DROPPED, LIVE_DECISION_STATUSES, MUST


@rule(
    "coverage.must_unaddressed",
    "medium",
    "Must-have requirement without an accepted decision",
    "A must-have requirement (not dropped) has no 'addresses' link to an accepted decision that applies to "
    "this scenario.",
)
def must_unaddressed(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per live must-have requirement that no accepted decision addresses."""
    snap = graph.snapshot
    decisions = snap.decision_by_id
    addressed_by: dict[int, list[int]] = defaultdict(list)
    for link in snap.links:
        if link.kind == "addresses" and link.target in decisions:
            addressed_by[link.source].append(link.target)
    for req in snap.requirements:
        if req.priority != MUST or req.status == DROPPED:
            continue
        linked = sorted(addressed_by.get(req.id, ()))
        if any(decisions[d].status == ACCEPTED for d in linked):
            continue
        pending = ", ".join(f"{decisions[d].ref} ({decisions[d].status})" for d in linked)
        yield finding(
            "coverage.must_unaddressed",
            f"requirement={req.id}",
            f"{req.ref} has no accepted decision",
            f"{req.ref} {req.title} is a must-have, but "
            + (f"its decisions are not accepted: {pending}." if linked else "no decision addresses it here."),
            f"Accept a decision that addresses {req.ref} in this scenario, or record the link to the one that does.",
            requirements=[req.id],
            decisions=linked,
        )


@rule(
    "coverage.decision_orphan",
    "info",
    "Decision without a requirement",
    "A proposed or accepted decision that applies to this scenario addresses no requirement.",
)
def decision_orphan(graph: ScenarioGraph) -> Iterator[Finding]:
    """One finding per proposed or accepted decision that addresses no requirement."""
    snap = graph.snapshot
    requirements = snap.requirement_by_id
    addressed = {link.target for link in snap.links if link.kind == "addresses" and link.source in requirements}
    for decision in snap.decisions:
        if decision.status not in LIVE_DECISION_STATUSES or decision.id in addressed:
            continue
        yield finding(
            "coverage.decision_orphan",
            f"decision={decision.id}",
            f"{decision.ref} addresses no requirement",
            f"{decision.ref} {decision.title} ({decision.status}) is not linked to any requirement, so nobody "
            "can tell which need it serves.",
            f"Link {decision.ref} to the requirements it addresses, or reject it if none.",
            decisions=[decision.id],
        )
