"""A generated engagement full of awkward text, and a format-neutral comparison of two engagements.

Used by bench/bench_roundtrip.py (200 systems, 1,000 flows, 500 requirements) and, at a small size, by
tests/test_bundle_roundtrip_support.py. `generate` returns a bundle document (so it is imported through
the same services as any bundle); `comparable` turns an exported bundle into objects keyed by name or ref
with every reference written as the name of what it points at, so two engagements built by different
formats (whose ids and order differ) can be compared field by field with `differences`.
"""

from __future__ import annotations

import base64
import gzip
import random
from typing import Any

from app.services.bundle.checks import ALL_COLLECTIONS
from app.services.catalog.fields import KINDS
from app.services.datasets.kinds import KINDS as DATASET_KINDS
from app.services.datasets.kinds import template_csv
from models.vocab import (
    DECISION_STATUSES,
    FLOW_DIRECTIONS,
    FLOW_PATTERNS,
    HOSTING,
    LEVELS,
    LIFECYCLE,
    OWNERSHIP_ROLES,
    PRIORITIES,
    REQUIREMENT_STATUSES,
    REQUIREMENT_TYPES,
    STAKEHOLDER_AREAS,
    SYSTEM_CATEGORIES,
)

# Text that has broken a format before: quotes, list and cell separators, formula starts, scripts, emoji.
AWKWARD = (
    'Quote "double" and \'single\'',
    "semi;colon; list",
    "pipe|bar | ESB",
    "-leading dash",
    "=SUM(A1:A2)",
    "+plus @at",
    "日本語の要件",
    "emoji 🚚📦✨",
    "RTL עברית العربية",
    "amp & <angle> brackets",
)
NAME_LENGTH = 150  # every tenth name is exactly this long


def awkward_name(i: int, noun: str) -> str:
    """A unique single-line name; every tenth one NAME_LENGTH characters long."""
    base = f"{AWKWARD[i % len(AWKWARD)]} {noun} {i:04d}"
    if i % 10 == 1:
        base = (base + " " + "長い名前 long name " * 20)[:NAME_LENGTH].rstrip()
        base += "末" * (NAME_LENGTH - len(base))  # exactly NAME_LENGTH, no trailing space (names are trimmed)
    return base


def awkward_text(i: int) -> str:
    """Multi-line text with paragraphs, separators and scripts."""
    return (f"{AWKWARD[(i + 3) % len(AWKWARD)]} line one\nline two; with | pipes and \"quotes\"\n\n"
            f"{AWKWARD[(i + 5) % len(AWKWARD)]} second paragraph =1+1")


def generate(systems: int = 200, flows: int = 1_000, requirements: int = 500, seed: int = 7) -> dict[str, Any]:
    """A bundle document with every element kind, every dataset kind, links, scenario values and ArchiMate rows."""
    rnd = random.Random(seed)
    n_channels, n_entities, n_people, n_decisions = 6, 8, 30, max(4, requirements // 25)
    doc: dict[str, Any] = {
        "format": "throughline-bundle", "version": 1,
        "engagement": {"name": awkward_name(1, "engagement"), "client": AWKWARD[8], "description": awkward_text(0),
                       "next_requirement_number": requirements + 1, "next_decision_number": n_decisions + 1},
        "scenarios": [{"id": "s-now", "name": "Current state — 現状", "description": awkward_text(1),
                       "is_baseline": True},
                      {"id": "s-target", "name": "Target; \"A\" | =B", "description": awkward_text(2),
                       "is_baseline": False}],
    }
    both = ["s-now", "s-target"]
    doc["channels"] = [{"id": f"ch{i}", "name": awkward_name(i, "channel"), "description": awkward_text(i),
                        "customer_facing": i % 2 == 0} for i in range(n_channels)]
    doc["entities"] = [{"id": f"en{i}", "name": awkward_name(i, "entity"), "description": awkward_text(i),
                        "time_critical": i % 3 == 0} for i in range(n_entities)]
    doc["stakeholders"] = [{
        "id": f"p{i}", "name": awkward_name(i, "person"), "role": AWKWARD[i % 10], "team": AWKWARD[(i + 1) % 10],
        "area": rnd.choice(list(STAKEHOLDER_AREAS)), "influence": rnd.choice(list(LEVELS)),
        "interest": rnd.choice(list(LEVELS)), "email": f"p{i}@client.example"} for i in range(n_people)]
    doc["systems"] = [{
        "id": f"sys{i}", "name": awkward_name(i, "system"), "category": rnd.choice(list(SYSTEM_CATEGORIES)),
        "vendor": AWKWARD[(i + 2) % 10], "product": AWKWARD[(i + 4) % 10], "hosting": rnd.choice(list(HOSTING)),
        "lifecycle": rnd.choice(list(LIFECYCLE)), "owner_id": f"p{rnd.randrange(n_people)}",
        "channel_ids": sorted(rnd.sample([f"ch{c}" for c in range(n_channels)], rnd.randint(0, 2))),
        "scenario_ids": both if i % 7 else ["s-target"],
        "tags": sorted({"core", f"t;{i % 3}", "日本"} if i % 2 else set()), "notes": awkward_text(i),
    } for i in range(systems)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < min(flows, systems * (systems - 1)):
        pair = tuple(rnd.sample(range(systems), 2))
        pairs.add(pair)  # one flow per ordered pair: the comparison keys flows by their ends
    doc["flows"] = []
    for i, (a, b) in enumerate(sorted(pairs, key=lambda p: rnd.random())):
        typical = rnd.choice([None, 0.5, 60.0, 3600.0])
        via = rnd.randrange(systems) if i % 5 == 0 else None
        doc["flows"].append({
            "id": f"fl{i}", "source_id": f"sys{a}", "target_id": f"sys{b}",
            "entity_ids": sorted(rnd.sample([f"en{e}" for e in range(n_entities)], rnd.randint(1, 3))),
            "pattern": rnd.choice(list(FLOW_PATTERNS)), "frequency": AWKWARD[i % 10],
            "latency_seconds": typical, "worst_latency_seconds": None if typical is None else typical * 10,
            "via_id": f"sys{via}" if via not in (None, a, b) else None,
            "direction": rnd.choice(list(FLOW_DIRECTIONS)), "scenario_ids": both if i % 9 else ["s-now"],
            "tags": ["flow;tag"] if i % 4 == 0 else [], "notes": awkward_text(i)})
    doc["ownerships"] = [{"id": f"own{e}", "system_id": f"sys{e % systems}", "entity_id": f"en{e}",
                          "role": rnd.choice(list(OWNERSHIP_ROLES)), "scenario_ids": both}
                         for e in range(n_entities)]
    doc["requirements"] = [{
        "id": f"rq{i}", "ref": f"REQ-{i + 1}", "title": awkward_name(i, "requirement"), "text": awkward_text(i),
        "type": rnd.choice(list(REQUIREMENT_TYPES)), "priority": rnd.choice(list(PRIORITIES)),
        "channel_ids": sorted(rnd.sample([f"ch{c}" for c in range(n_channels)], rnd.randint(0, 2))),
        "source_id": f"p{rnd.randrange(n_people)}", "status": rnd.choice(list(REQUIREMENT_STATUSES)),
        "acceptance": "", "tags": ["req|tag"] if i % 3 == 0 else []} for i in range(requirements)]
    statuses = [s for s in DECISION_STATUSES if s != "superseded"]
    doc["decisions"] = [{
        "id": f"ad{i}", "ref": f"ADR-{i + 1}", "title": awkward_name(i, "decision"), "status": rnd.choice(statuses),
        "context": awkward_text(i), "options": awkward_text(i + 1), "outcome": awkward_text(i + 2),
        "consequences": awkward_text(i + 3), "decided_on": f"2025-03-{i % 28 + 1:02d}",
        "decider_ids": [f"p{i % n_people}"], "consulted_ids": [f"p{(i + 1) % n_people}"],
        "informed_ids": [f"p{(i + 2) % n_people}"], "supersedes_id": None,
        "scenario_id": "s-target" if i % 2 else None, "tags": ["adr;tag"] if i % 2 else []}
        for i in range(n_decisions)]
    doc["decisions"][0].update(status="superseded")
    doc["decisions"][1].update(status="accepted", supersedes_id="ad0")
    doc["generic_elements"] = [{"id": "gen0", "name": awkward_name(3, "actor"), "archimate_type": "BusinessActor",
                                "documentation": awkward_text(3), "properties": "Source: generated\nNote: a;b|c",
                                "scenario_ids": both}]
    doc["archimate_relationships"] = [{"archimate_id": "rel-gen0", "type": "Serving", "name": AWKWARD[0],
                                       "documentation": "", "properties": [["Weight", "3"]], "attributes": {},
                                       "source": "sys0", "target": "gen0"}]
    doc["trace_links"] = _links(rnd, requirements, n_decisions, systems, len(doc["flows"]))
    doc["scenario_values"] = [{"scenario": "s-target", "element": f"sys{i}",
                               "values": {"vendor": AWKWARD[(i + 7) % 10], "lifecycle": "retiring"}}
                              for i in range(1, systems, 7) if i % 7]
    doc["datasets"] = [{"kind": kind, "name": awkward_name(n, kind), "system_id": f"sys{n % systems}",
                        "filename": f"{kind}.csv", "encoding": "csv+gzip+base64",
                        "data": base64.b64encode(gzip.compress(_dataset_csv(kind).encode(), mtime=0)).decode()}
                       for n, kind in enumerate(DATASET_KINDS)]
    return doc


def _dataset_csv(kind: str) -> str:
    """Each kind's template row (app/services/datasets/kinds.py); the locations every other example names."""
    text = template_csv(kind)
    if kind != "locations":
        return text
    header, example = text.splitlines()[:2]
    columns = header.split(",")
    named = {c.example for k in DATASET_KINDS.values() for c in k.columns if c.references == "locations" and c.example}
    rows = [example]
    for location in sorted(named - {example.split(",")[columns.index("location_id")]}):
        cells = example.split(",")
        cells[columns.index("location_id")] = location
        rows.append(",".join(cells))
    return "\r\n".join([header, *rows]) + "\r\n"


def _links(rnd: random.Random, requirements: int, decisions: int, systems: int, flows: int) -> list[dict]:
    links: dict[tuple[str, str, str], dict] = {}
    for i in range(requirements):
        for kind, target in (("addresses", f"ad{rnd.randrange(decisions)}"),
                             ("satisfied_by", f"sys{rnd.randrange(systems)}"),
                             ("refines", f"rq{rnd.randrange(i)}" if i else None)):
            if target is not None and rnd.random() < 0.5:
                links[(kind, f"rq{i}", target)] = {"kind": kind, "source": f"rq{i}", "target": target}
    for i in range(decisions):
        target = f"fl{rnd.randrange(flows)}" if i % 2 and flows else f"sys{rnd.randrange(systems)}"
        links[("affects", f"ad{i}", target)] = {"kind": "affects", "source": f"ad{i}", "target": target}
    return list(links.values())


# --- comparison ------------------------------------------------------------------------------------


def comparable(document: dict[str, Any], kinds: dict[str, set[str]] | None = None) -> dict[str, dict]:
    """kind -> key -> {field: value}, references written as names; `kinds` limits kinds and fields."""
    names: dict[str, str] = {s["id"]: f"scenario {s['name']}" for s in document.get("scenarios", [])}
    collections = [(coll, kind) for coll, kind in ALL_COLLECTIONS]
    for coll, _kind in collections:  # flows and ownerships are named by their ends, so name the rest first
        for obj in document.get(coll, []):
            if "ref" in obj:
                names[obj["id"]] = obj["ref"]
            elif "name" in obj:
                names[obj["id"]] = obj["name"]
    for coll, kind in collections:
        for obj in document.get(coll, []):
            if kind == "flow":
                names[obj["id"]] = f"{names.get(obj['source_id'])} -> {names.get(obj['target_id'])}"
            elif kind == "ownership":
                names[obj["id"]] = f"{names.get(obj['system_id'])} owns {names.get(obj['entity_id'])}"
    out: dict[str, dict] = {}
    for coll, kind in collections:
        if kinds is not None and kind not in kinds:
            continue
        spec = KINDS[kind]
        fields = [f for f in spec.fields if kinds is None or f.name in kinds[kind]]
        table = out.setdefault(kind, {})
        for obj in document.get(coll, []):
            table[names[obj["id"]]] = {f.name: _plain(obj.get(f.name), f.type, names) for f in fields}
    if kinds is None or "trace_link" in kinds:
        out["trace_link"] = {f"{names.get(link['source'])} {link['kind']} {names.get(link['target'])}": {}
                             for link in document.get("trace_links", [])}
    if kinds is None or "scenario_value" in kinds:
        out["scenario_value"] = {f"{names.get(v['element'])} in {names.get(v['scenario'])}": {
            k: _plain(val, "refs" if isinstance(val, list) else "ref" if k.endswith("_id") else "text", names)
            for k, val in v["values"].items()} for v in document.get("scenario_values", [])}
    return out


def _plain(value: Any, kind: str, names: dict[str, str]) -> Any:
    if kind == "ref":
        return names.get(value, value) if value is not None else None
    if kind in ("refs", "participants"):
        return sorted(names.get(v, v) for v in value or [])
    if kind == "tags":
        return sorted(value or [])
    return value


def differences(before: dict[str, dict], after: dict[str, dict]) -> list[str]:
    """Every difference between two `comparable` results, one readable line each."""
    out = []
    for kind in sorted(set(before) | set(after)):
        a, b = before.get(kind, {}), after.get(kind, {})
        out += [f"{kind} {key!r}: missing after the round trip" for key in a if key not in b]
        out += [f"{kind} {key!r}: not in the original" for key in b if key not in a]
        for key in a.keys() & b.keys():
            for name, value in a[key].items():
                if b[key].get(name) != value:
                    out.append(f"{kind} {key[:60]!r}.{name}: {_short(value)} became {_short(b[key].get(name))}")
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 70 else text[:67] + "..."
