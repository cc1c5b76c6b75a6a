"""The foundation bench's engagement: one client's landscape bulk-inserted at a chosen scale (SQLite).

At scale N: N systems, 5N flows, 2N requirements (most with executable acceptance criteria), N/2 decisions
each addressed by one to three requirements, and an ownership for every entity (one system of record each,
plus the roles systems play as readers, writers and replicas). Valid per the model rules: a sample is re-saved
through the element service, which must accept it unchanged.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

EMAIL, PASSWORD = "bench@example.com", "bench password"
N_STAKEHOLDERS = 60
# Criteria lines a consultant writes (docs/criteria.md); a requirement gets one to three of them.
CRITERIA = (
    "freshness(inventory, web) <= 60s", "freshness(price, store) <= 15 min", "freshness(order, app) <= 1h",
    "sor_count(customer) == 1", "sor_count(product) == 1", "max_hops(inventory, marketplace) <= 3",
    "no_pattern(price, manual)", "no_pattern(order, batch)", "reachable(order, web -> oms)",
)


def build_app(workdir: Path):
    os.environ["THROUGHLINE_INSTANCE"] = str(workdir / "instance")
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    from app import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite'}",
            "SECRET_KEY": "bench-secret",
            "SESSION_COOKIE_SECURE": False,  # the test client talks plain http
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "INSTANCE_PATH": str(workdir / "instance"),
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_KIB": 1024,
        }
    )


def populate(engine, rng: random.Random, scale: int) -> dict:
    """Insert the engagement at `scale` systems in a few bulk transactions; return ids the measurements need."""
    n_systems, n_flows, n_requirements, n_decisions = scale, 5 * scale, 2 * scale, max(scale // 2, 1)
    from sqlalchemy import insert, select, update
    from sqlalchemy.orm import Session

    from app.services.accounts import create_user
    from app.services.engagements import create_engagement
    from models import (
        Change,
        DataEntity,
        DataFlow,
        Decision,
        DecisionParticipant,
        Element,
        Engagement,
        Ownership,
        Requirement,
        Scenario,
        Stakeholder,
        System,
        TraceLink,
        element_channels,
        flow_entities,
        name_key,
        scenario_members,
    )
    from models.vocab import (
        DECISION_STATUSES,
        FLOW_PATTERNS,
        HOSTING,
        LIFECYCLE,
        PRIORITIES,
        REQUIREMENT_STATUSES,
        REQUIREMENT_TYPES,
        STAKEHOLDER_AREAS,
        SYSTEM_CATEGORIES,
    )

    now = datetime.now(UTC)
    with Session(engine) as s:
        user = create_user(s, EMAIL, "Bench Consultant", PASSWORD)
        eng = create_engagement(s, "Bench Retail discovery", client="Bench Retail", owner=user)
        eid = eng.id
        baseline = s.scalar(select(Scenario.id).where(Scenario.engagement_id == eid, Scenario.is_baseline))
        channels = list(s.scalars(select(Element.id).where(Element.engagement_id == eid, Element.kind == "channel")))
        entities = {
            row.id: row.name
            for row in s.execute(select(DataEntity.id, DataEntity.name).where(DataEntity.engagement_id == eid))
        }
        next_id = (s.scalar(select(Element.id).order_by(Element.id.desc()).limit(1)) or 0) + 1

    def ids(n: int) -> list[int]:
        nonlocal next_id
        block = list(range(next_id, next_id + n))
        next_id += n
        return block

    common = {"engagement_id": eid, "version": 1, "created_at": now, "updated_at": now}

    # Stakeholders and systems (unique names per kind, as the service would insist).
    stakeholder_ids = ids(N_STAKEHOLDERS)
    stakeholders = [
        {**common, "id": i, "kind": "stakeholder", "name": f"Person {n:03d}", "name_key": name_key(f"Person {n:03d}"),
         "role": "Lead", "team": "Digital", "area": rng.choice(list(STAKEHOLDER_AREAS)),
         "influence": "medium", "interest": "high", "email": f"p{n}@client.example"}
        for n, i in enumerate(stakeholder_ids)
    ]
    system_ids = ids(n_systems)
    system_names: dict[int, str] = {}
    systems = []
    for n, i in enumerate(system_ids):
        category = rng.choice(list(SYSTEM_CATEGORIES))
        name = f"{SYSTEM_CATEGORIES[category]} {n:04d}"
        system_names[i] = name
        systems.append(
            {**common, "id": i, "kind": "system", "name": name, "name_key": name_key(name), "category": category,
             "vendor": rng.choice(["SAP", "Salesforce", "Shopify", "Manhattan", "Oracle", "In-house"]),
             "product": "", "hosting": rng.choice(list(HOSTING)), "lifecycle": rng.choice(list(LIFECYCLE)),
             "owner_id": rng.choice(stakeholder_ids + [None]), "notes": ""}
        )
    system_channels = [
        {"element_id": i, "channel_id": c} for i in system_ids for c in rng.sample(channels, rng.randint(0, 2))
    ]

    # Flows: source != target, via differs from both, 1-3 entities, worst latency >= typical.
    flow_ids = ids(n_flows)
    flows, carried = [], []
    for i in flow_ids:
        source, target = rng.sample(system_ids, 2)
        via = rng.choice(system_ids) if rng.random() < 0.2 else None
        if via in (source, target):
            via = None
        chosen = sorted(rng.sample(list(entities), rng.randint(1, 3)))
        typical = rng.choice([None, 0.5, 5, 60, 900, 3600])
        worst = None if typical is None else typical * rng.choice([1, 2, 10])
        label = ", ".join(entities[e] for e in chosen)
        flows.append(
            {**common, "id": i, "kind": "flow", "name": f"{system_names[source]} → {system_names[target]}: {label}",
             "name_key": None, "source_id": source, "target_id": target, "via_id": via,
             "pattern": rng.choice(list(FLOW_PATTERNS)), "frequency": "", "latency_seconds": typical,
             "worst_latency_seconds": worst, "direction": "one_way", "notes": ""}
        )
        carried.extend({"flow_id": i, "entity_id": e} for e in chosen)

    requirement_ids = ids(n_requirements)
    requirements = [
        {**common, "id": i, "kind": "requirement", "name": f"Requirement {n + 1}: stock visible on every channel",
         "name_key": None, "ref": f"REQ-{n + 1}", "number": n + 1, "text": "As a shopper…",
         "type": rng.choice(list(REQUIREMENT_TYPES)), "priority": rng.choice(list(PRIORITIES)),
         "status": rng.choice(list(REQUIREMENT_STATUSES)), "source_id": rng.choice(stakeholder_ids + [None]),
         "acceptance": acceptance(rng)}
        for n, i in enumerate(requirement_ids)
    ]
    decision_ids = ids(n_decisions)
    decisions = [
        {**common, "id": i, "kind": "decision", "name": f"Decision {n + 1}", "name_key": None,
         "ref": f"ADR-{n + 1}", "number": n + 1, "status": rng.choice(list(DECISION_STATUSES)), "context": "",
         "options": "", "outcome": "", "consequences": "", "decided_on": date(2026, 1, 1) + timedelta(days=n % 300),
         "supersedes_id": None, "scenario_id": baseline}
        for n, i in enumerate(decision_ids)
    ]
    participants = [
        {"decision_id": i, "stakeholder_id": st, "role": "decider"}
        for i in decision_ids for st in rng.sample(stakeholder_ids, 2)
    ]
    links = [
        {"engagement_id": eid, "kind": "addresses", "source_id": r, "target_id": d, "created_at": now}
        for d in decision_ids for r in rng.sample(requirement_ids, rng.randint(1, 3))
    ] + [
        {"engagement_id": eid, "kind": "affects", "source_id": d, "target_id": rng.choice(system_ids),
         "created_at": now}
        for d in decision_ids
    ]
    ownerships = ownership_rows(rng, ids, common, system_names, entities)
    changes = [
        {"engagement_id": eid, "element_id": row["id"], "kind": row["kind"], "action": "create", "user_id": None,
         "at": now, "summary": row["name"][:300], "before": None, "after": {"name": row["name"]}}
        for row in (*systems, *flows)
    ]

    with Session(engine) as s:
        s.execute(insert(Stakeholder), stakeholders)
        s.execute(insert(System), systems)
        s.execute(insert(element_channels), system_channels)
        s.execute(insert(scenario_members), [{"scenario_id": baseline, "element_id": i} for i in system_ids])
        s.commit()
    with Session(engine) as s:
        s.execute(insert(DataFlow), flows)
        s.execute(insert(flow_entities), carried)
        s.execute(insert(scenario_members), [{"scenario_id": baseline, "element_id": i} for i in flow_ids])
        s.commit()
    with Session(engine) as s:
        s.execute(insert(Ownership), ownerships)
        s.execute(insert(scenario_members), [{"scenario_id": baseline, "element_id": o["id"]} for o in ownerships])
        s.execute(insert(Requirement), requirements)
        s.execute(insert(Decision), decisions)
        s.execute(insert(DecisionParticipant), participants)
        s.execute(insert(TraceLink), links)
        s.execute(insert(Change), changes)
        s.execute(
            update(Engagement)
            .where(Engagement.id == eid)
            .values(next_requirement_number=n_requirements + 1, next_decision_number=n_decisions + 1)
        )
        s.commit()

    ends = Counter(end for f in flows for end in (f["source_id"], f["target_id"]))
    busiest = ends.most_common(1)[0][0]
    probe = system_names[rng.choice(system_ids)].split()[-1]  # a 4-digit number: matches one system's flows
    check_sample(engine, eid, rng, {"ownership": [o["id"] for o in ownerships], "system": system_ids,
                                    "flow": flow_ids, "requirement": requirement_ids, "decision": decision_ids,
                                    "stakeholder": stakeholder_ids})
    return {"eid": eid, "busiest": busiest, "probe": probe, "baseline": baseline,
            "counts": {"systems": n_systems, "flows": n_flows, "requirements": n_requirements,
                       "with criteria": sum(1 for r in requirements if r["acceptance"]), "decisions": n_decisions,
                       "addresses links": len(links) - n_decisions, "ownerships": len(ownerships)}}


def acceptance(rng: random.Random) -> str:
    """Most requirements carry one to three executable criteria beside a line of prose; a few carry none."""
    if rng.random() < 0.15:
        return ""
    return "\n".join(["Customers see what is true.", *rng.sample(CRITERIA, rng.randint(1, 3))])


def ownership_rows(rng: random.Random, ids, common: dict, system_names: dict[int, str], entities: dict[int, str]):
    """One system of record per entity (two for one entity: a real finding), and every system reading, writing
    or replicating one or two entities."""
    from models.vocab import OWNERSHIP_ROLES

    systems = list(system_names)
    triples = {(rng.choice(systems), e, "sor") for e in entities}
    triples.add((rng.choice(systems), next(iter(entities)), "sor"))
    for s in systems:
        for e in rng.sample(list(entities), rng.randint(1, 2)):
            triples.add((s, e, rng.choice(["reads", "writes", "replica"])))
    triples = sorted(triples)
    return [
        {**common, "id": i, "kind": "ownership", "name_key": None, "system_id": s, "entity_id": e, "role": role,
         "name": f"{system_names[s]} — {OWNERSHIP_ROLES[role]} — {entities[e]}"[:300]}
        for i, (s, e, role) in zip(ids(len(triples)), triples, strict=True)
    ]


def check_sample(engine, eid: int, rng: random.Random, ids_by_kind: dict[str, list[int]], per_kind: int = 40) -> None:
    """Re-save a sample of the bulk rows through the element service: it must accept them unchanged."""
    from sqlalchemy.orm import Session

    from app.services.catalog.elements import get_element, save_element
    from app.services.catalog.fields import KINDS, snapshot
    from models import Engagement

    with Session(engine) as s:
        engagement = s.get(Engagement, eid)
        for kind, pool in ids_by_kind.items():
            for element_id in rng.sample(pool, min(per_kind, len(pool))):
                element = get_element(s, eid, kind, element_id)
                name = element.name
                saved = save_element(s, engagement, kind, snapshot(element, KINDS[kind]), element, commit=False)
                assert saved.version == 1 and saved.name == name, f"{kind} {element_id} is not valid per the rules"
        s.rollback()


