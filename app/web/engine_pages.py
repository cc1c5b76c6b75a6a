"""What the engine pages (ATP, routing, identity) share: starting a run and editing a JSON settings document."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, g, redirect, request, url_for

from app.extensions import db
from app.jobs import jobs
from app.services import transactions
from app.services.engines import runs as engine_runs
from app.services.errors import NotFound, ValidationError
from app.services.scenarios import get_scenario
from app.web.render import render, wants_fragment


def dispatch_run(run_id: int, execute: Callable[[Any, int], Any], *, background: bool, detail_endpoint: str):
    """Run small jobs in the request, large ones on the app's pool; then go to the run's page."""
    if background:
        jobs(current_app).submit(f"run-{run_id}", execute, run_id)
    else:
        execute(db.session, run_id)
    target = url_for(detail_endpoint, run_id=run_id)
    if wants_fragment():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def edit_document(
    current: Any, from_form: Callable[[], tuple[Any, dict[str, list[str]]]], save: Callable[[Any], Any]
) -> tuple[Any, dict[str, list[str]], bool]:
    """Handle a settings editor POST (the JSON text or the form): (document shown, errors, saved?)."""
    errors: dict[str, list[str]] = {}
    if request.form.get("mode") == "json":
        try:
            document = json.loads(request.form.get("document", ""))
        except json.JSONDecodeError as exc:
            return current, {"document": [f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."]}, False
    else:
        document, errors = from_form()
    if errors:
        return document, errors, False
    try:
        save(document)
    except ValidationError as exc:
        transactions.discard(db.session)
        return document, exc.errors, False
    return document, {}, True


def status_fragment(run: Any, template: str):
    """The progress fragment a run page polls; once the run has finished, htmx reloads the whole page."""
    headers = {"HX-Refresh": "true"} if run.finished and wants_fragment() else {}
    return render(template, template, run=run)[0], 200, headers


def scenario_or_404(scenario_id: int):
    """The engagement's scenario in the URL, or 404."""
    try:
        return get_scenario(db.session, g.engagement.id, scenario_id)
    except NotFound:
        abort(404)


def run_or_404(run_id: int, kinds: tuple[str, ...]):
    """The engagement's engine run in the URL when it is of one of `kinds` (each engine's pages read their own
    figures), or 404."""
    try:
        run = engine_runs.get_run(db.session, g.engagement.id, run_id)
    except NotFound:
        abort(404)
    if run.kind not in kinds:
        abort(404)
    return run
