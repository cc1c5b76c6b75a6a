"""Quick capture: the always-at-hand input line (templates/capture/_bar.html), its live preview, applying it,
and the grammar help. Writers only: every route here is a POST or is harmless, and tenancy checks the role."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_login import current_user

from app.capture.grammar import EXAMPLES, MAX_LINE
from app.extensions import db
from app.services import transactions
from app.services.catalog import capture as capture
from app.services.catalog.fields import KINDS
from app.services.catalog.trace import links_of
from app.services.errors import ValidationError
from app.web.crud import endpoint
from app.web.render import render, wants_fragment
from app.web.scenario_view import scenario_in_view
from app.web.tenancy import engagement_blueprint
from models import Element

bp = engagement_blueprint("capture", __name__)


@bp.route("/capture/preview", methods=["POST"])
def preview():
    """What the typed line would create: the preview fragment (422 when the line cannot be applied as is)."""
    line = _line()
    transactions.read_only(db.session)
    result = capture.preview(db.session, g.engagement, line, _choices())
    status = 422 if result.has_errors else 200
    return render(
        "capture/page.html",
        "capture/_preview.html",
        status,
        preview=result,
        capture_line=line,
        capture_preview=result,
        capture_next=_next(),
        capture_focus=True,
    )


@bp.route("/capture", methods=["POST"])
def apply():
    """Create what the line describes. The line must have been previewed as is (`previewed` carries the line
    the preview showed); otherwise the preview is shown first. The service re-parses and re-resolves anyway."""
    line = _line()
    choices = _choices()
    if request.form.get("previewed") != line:
        result = capture.preview(db.session, g.engagement, line, choices)
        return _bar(line, result, 422 if result.has_errors else 200)
    try:
        created = capture.apply(db.session, g.engagement, line, current_user.id, choices)
    except ValidationError as exc:
        transactions.discard(db.session)
        messages = [m for ms in exc.errors.values() for m in ms]
        result = capture.preview(db.session, g.engagement, line, choices)
        return _bar(line, result, 422, errors=[] if result.has_errors or result.pending else messages)
    summary = _summary(created)
    if wants_fragment():
        return render(
            "capture/page.html",
            "capture/_bar.html",
            200,
            capture_line="",
            capture_result=summary,
            capture_next=_next(),
            capture_focus=True,
        )
    flash("Captured: " + "; ".join(f"{s['kind']} “{s['label']}”" for s in summary) + ".")
    return redirect(_next())


@bp.route("/capture/help")
def help_panel():
    """The grammar, with examples: a fragment for the bar's help panel, a page otherwise."""
    return render("capture/help.html", "capture/_help.html", examples=EXAMPLES)


def _bar(line: str, result: capture.Preview, status: int, errors: list[str] | None = None):
    return render(
        "capture/page.html",
        "capture/_bar.html",
        status,
        capture_line=line,
        capture_preview=result,
        capture_errors=errors or [],
        capture_next=_next(),
        capture_focus=True,
    )


def _line() -> str:
    return (request.form.get("line") or "")[: MAX_LINE + 1]


def _choices() -> capture.Choices:
    form = request.form
    return capture.Choices(
        confirm_new=frozenset(form.getlist("confirm_new")),
        categories={k.removeprefix("category:"): v for k, v in form.items() if k.startswith("category:")},
        scenario_id=scenario.id if (scenario := scenario_in_view()) is not None else None,
    )


def _next() -> str:
    """Where a non-htmx capture returns to: the engagement page it was typed on, never anywhere else."""
    target = request.form.get("next") or ""
    prefix = f"/e/{g.engagement.id}/"
    if target.startswith(prefix) and "//" not in target and "\\" not in target and "/capture" not in target:
        return target
    return url_for("engagement.dashboard")


def _summary(created: list[Element]) -> list[dict]:
    """What was created, for the confirmation: kind, label, link, and for a decision the requirements it addresses."""
    out = []
    for element in created:
        extra = ""
        if element.kind == "decision":
            refs = [link.source.ref for link in links_of(db.session, g.engagement.id, element.id)]
            extra = f"addresses {', '.join(r for r in refs if r)}" if refs else ""
        out.append(
            {
                "kind": KINDS[element.kind].label,
                "label": element.label,
                "url": url_for(endpoint(element.kind, "detail"), element_id=element.id),
                "extra": extra,
            }
        )
    return out
