"""List, detail, create, edit and delete views for any element kind, registered on its area's blueprint."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.services import elements as svc
from app.services import trace
from app.services.errors import Conflict, ValidationError
from app.services.fields import KINDS, Kind
from app.web.element_forms import build_form, payload
from app.web.form_errors import attach_errors
from app.web.render import render
from models import (
    DataFlow,
    Decision,
    Element,
    Ownership,
    Requirement,
    System,
    element_channels,
    flow_entities,
    scenario_members,
)
from models.vocab import TRACE_RULES

# Columns shown in each kind's list, after its name.
LIST_COLUMNS = {
    "system": ("category", "vendor", "lifecycle", "owner_id", "channel_ids"),
    "channel": ("customer_facing", "description"),
    "entity": ("time_critical", "description"),
    "stakeholder": ("role", "team", "area", "influence"),
    "flow": ("pattern", "latency_seconds", "worst_latency_seconds", "via_id"),
    "ownership": ("system_id", "role", "entity_id"),
    "requirement": ("type", "priority", "status", "source_id"),
    "decision": ("status", "decided_on", "scenario_id"),
}
# Relationships each list page needs, loaded in one go (no N+1).
EAGER = {
    "system": ("owner", "channels"),
    "flow": ("source", "target", "via", "entities"),
    "ownership": ("system", "entity"),
    "requirement": ("source",),
    "decision": ("scenario",),
}
SLUGS = {
    "system": "systems",
    "channel": "channels",
    "entity": "entities",
    "stakeholder": "stakeholders",
    "flow": "flows",
    "ownership": "ownerships",
    "requirement": "requirements",
    "decision": "decisions",
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
        items = _query_list(spec)
        return render(
            "elements/list.html", "elements/_table.html", spec=spec, items=items, columns=_columns(spec), q=_q()
        )

    def new_view():
        form = build_form(db.session, g.engagement.id, spec)
        if request.method == "GET":
            _prefill(form, spec)
        if request.method == "POST" and form.validate():
            try:
                element = svc.save_element(
                    db.session, g.engagement, kind, payload(form, spec), user_id=current_user.id
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                flash(f"{spec.label} “{element.label}” created.")
                return _after_save(element)
        status = 422 if request.method == "POST" else 200
        return render("elements/form.html", "elements/_form.html", status, spec=spec, form=form, element=None)

    def detail_view(element_id: int):
        element = svc.get_element(db.session, g.engagement.id, kind, element_id)
        link_kinds = [k for k, (src, _t) in TRACE_RULES.items() if src == kind]
        return render(
            "elements/detail.html",
            None,
            spec=spec,
            element=element,
            related=_related(element),
            links=trace.links_of(db.session, g.engagement.id, element.id),
            link_kinds=link_kinds,
            link_targets=_link_targets(element, link_kinds),
            history=svc.history_of(db.session, g.engagement.id, element.id)[:50],
        )

    def edit_view(element_id: int):
        element = svc.get_element(db.session, g.engagement.id, kind, element_id)
        form = build_form(
            db.session, g.engagement.id, spec, element, **({} if request.method == "POST" else {"formdata": None})
        )
        conflict = None
        if request.method == "POST" and form.validate():
            try:
                svc.save_element(
                    db.session,
                    g.engagement,
                    kind,
                    payload(form, spec),
                    element,
                    version=_int(form.version.data),
                    user_id=current_user.id,
                )
            except ValidationError as exc:
                attach_errors(form, exc)
            except Conflict:
                db.session.rollback()
                element = svc.get_element(db.session, g.engagement.id, kind, element_id)
                conflict = element
            else:
                flash(f"{spec.label} “{element.label}” saved.")
                return _after_save(element)
        status = 409 if conflict else (422 if request.method == "POST" else 200)
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
        removed = svc.delete_element(db.session, g.engagement, element, user_id=current_user.id)
        extra = f" (and {len(removed) - 1} dependent objects)" if len(removed) > 1 else ""
        flash(f"{spec.label} “{label}” deleted{extra}.")
        return redirect(url_for(endpoint(kind, "list")))

    bp.add_url_rule(f"/{slug}", f"{kind}_list", list_view)
    bp.add_url_rule(f"/{slug}/new", f"{kind}_new", new_view, methods=["GET", "POST"])
    bp.add_url_rule(f"/{slug}/<int:element_id>", f"{kind}_detail", detail_view)
    bp.add_url_rule(f"/{slug}/<int:element_id>/edit", f"{kind}_edit", edit_view, methods=["GET", "POST"])
    bp.add_url_rule(f"/{slug}/<int:element_id>/delete", f"{kind}_delete", delete_view, methods=["GET", "POST"])


def _q() -> str:
    return (request.args.get("q") or "").strip()[:200]


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _query_list(spec: Kind):
    model = spec.model
    stmt = select(model).where(model.engagement_id == g.engagement.id)
    for rel in EAGER.get(spec.kind, ()):
        stmt = stmt.options(selectinload(getattr(model, rel)))
    stmt = stmt.options(selectinload(model.scenarios), selectinload(model.tag_rows))
    q = _q()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(Element.name_key.like(like), model.name.ilike(like), model.ref.ilike(like)))
    scenario_id = _int(request.args.get("scenario"))
    if scenario_id and spec.in_scenarios:
        stmt = stmt.where(
            model.id.in_(select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == scenario_id))
        )
    stmt = stmt.order_by(model.name_key if spec.named else model.id)
    return db.session.scalars(stmt).all()


def _columns(spec: Kind):
    return [spec.field(name) for name in LIST_COLUMNS[spec.kind]]


def _prefill(form, spec: Kind) -> None:
    # Links like "add a flow from this system" pass ?source_id=…; scenario pages pass ?scenario_ids=….
    for f in spec.fields:
        if f.name in request.args and f.type in ("ref", "choice", "text"):
            value = request.args.get(f.name)
            form[f.name].data = _int(value) if f.type == "ref" else value
        elif f.name in request.args and f.type in ("refs", "participants"):
            form[f.name].data = [i for i in map(_int, request.args.getlist(f.name)) if i]


def _after_save(element: Element):
    return redirect(url_for(endpoint(element.kind, "detail"), element_id=element.id))


def _link_targets(element: Element, link_kinds: list[str]) -> list[Element]:
    kinds = sorted({t for k in link_kinds for t in TRACE_RULES[k][1]})
    if not kinds:
        return []
    return db.session.scalars(
        select(Element)
        .where(Element.engagement_id == element.engagement_id, Element.kind.in_(kinds), Element.id != element.id)
        .order_by(Element.kind, Element.ref, Element.name_key, Element.id)
    ).all()


def _related(element: Element) -> dict[str, list]:
    """Objects related to an element, for its detail page."""
    related: dict[str, list] = {}
    if element.kind == "system":
        related["Flows out"] = db.session.scalars(
            select(DataFlow).where(DataFlow.source_id == element.id).order_by(DataFlow.id)
        ).all()
        related["Flows in"] = db.session.scalars(
            select(DataFlow).where(DataFlow.target_id == element.id).order_by(DataFlow.id)
        ).all()
        related["Flows routed via it"] = db.session.scalars(
            select(DataFlow).where(DataFlow.via_id == element.id).order_by(DataFlow.id)
        ).all()
        related["Data ownership"] = db.session.scalars(
            select(Ownership).where(Ownership.system_id == element.id).order_by(Ownership.id)
        ).all()
    elif element.kind == "entity":
        related["Ownership"] = db.session.scalars(
            select(Ownership).where(Ownership.entity_id == element.id).order_by(Ownership.id)
        ).all()
        related["Carried by flows"] = db.session.scalars(
            select(DataFlow)
            .join(flow_entities, flow_entities.c.flow_id == DataFlow.id)
            .where(flow_entities.c.entity_id == element.id)
            .order_by(DataFlow.id)
        ).all()
    elif element.kind == "stakeholder":
        related["Owns systems"] = db.session.scalars(select(System).where(System.owner_id == element.id)).all()
        related["Source of requirements"] = db.session.scalars(
            select(Requirement).where(Requirement.source_id == element.id)
        ).all()
    elif element.kind == "decision":
        related["Superseded by"] = db.session.scalars(
            select(Decision).where(Decision.supersedes_id == element.id).order_by(Decision.number)
        ).all()
    elif element.kind == "channel":
        related["Served by systems"] = db.session.scalars(
            select(System)
            .join(element_channels, element_channels.c.element_id == System.id)
            .where(element_channels.c.channel_id == element.id)
            .order_by(System.name_key)
        ).all()
    return related


