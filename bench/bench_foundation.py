"""Foundation benchmark: page times and SQL query counts on a large engagement (SQLite).

Run from the repository root:  .venv/bin/python bench/bench_foundation.py [--reps 20] [--seed 7]

Builds an app on a temporary SQLite file, bulk-inserts one engagement with 1,000 systems, 5,000 flows,
2,000 requirements and 500 decisions (valid per the model rules), logs in with the Flask test client and
prints p50/p95 server time and the number of SQL statements per request for the main pages.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_SYSTEMS = 1_000
N_FLOWS = 5_000
N_REQUIREMENTS = 2_000
N_DECISIONS = 500
N_STAKEHOLDERS = 60
EMAIL, PASSWORD = "bench@example.com", "bench password"


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


def populate(engine, rng: random.Random) -> dict:
    """Insert the engagement in a few bulk transactions; return ids the measurements need."""
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
    system_ids = ids(N_SYSTEMS)
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
    flow_ids = ids(N_FLOWS)
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

    requirement_ids = ids(N_REQUIREMENTS)
    requirements = [
        {**common, "id": i, "kind": "requirement", "name": f"Requirement {n + 1}: stock visible on every channel",
         "name_key": None, "ref": f"REQ-{n + 1}", "number": n + 1, "text": "As a shopper…",
         "type": rng.choice(list(REQUIREMENT_TYPES)), "priority": rng.choice(list(PRIORITIES)),
         "status": rng.choice(list(REQUIREMENT_STATUSES)), "source_id": rng.choice(stakeholder_ids + [None]),
         "acceptance": ""}
        for n, i in enumerate(requirement_ids)
    ]
    decision_ids = ids(N_DECISIONS)
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
        {"engagement_id": eid, "kind": "addresses", "source_id": rng.choice(requirement_ids), "target_id": d,
         "created_at": now}
        for d in decision_ids
    ] + [
        {"engagement_id": eid, "kind": "affects", "source_id": d, "target_id": rng.choice(system_ids),
         "created_at": now}
        for d in decision_ids
    ]
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
        s.execute(insert(Requirement), requirements)
        s.execute(insert(Decision), decisions)
        s.execute(insert(DecisionParticipant), participants)
        s.execute(insert(TraceLink), links)
        s.execute(insert(Change), changes)
        s.execute(
            update(Engagement)
            .where(Engagement.id == eid)
            .values(next_requirement_number=N_REQUIREMENTS + 1, next_decision_number=N_DECISIONS + 1)
        )
        s.commit()

    ends = Counter(end for f in flows for end in (f["source_id"], f["target_id"]))
    busiest = ends.most_common(1)[0][0]
    probe = system_names[rng.choice(system_ids)].split()[-1]  # a 4-digit number: matches one system's flows
    check_sample(engine, eid, rng, {"system": system_ids, "flow": flow_ids, "requirement": requirement_ids,
                                    "decision": decision_ids, "stakeholder": stakeholder_ids})
    return {"eid": eid, "busiest": busiest, "probe": probe}


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


def login(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302, resp.status_code


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20, help="timed repetitions per URL (default 20)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from sqlalchemy import event, func, select

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="throughline-bench-") as tmp:
        workdir = Path(tmp)
        app = build_app(workdir)
        from app.extensions import db
        from models import Base, Element

        with app.app_context():
            engine = db.engine
        Base.metadata.create_all(engine)
        t0 = time.perf_counter()
        ids = populate(engine, random.Random(args.seed))
        load_s = time.perf_counter() - t0
        with engine.connect() as conn:
            total = conn.scalar(select(func.count()).select_from(Element))
        print(f"Populated {total:,} elements in {load_s:.1f}s "
              f"({N_SYSTEMS:,} systems, {N_FLOWS:,} flows, {N_REQUIREMENTS:,} requirements, {N_DECISIONS:,} decisions)")

        statements: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def _count(_conn, _cursor, statement, *_rest):
            if not statement.startswith(("BEGIN", "PRAGMA")):
                statements.append(statement)

        client = app.test_client()
        login(client)
        eid = ids["eid"]
        pages = [
            ("systems list", f"/e/{eid}/systems", {}),
            ("flows list", f"/e/{eid}/flows", {}),
            (f"flows fragment q={ids['probe']} (htmx)", f"/e/{eid}/flows?q={ids['probe']}", {"HX-Request": "true"}),
            ("requirements list", f"/e/{eid}/requirements", {}),
            ("decisions list", f"/e/{eid}/decisions", {}),
            ("system detail (busiest)", f"/e/{eid}/systems/{ids['busiest']}", {}),
            ("dashboard", f"/e/{eid}/", {}),
        ]
        rows = []
        for label, url, headers in pages:
            warm = client.get(url, headers=headers)
            assert warm.status_code == 200, (url, warm.status_code)
            times, counts = [], []
            for _ in range(args.reps):
                statements.clear()
                t = time.perf_counter()
                resp = client.get(url, headers=headers)
                times.append((time.perf_counter() - t) * 1000)
                counts.append(len(statements))
                assert resp.status_code == 200, (url, resp.status_code)
            body = resp.get_data(as_text=True)
            shown = len(re.findall(r'<tr id="[a-z]+-\d+-row"', body)) + len(re.findall(r"<li><a href=", body))
            rows.append((label, percentile(times, 0.5), percentile(times, 0.95), max(counts), shown,
                         len(body.encode()) // 1024))

        event.remove(engine, "before_cursor_execute", _count)
        with app.app_context():
            db.engine.dispose()

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'page':<{width}}  {'p50 ms':>8}  {'p95 ms':>8}  {'queries':>7}  {'items':>6}  {'KiB':>6}")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 8}  {'-' * 7}  {'-' * 6}  {'-' * 6}")
    for label, p50, p95, queries, items, kib in rows:
        print(f"{label:<{width}}  {p50:8.1f}  {p95:8.1f}  {queries:7d}  {items:6d}  {kib:6d}")
    print(f"\n{args.reps} timed requests per page (after one warm-up). queries = SQL statements per request "
          "(excluding BEGIN/PRAGMA); an N+1 shows as queries growing with items (selectinload batches 500 ids per "
          f"query, so 5,000 rows cost ~10 per relationship). Total run {time.perf_counter() - started:.0f}s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
