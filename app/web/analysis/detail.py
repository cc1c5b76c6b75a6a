"""Acceptance criteria and findings, summaries first: each group (a criteria status, a finding severity) shows
its first page and loads the next ones on request (an htmx fragment, or the whole page at that point without
JavaScript), so a page stays small however many requirements or findings an engagement has."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import abort, redirect, render_template, request, url_for

from app.graph.findings import RULES, SEVERITIES
from app.web.analysis import bp
from app.web.analysis.common import load
from app.web.render import render, wants_fragment

# Cards per group and page: enough to read a screenful, few enough to render in milliseconds at any scale.
PAGE_SIZE = 25
CRITERIA_GROUPS = ("error", "fail", "unknown", "pass")  # worst first, as a card's badge is the worst line


@dataclass(frozen=True)
class Slice:
    """One page of a group: `items[offset:offset + PAGE_SIZE]` of `total`."""

    key: str
    items: tuple[Any, ...]
    offset: int
    total: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts (None on the last page)."""
        end = self.offset + len(self.items)
        return end if end < self.total else None

    @property
    def next_count(self) -> int:
        """How many items the next page holds (0 on the last page)."""
        return 0 if self.next_offset is None else min(PAGE_SIZE, self.total - self.next_offset)

    @property
    def prev_offset(self) -> int | None:
        """Where the previous page starts (None on the first)."""
        return max(self.offset - PAGE_SIZE, 0) if self.offset > 0 else None


def slice_of(key: str, items: list, offset: int = 0) -> Slice:
    """The page of `items` starting at `offset` (clamped to the list)."""
    offset = min(max(offset, 0), max(len(items) - 1, 0))
    return Slice(key, tuple(items[offset:offset + PAGE_SIZE]), offset, len(items))


def _wanted(groups: tuple[str, ...], param: str) -> tuple[str | None, int]:
    """The group and offset a request asks for; a group that does not exist is a 404."""
    key = request.args.get(param)
    if key is not None and key not in groups:
        abort(404)
    return key, max(request.args.get("offset", type=int) or 0, 0)


def _criteria_groups(report) -> dict[str, list]:
    groups: dict[str, list] = {s: [] for s in CRITERIA_GROUPS}
    for req in report.requirements:
        groups[req.status].append(req)
    return groups


@bp.route("/analysis/criteria")
def criteria():
    """Each requirement's executable criteria by overall status, a page per status: pass, fail or unknown."""
    loaded, scenarios = load()
    report = loaded.criteria()
    wanted, offset = _wanted(CRITERIA_GROUPS, "status")
    slices = [slice_of(s, items, offset if s == wanted else 0) for s, items in _criteria_groups(report).items()]
    return render_template("analysis/criteria.html", loaded=loaded, scenarios=scenarios, criteria=report,
                           slices=slices)


@bp.route("/analysis/criteria/more")
def criteria_more():
    """The next page of one status's requirements (htmx fragment; otherwise the page at that point)."""
    status, offset = _wanted(CRITERIA_GROUPS, "status")
    if status is None:
        abort(404)
    if not wants_fragment():
        return redirect(url_for("analysis.criteria", **request.args))
    loaded, _ = load()
    group = slice_of(status, _criteria_groups(loaded.criteria())[status], offset)
    return render_template("analysis/_criteria_group.html", loaded=loaded, group=group)


@bp.route("/analysis/criteria/evidence")
def criteria_evidence():
    """Every system or flow behind one criterion (`?requirement=<id>&line=<n>&kind=system|flow`): htmx swaps
    the full list in for "and N more"; without JavaScript it is a page of its own."""
    kind = request.args.get("kind")
    if kind not in ("system", "flow"):
        abort(404)
    loaded, scenarios = load()
    wanted = request.args.get("requirement", type=int)
    line = request.args.get("line", type=int)
    found = [c for req in loaded.criteria().requirements if req.requirement_id == wanted
             for c in req.results if c.line == line]
    if not found:
        abort(404)
    ids = found[0].systems if kind == "system" else found[0].flows
    return render("analysis/criterion_evidence.html", "analysis/_evidence.html", loaded=loaded,
                  scenarios=scenarios, criterion=found[0], requirement_id=wanted, kind=kind, ids=ids)


@bp.route("/analysis/findings")
def findings_more():
    """The next page of one severity's findings (htmx fragment; otherwise the overview at that point)."""
    severity, offset = _wanted(SEVERITIES, "severity")
    if severity is None:
        abort(404)
    if not wants_fragment():
        return redirect(url_for("analysis.overview", **request.args))
    loaded, _ = load()
    items = [f for f in loaded.findings().findings if f.severity == severity]
    return render_template("analysis/_findings_group.html", loaded=loaded, group=slice_of(severity, items, offset))


def findings_slices(findings) -> tuple[list[Slice], dict[str, list[tuple[str, str, int]]]]:
    """The overview's page of each severity (the one `?severity=&offset=` asks for), and per severity the rules
    that found something: (rule id, title, count), most first."""
    wanted, offset = _wanted(SEVERITIES, "severity")
    slices, by_rule = [], {}
    for severity in SEVERITIES:
        items = [f for f in findings.findings if f.severity == severity]
        slices.append(slice_of(severity, items, offset if severity == wanted else 0))
        counts = Counter(f.rule_id for f in items)
        by_rule[severity] = [(rule, RULES[rule].title if rule in RULES else rule, n)
                             for rule, n in counts.most_common()]
    return slices, by_rule
