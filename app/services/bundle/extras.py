"""The bundle's optional engagement-settings sections (docs/bundle-format.md): `rule_settings`,
`diagram_layouts`, `routing_cost_models`, `return_policies` and `report_branding`.

Diagram layouts are stored under database ids (`<scenario id>/landscape/category`, node `s12`); in the bundle
they name scenarios and nodes by bundle id, and the import turns them back into the new engagement's ids.
Layouts that no longer match their scenario (stale entries the diagrams ignore) are not exported.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.analysis.diagram_layout import LAYOUTS
from app.services.analysis.scenario import set_rule
from app.services.engines.returns import save_policy
from app.services.engines.routing import save_cost_model
from app.services.errors import ValidationError
from app.services.reports.branding import COLOUR, MAX_FIRM_NAME, MAX_FOOTER, sniff_logo
from exports.diagrams.layout import Remembered
from models import Engagement, ReturnPolicy, RoutingCostModel, Scenario, User
from models.report import ReportBranding

# Diagram node id prefixes (exports/diagrams) and the element kinds they stand for.
NODE_PREFIXES = {"s": "system", "c": "channel"}
_KEY = re.compile(r"(\d+)/(landscape|entity)/(.+)\Z")
_NODE = re.compile(r"([a-z]+)(\d+)\Z")

Errors = dict[str, list[str]]


def export_extras(session: Session, engagement: Engagement, local: dict[tuple[str, int], str]) -> dict[str, Any]:
    """The sections an engagement has: each only when set; `local` maps (scenario|element, id) -> bundle id."""
    out: dict[str, Any] = {}
    settings = engagement.settings or {}
    if settings.get("rules"):
        out["rule_settings"] = settings["rules"]
    layouts = _export_layouts(session, engagement, settings.get(LAYOUTS) or {}, local)
    if layouts:
        out["diagram_layouts"] = layouts
    models = session.execute(
        select(RoutingCostModel.scenario_id, RoutingCostModel.document)
        .where(RoutingCostModel.engagement_id == engagement.id).order_by(RoutingCostModel.scenario_id)
    ).all()
    if models:
        out["routing_cost_models"] = [{"scenario_id": local[("scenario", sid)], "cost_model": doc}
                                      for sid, doc in models]
    policies = session.execute(
        select(ReturnPolicy.scenario_id, ReturnPolicy.document)
        .where(ReturnPolicy.engagement_id == engagement.id).order_by(ReturnPolicy.scenario_id)
    ).all()
    if policies:
        out["return_policies"] = [{"scenario_id": local[("scenario", sid)], "policy": doc} for sid, doc in policies]
    branding = session.scalar(select(ReportBranding).where(ReportBranding.engagement_id == engagement.id))
    if branding is not None:
        out["report_branding"] = {
            "firm_name": branding.firm_name,
            "primary_colour": branding.primary_colour,
            "accent_colour": branding.accent_colour,
            "footer_text": branding.footer_text,
            "logo_media_type": branding.logo_media_type if branding.logo else None,
            "logo": base64.b64encode(branding.logo).decode("ascii") if branding.logo else None,
        }
    return out


def _export_layouts(session: Session, engagement: Engagement, stored: dict, local: dict) -> list[dict[str, Any]]:
    born = {s.id: _born(s) for s in session.scalars(select(Scenario).where(Scenario.engagement_id == engagement.id))}
    entries = []
    for key, entry in stored.items():
        match = _KEY.match(key) if isinstance(entry, dict) else None
        if match is None or born.get(int(match[1])) != entry.get("scenario_created"):
            continue  # stale: the diagrams ignore it too
        remembered = Remembered.from_doc(entry)
        if remembered is None:
            continue
        option = match[3]
        if match[2] == "entity":
            option = local.get(("element", int(option))) if option.isdigit() else None
            if option is None:
                continue  # its entity was deleted
        nodes = {ident: _node_ref(ident, local) for ident in remembered.positions}
        doc = remembered.to_doc()
        entries.append((entry.get("seq", 0), {
            "scenario_id": local[("scenario", int(match[1]))],
            "diagram": match[2],
            "option": option,
            "positions": dict(sorted((nodes[i], xy) for i, xy in doc["positions"].items() if nodes[i])),
            "pins": sorted(nodes[i] for i in doc["pins"] if nodes[i]),
            "frame": doc["frame"],
        }))
    return [doc for _seq, doc in sorted(entries, key=lambda pair: pair[0] if isinstance(pair[0], int) else 0)]


def _node_ref(ident: str, local: dict) -> str | None:
    match = _NODE.match(ident)
    if match is None or match[1] not in NODE_PREFIXES:
        return None
    return local.get(("element", int(match[2])))


def _born(scenario: Scenario) -> str:
    # The same stamp as app/services/analysis/diagram_layout.py, read back from the database.
    return scenario.created_at.isoformat() if scenario.created_at else ""


def import_extras(session: Session, engagement: Engagement, document: dict[str, Any], db_ids: dict[str, int],
                  kinds: dict[str, str], user: User | None) -> Errors:
    """Write the sections into the new engagement (no commit); `kinds` maps bundle id -> element kind."""
    errors: Errors = {}
    for rule_id, setting in (document.get("rule_settings") or {}).items():
        try:
            set_rule(session, engagement, rule_id, setting.get("enabled", True), setting.get("severity"),
                     commit=False)
        except ValidationError as exc:
            _merge(errors, f"$.rule_settings.{rule_id}", exc)
    for i, entry in enumerate(document.get("routing_cost_models", [])):
        scenario = _scenario(session, db_ids, entry.get("scenario_id"))
        if scenario is None:
            errors.setdefault(f"$.routing_cost_models[{i}].scenario_id", []).append(
                f"Unknown scenario {entry.get('scenario_id')!r}.")
            continue
        try:
            save_cost_model(session, engagement, scenario, entry.get("cost_model"), user=user, commit=False)
        except ValidationError as exc:
            _merge(errors, f"$.routing_cost_models[{i}].cost_model", exc)
    for i, entry in enumerate(document.get("return_policies", [])):
        scenario = _scenario(session, db_ids, entry.get("scenario_id"))
        if scenario is None:
            errors.setdefault(f"$.return_policies[{i}].scenario_id", []).append(
                f"Unknown scenario {entry.get('scenario_id')!r}.")
            continue
        try:
            save_policy(session, engagement, scenario, entry.get("policy"), user=user, commit=False)
        except ValidationError as exc:
            _merge(errors, f"$.return_policies[{i}].policy", exc)
    if document.get("report_branding") is not None:
        _import_branding(session, engagement, document["report_branding"], user, errors)
    if document.get("diagram_layouts"):
        _import_layouts(session, engagement, document["diagram_layouts"], db_ids, kinds, errors)
    return errors


def _scenario(session: Session, db_ids: dict[str, int], bundle_id: Any) -> Scenario | None:
    scenario_id = db_ids.get(bundle_id) if isinstance(bundle_id, str) else None
    return session.get(Scenario, scenario_id) if scenario_id else None


def _merge(errors: Errors, prefix: str, exc: ValidationError) -> None:
    for where, messages in exc.errors.items():
        errors.setdefault(f"{prefix}.{where}", []).extend(messages if isinstance(messages, list) else [messages])


def _import_branding(session: Session, engagement: Engagement, data: dict[str, Any], user: User | None,
                     errors: Errors) -> None:
    """The same limits as the branding form (app/services/reports/branding.py), without its commit."""
    path = "$.report_branding"
    firm = " ".join(str(data.get("firm_name") or "").split())
    if not firm or len(firm) > MAX_FIRM_NAME:
        errors.setdefault(f"{path}.firm_name", []).append(f"Must be 1 to {MAX_FIRM_NAME} characters.")
    for name in ("primary_colour", "accent_colour"):
        if not COLOUR.fullmatch(str(data.get(name) or "")):
            errors.setdefault(f"{path}.{name}", []).append("Must be a colour written #rrggbb.")
    footer = " ".join(str(data.get("footer_text") or "").split())
    if len(footer) > MAX_FOOTER:
        errors.setdefault(f"{path}.footer_text", []).append(f"Must be at most {MAX_FOOTER} characters.")
    logo, media_type = None, None
    if data.get("logo"):
        try:
            logo = base64.b64decode(data["logo"], validate=True)
            media_type = sniff_logo(logo)
        except (binascii.Error, ValueError):
            errors.setdefault(f"{path}.logo", []).append("Not base64.")
        except ValidationError as exc:
            errors.setdefault(f"{path}.logo", []).extend(str(m) for ms in exc.errors.values() for m in
                                                         (ms if isinstance(ms, list) else [ms]))
    if any(key.startswith(path) for key in errors):
        return
    session.add(ReportBranding(
        engagement_id=engagement.id, firm_name=firm, footer_text=footer,
        primary_colour=data["primary_colour"].lower(), accent_colour=data["accent_colour"].lower(),
        logo=logo, logo_media_type=media_type, updated_by_id=user.id if user is not None else None,
    ))


def _import_layouts(session: Session, engagement: Engagement, entries: list[dict[str, Any]],
                    db_ids: dict[str, int], kinds: dict[str, str], errors: Errors) -> None:
    session.flush()
    layouts: dict[str, Any] = {}
    for i, entry in enumerate(entries):
        path = f"$.diagram_layouts[{i}]"
        scenario = _scenario(session, db_ids, entry["scenario_id"])
        if scenario is None:
            errors.setdefault(f"{path}.scenario_id", []).append(f"Unknown scenario {entry['scenario_id']!r}.")
            continue
        option = entry["option"]
        if entry["diagram"] == "entity":
            if kinds.get(option) != "entity" or option not in db_ids:
                errors.setdefault(f"{path}.option", []).append(f"{option!r} is not a data entity of this bundle.")
                continue
            option = str(db_ids[option])
        nodes = {}
        for ref in list(entry["positions"]) + list(entry["pins"]):
            prefix = next((p for p, kind in NODE_PREFIXES.items() if kinds.get(ref) == kind), None)
            if prefix is None or ref not in db_ids:
                errors.setdefault(f"{path}.positions", []).append(f"{ref!r} is not a system or channel of this bundle.")
                continue
            nodes[ref] = f"{prefix}{db_ids[ref]}"
        remembered = Remembered.from_doc({
            "positions": {nodes.get(ref, ref): xy for ref, xy in entry["positions"].items()},
            "pins": [nodes.get(ref, ref) for ref in entry["pins"]],
            "frame": entry.get("frame"),
        })
        if remembered is None:
            errors.setdefault(path, []).append("Not a layout: positions are [x, y] numbers, pins among them.")
            continue
        session.expire(scenario, ["created_at"])  # the stamp as the database gives it back, like the diagrams read it
        layouts[f"{scenario.id}/{entry['diagram']}/{option}"] = {
            **remembered.to_doc(), "scenario_created": _born(scenario), "seq": i + 1}
    if layouts:
        engagement.settings = {**(engagement.settings or {}), LAYOUTS: layouts}
