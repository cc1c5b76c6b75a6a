"""An engagement holding at least one row of every table the bundle carries, built through the services."""

from __future__ import annotations

from sqlalchemy import func, select, text

from app.graph.rules import RULES
from app.services.analysis import diagram_layout as layouts
from app.services.analysis.diagrams import DiagramRequest
from app.services.analysis.scenario import set_rule
from app.services.bundle.checks import ALL_COLLECTIONS
from app.services.bundle.transfer import import_bundle
from app.services.catalog.fields import KINDS
from app.services.catalog.scenario_values import save_in_scenario
from app.services.demo import load_demo_datasets
from app.services.engines.identity import run_identity
from app.services.engines.routing import save_cost_model
from app.services.engines.runs import run_now
from app.services.reports.branding import save_branding
from app.services.review import comments, links
from app.services.review.author import Author
from models import Base, DataEntity, Engagement, Scenario, Stakeholder, System
from tests.support.bundles import demo_document

# A JPEG the logo check accepts (its signature and end marker).
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


_NS = 'xmlns="http://www.opengroup.org/xsd/archimate/3.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
# What an ArchiMate import keeps beyond the core model: the model's identifier, properties, folders and a view.
ARCHIMATE_MODEL = {
    "identifier": "id-model-1", "language": "en", "attributes": [["version", "1.0"]],
    "property_definitions": [["propid-1", "Weight", "number"]], "unstated_refs": [], "head": [],
    "texts": {"id-sys-1": [["documentation", "de", "Kasse"]]},
    "organizations": [f'<organizations {_NS}><item><label xml:lang="en">Apps</label>'
                      '<item identifierRef="id-sys-1"/></item></organizations>'],
    "views": [{"identifier": "id-view-1", "name": "Landscape «1»",
               "xml": f'<view {_NS} identifier="id-view-1" xsi:type="Diagram"><name xml:lang="en">Landscape «1»</name>'
                      '<node identifier="id-node-1" elementRef="id-sys-1" xsi:type="Element" x="10" y="10" w="120"'
                      ' h="55"/></view>'}],
}


def everything_engagement(session, owner) -> Engagement:
    """The demo with ArchiMate leftovers, every dataset kind, per-scenario values, settings, branding and runs."""
    document = demo_document()
    document["generic_elements"] = [{
        "id": "generic-1", "name": "Customer «VIP» ⚑", "archimate_type": "BusinessActor",
        "documentation": "Kept from an ArchiMate import.", "properties": "Source: Archi\n[\"a:b\", \"c\"]",
        "scenario_ids": ["scenario-1"],
    }]
    document["archimate_relationships"] = [{
        "archimate_id": "id-rel-1", "type": "Serving", "name": "serves", "documentation": "",
        "properties": [["Weight", "3"]], "attributes": {}, "source": "system-1", "target": "generic-1",
    }]
    document["archimate_ids"] = {"generic-1": "id-actor-1", "scenario-1": "id-plateau-1", "system-1": "id-sys-1"}
    document["trace_links"][0]["archimate_id"] = "id-link-1"
    document["archimate_model"] = ARCHIMATE_MODEL
    document["signoffs"] = [{"target": "decision-1", "verdict": "approved", "note": "Agreed at the steering group.",
                             "author": "Robin Reviewer", "signed_at": "2026-12-01T10:00:00+00:00", "version": 1,
                             "stale": False}]
    engagement = import_bundle(session, document, owner=owner)
    load_demo_datasets(session, engagement, user=owner)
    target = session.scalar(select(Scenario).where(Scenario.engagement_id == engagement.id,
                                                   Scenario.is_baseline.is_(False)))
    system = session.scalar(select(System).where(System.engagement_id == engagement.id).order_by(System.id))
    save_in_scenario(session, engagement, system, target, {"vendor": "Another vendor", "lifecycle": "retiring"},
                     user_id=owner.id)
    set_rule(session, engagement, sorted(RULES)[0], enabled=False)
    save_cost_model(session, engagement, target, {}, user=owner)
    save_branding(session, engagement, {"firm_name": "Throughline Partners", "primary_colour": "#1F3A5F",
                                        "accent_colour": "#c0392b", "footer_text": "Confidential"},
                  JPEG, user_id=owner.id)
    layouts.pin(session, engagement, DiagramRequest("landscape"), f"s{system.id}")
    run_now(session, engagement, target, "atp", user=owner)
    run_identity(session, engagement, target, options={"probabilistic": False})
    _comments(session, engagement, owner, target, system)
    session.commit()
    return engagement


def _comments(session, engagement, owner, target, system) -> None:
    """A resolved thread with a reply on a system mentioning a stakeholder, and one on an ownership cell."""
    me = Author(name=owner.name, user_id=owner.id)
    stakeholder = session.scalar(select(Stakeholder).where(Stakeholder.engagement_id == engagement.id))
    entity = session.scalar(select(DataEntity).where(DataEntity.engagement_id == engagement.id))
    first = comments.add_comment(session, engagement, me, "system", str(system.id), f"Ask @{stakeholder.name}",
                                 include_in_report=True)
    comments.reply(session, engagement, me, first.id, "Asked; they agree.")
    comments.resolve(session, engagement, me, first.id)
    comments.add_comment(session, engagement, me, "ownership", f"{system.id}:{entity.id}", "Really the SoR?",
                         scenario_id=target.id)
    link, _token = links.create_link(session, engagement, scenario_ids=[target.id], role="comment",
                                     label="Client CFO", days=14)
    comments.add_comment(session, engagement, Author(name="Client CFO", link_id=link.id), "section", "summary",
                         "Short!")


def engagement_tables() -> dict[str, str]:
    """Every table holding an engagement's data -> the foreign key path that ties it to engagements."""
    tables = {"engagements": "engagements"}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.sorted_tables:
            if table.name in tables:
                continue
            for fk in table.foreign_keys:
                if fk.column.table.name in tables and fk.column.table.name != "users":
                    tables[table.name] = f"{table.name} -> {tables[fk.column.table.name]}"
                    changed = True
                    break
    return tables


def empty_tables(session, names) -> list[str]:
    """The named tables that hold no row at all."""
    return [n for n in sorted(names) if not session.scalar(select(func.count()).select_from(text(f'"{n}"')))]


def kinds_present(document) -> set[str]:
    """Element kinds that have at least one object in a bundle document."""
    return {kind for coll, kind in ALL_COLLECTIONS if document.get(coll)} & set(KINDS)
