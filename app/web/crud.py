"""List, detail, create, edit and delete views for any element kind, registered on its area's blueprint."""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user

from app.extensions import db
from app.services import transactions
from app.services.catalog import browse as browse
from app.services.catalog import decision_status as decision_status
from app.services.catalog import elements as svc
from app.services.catalog import scenario_values as scenario_values
from app.services.catalog import scenario_view as scenario_view
from app.services.catalog import trace as trace
from app.services.catalog.fields import KINDS, Kind
from app.services.catalog.history import users_by_id
from app.services.catalog.history_view import readable_diff
from app.services.errors import Conflict, ValidationError
from app.web.element_forms import build_form, payload
from app.web.form_errors import attach_errors
from app.web.listing import columns, filter_options, inline_fields, list_page
from app.web.render import render, wants_fragment
from app.web.scenario_view import scenario_in_view
from app.web.signoffs import panel_context
from models import Element
from models.signoffs import SIGNOFF_KINDS
from models.vocab import TRACE_KINDS, TRACE_RULES

SLUGS = {
    "system": "systems",
    "channel": "channels",
    "entity": "entities",
    "stakeholder": "stakeholders",
    "flow": "flows",
    "ownership": "ownerships",
    "requirement": "requirements",
    "decision": "decisions",
    "generic": "other-elements",
}


def endpoint(kind: str, view: str) -> str:
    """Endpoint name of a kind's view, e.g. ('system', 'list') -> 'catalog.system_list'."""
    return f"{AREA_OF[kind]}.{kind}_{view}"


AREA_OF: dict[str, str] = {}


def register_element_routes(bp: Blueprint, kind: str) -> None:
    """Add list/new/detail/edit/delete routes for `kind` to an engagement blueprint."""
    spec = KINDS[kind]
    slug = SLUGS[kind]
    AREA_OF[kind] = bp.name

    def list_view():
        listing = list_page(db.session, g.engagement, spec, _scenario(spec))
        context = {"spec": spec, "listing": listing, "columns": columns(spec), "statuses": _statuses(kind)}
        if wants_fragment() and request.args.get("offset"):
            return render_template("elements/_rows.html", **context)
        if wants_fragment():
            return render_template("elements/_table.html", **context)
        return render(
            "elements/list.html",
            None,
            filters=filter_options(db.session, g.engagement, spec),
            add_form=_row_form(spec) if _has_add_row(spec) else None,
            **context,
        )

    def row_view(element_id: int):
        element = svc.get_element(db.session, g.engagement.id, kind, element_id)
        item = scenario_view.one_in_view(db.session, element, _scenario(spec))
        return render_template("elements/_row.html", spec=spec, item=item, columns=columns(spec),
                               statuses=_statuses(kind))

    def new_view():
        inline = request.form.get("_inline") == "1"
        form = _row_form(spec, formdata=request.form) if inline else build_form(db.session, g.engagement.id, spec)
        if request.method == "GET":
            _prefill(form, spec)
        if request.method == "POST" and form.validate():
            try:
                element = svc.save_element(db.session, g.engagement, kind, _new_payload(form, spec),
                                           user_id=current_user.id)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                if inline:
                    body = render_template(
                        "elements/_add_row.html",
                        spec=spec,
                        add_form=_row_form(spec, formdata=None),
                        columns=columns(spec),
                    ) + render_template(
                        "elements/_row.html", spec=spec, columns=columns(spec), fresh=True,
                        item=scenario_view.one_in_view(db.session, element, _scenario(spec)),
                        statuses=_statuses(kind),
                    )
                    return _with_toast(body, f"{spec.label} “{element.label}” added.")
                flash(f"{spec.label} “{element.label}” created.")
                return _after_save(element)
        status = 422 if request.method == "POST" else 200
        if inline:
            return render_template("elements/_add_row.html", spec=spec, add_form=form, columns=columns(spec)), 422
        return render("elements/form.html", "elements/_form.html", status, spec=spec, form=form, element=None)

    def detail_view(element_id: int):
        element = svc.get_element(db.session, g.engagement.id, kind, element_id)
        shown = scenario_view.one_in_view(db.session, element, _scenario(spec))
        link_options = link_options_for(kind)
        changes = svc.history_of(db.session, g.engagement.id, element.id)[:50]
        return render(
            "elements/detail.html",
            None,
            spec=spec,
            element=shown,
            related=browse.related_objects(db.session, element),
            statuses=_statuses(kind),
            links=trace.links_of(db.session, g.engagement.id, element.id),
            link_options=link_options,
            link_candidates=link_candidates(element, link_options),
            history=changes,
            signoff=panel_context(element) if kind in SIGNOFF_KINDS else None,
            users=users_by_id(db.session, changes),
            diff=readable_diff(db.session, changes),
        )

    def edit_view(element_id: int):
        element = svc.get_element(db.session, g.engagement.id, kind, element_id)
        scenario = _scenario(spec)
        inline = request.values.get("_inline") == "1"
        only = inline_fields(spec) if inline else None
        formdata = {} if request.method == "POST" else {"formdata": None}
        if scenario is not None:
            formdata.update(values=scenario_values.values_in(db.session, element, scenario),
                            version=scenario_values.version_in(db.session, element, scenario))
        form = build_form(db.session, g.engagement.id, spec, element, only=only, **formdata)
        conflict = None
        if request.method == "POST" and form.validate():
            try:
                _save_edit(spec, element, scenario, form, inline)
            except ValidationError as exc:
                attach_errors(form, exc)
            except Conflict:
                transactions.discard(db.session)
                element = svc.get_element(db.session, g.engagement.id, kind, element_id)
                conflict = scenario_view.one_in_view(db.session, element, scenario)
            else:
                if inline:
                    item = scenario_view.one_in_view(db.session, element, scenario)
                    row = make_response(render_template("elements/_row.html", spec=spec, item=item,
                                                        columns=columns(spec), statuses=_statuses(kind)))
                    if kind == "decision" and element.supersedes_id is not None:
                        row.headers["HX-Trigger"] = "elements-changed"  # the one it supersedes may show otherwise
                    return row
                flash(f"{spec.label} “{element.label}” saved.")
                return _after_save(element)
        status = 409 if conflict else (422 if request.method == "POST" else 200)
        if inline:
            template = "elements/_row_form.html"
            return render_template(
                template, spec=spec, item=element, form=form, columns=columns(spec), conflict=conflict
            ), status
        return render(
            "elements/form.html",
            "elements/_form.html",
            status,
            spec=spec,
            form=form,
            element=element,
            conflict=conflict,
        )

    def delete_view(element_id: int):
        element = svc.get_element(db.session, g.engagement.id, kind, element_id)
        if request.method == "GET":
            dependants = svc.dependants_of(db.session, element)
            return render("elements/delete.html", None, spec=spec, element=element, dependants=dependants)
        label = element.label
        change = svc.delete_element(db.session, g.engagement, element, user_id=current_user.id)
        cascade = len(change.before.get("_cascade", []))
        message = f"{spec.label} “{label}” deleted" + (f" with {cascade} dependent objects." if cascade else ".")
        if wants_fragment():
            return _with_toast("", message, undo=change.id)
        flash(message)
        session["undo"] = change.id
        return redirect(url_for(endpoint(kind, "list")))

    bp.add_url_rule(f"/{slug}", f"{kind}_list", list_view)
    bp.add_url_rule(f"/{slug}/new", f"{kind}_new", new_view, methods=["GET", "POST"])
    bp.add_url_rule(f"/{slug}/<int:element_id>", f"{kind}_detail", detail_view)
    bp.add_url_rule(f"/{slug}/<int:element_id>/row", f"{kind}_row", row_view)
    bp.add_url_rule(f"/{slug}/<int:element_id>/edit", f"{kind}_edit", edit_view, methods=["GET", "POST"])
    bp.add_url_rule(f"/{slug}/<int:element_id>/delete", f"{kind}_delete", delete_view, methods=["GET", "POST"])


def _scenario(spec: Kind):
    """The scenario in view, for the kinds that belong to scenarios (None for the shared kinds)."""
    return scenario_in_view() if spec.in_scenarios else None


def _new_payload(form, spec: Kind) -> dict:
    """A new element joins the scenario in view unless the form chose its scenarios (the inline row never does)."""
    data = payload(form, spec)
    scenario = _scenario(spec)
    if scenario is not None and not data.get("scenario_ids"):
        data["scenario_ids"] = [scenario.id]
    return data


def _save_edit(spec: Kind, element: Element, scenario, form, inline: bool) -> None:
    """Save an edit form: into the scenario in view (this scenario only, or all) for the kinds in scenarios."""
    version = _int(form.version.data)
    if scenario is None:
        svc.save_element(db.session, g.engagement, spec.kind, payload(form, spec), element, version=version,
                         user_id=current_user.id, partial=inline)
        return
    scope = request.form.get("scope") or "scenario"
    scenario_view.save_from_view(db.session, g.engagement, element, scenario, payload(form, spec), scope=scope,
                                 version=version, user_id=current_user.id)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _statuses(kind: str) -> dict:
    """Each decision's effective status by id, for the pages that show decisions' statuses (other kinds: none)."""
    return decision_status.statuses(db.session, g.engagement.id) if kind == "decision" else {}


def _has_add_row(spec: Kind) -> bool:
    return spec.kind not in ("flow", "ownership")


def _row_form(spec: Kind, **kw):
    return build_form(db.session, g.engagement.id, spec, only=inline_fields(spec), **kw)


def _with_toast(body: str, message: str, undo: int | None = None):
    """A fragment plus an out-of-band toast (with an undo button for deletes)."""
    return make_response(body + render_template("components/_toast.html", message=message, undo=undo))


def _prefill(form, spec: Kind) -> None:
    # Links like "add a flow from this system" pass ?source_id=…; scenario pages pass ?scenario_ids=….
    for f in spec.fields:
        if f.name == "scenario_ids" and f.name not in request.args and _scenario(spec) is not None:
            form[f.name].data = [_scenario(spec).id]  # a new element joins the scenario in view
        elif f.name in request.args and f.type in ("ref", "choice", "text"):
            value = request.args.get(f.name)
            form[f.name].data = _int(value) if f.type == "ref" else value
        elif f.name in request.args and f.type in ("refs", "participants"):
            form[f.name].data = [i for i in map(_int, request.args.getlist(f.name)) if i]


def _after_save(element: Element):
    return redirect(url_for(endpoint(element.kind, "detail"), element_id=element.id))


def link_options_for(kind: str) -> list[tuple[str, str, str]]:
    """(value, label, other kinds) for the link form: links this kind starts, and links that end at it."""
    options = []
    for link_kind, (source_kind, target_kinds) in TRACE_RULES.items():
        if source_kind == kind:
            options.append((f"out:{link_kind}", TRACE_KINDS[link_kind], ",".join(sorted(target_kinds))))
        if kind in target_kinds:
            label = {
                "addresses": "addresses",
                "affects": "affected by",
                "satisfied_by": "satisfies",
                "refines": "refined by",
            }
            options.append((f"in:{link_kind}", label[link_kind], source_kind))
    return options


def link_candidates(element: Element, options: list[tuple[str, str, str]], q: str = "", limit: int = 50):
    """Elements the link form may offer (first `limit`, name or ref containing `q`)."""
    kinds = sorted({k for _v, _l, others in options for k in others.split(",")})
    return browse.link_candidates(db.session, element, kinds, q, limit)
