"""Identity run results: the stored metrics document, record memberships and findings.

Metrics are computed once when a run finishes (`identity_metrics`, docs/identity.md); the exports
(`identity_exports`) read them back, and re-run the engine on the run's snapshot when the stored document was
truncated (`identity_inputs.resolve_run`).
"""

from __future__ import annotations

from typing import Any

from app.engines import identity as engine

MAX_STORED_RECORDS = 50_000  # record -> customer rows kept in the run (exports beyond this re-run the engine)

MAX_STORED_CLUSTERS = 20_000  # golden records kept in the run (exports beyond this re-run the engine)
MAX_STORED_PAIRS = 2_000  # explanations kept: the review queue first, then the weakest links


def _pair_document(result: engine.Result, pair: engine.Pair) -> dict[str, Any]:
    a, b = result.records[pair.left], result.records[pair.right]
    return {"left": a.key, "right": b.key, "probability": round(pair.probability, 6),
            "weight": None if pair.weight == float("inf") else round(pair.weight, 3), "rule": pair.rule,
            "held": pair.held, "explanation": engine.explain(pair)}


def identity_metrics(result: engine.Result) -> dict[str, Any]:
    """The stored metrics document (docs/identity.md)."""
    summary = result.summary()
    review = result.review[:MAX_STORED_PAIRS]
    # model-scored pairs have a finite weight (rule-only links are infinite); explanations are computed lazily
    linked = sorted((p for p in result.pairs if p.weight != float("inf")
                     and result.cluster_of[p.left] == result.cluster_of[p.right] >= 0),
                    key=lambda p: p.probability)[: max(0, MAX_STORED_PAIRS - len(review))]  # weakest links first
    summary["review_queue"] = [_pair_document(result, p) for p in review]
    summary["linked_pairs"] = [_pair_document(result, p) for p in linked]
    summary["golden"] = result.golden[:MAX_STORED_CLUSTERS]
    summary["golden_truncated"] = len(result.golden) > MAX_STORED_CLUSTERS
    if len(result.records) <= MAX_STORED_RECORDS:
        # system and source record id kept apart: "system:id" cannot be split back when a system holds ":"
        summary["members"] = [[m["record"], m["customer"], m["match"], m["probability"], m["linked_to"],
                               m["system"], m["source_record_id"]] for m in memberships(result)]
    summary["findings"] = findings(summary)
    return summary


def memberships(result: engine.Result) -> list[dict[str, Any]]:
    """Per source record (its key, system and source record id): its customer (1-based, None for a test record)
    and its strongest link into it.

    `match` is how the record joined its customer: `rule:<field>` (a deterministic rule), `review` (an accepted
    review decision), `model` (match probability at or above the threshold), `single` (a customer of one
    record) or `test_record` (never counted as a customer); `linked_to` is the record at the other end."""
    options = result.options
    decisions = {tuple(sorted(k)): v for k, v in options.decisions.items()}
    best: dict[int, tuple[tuple[int, float], str, float, int]] = {}

    def offer(i: int, j: int, rank: tuple[int, float], how: str, probability: float) -> None:
        if i not in best or rank > best[i][0]:
            best[i] = (rank, how, probability, j)

    for p in result.pairs:
        a, b = result.records[p.left], result.records[p.right]
        if result.cluster_of[p.left] < 0 or result.cluster_of[p.left] != result.cluster_of[p.right]:
            continue
        decision = decisions.get(tuple(sorted((a.key, b.key))))
        if decision == "reject":
            continue
        if p.rule and not p.held:  # a held rule pair did not join them: they are linked through other records
            how, rank = f"rule:{p.rule}", (3, p.probability)
        elif decision == "accept":
            how, rank = "review", (2, p.probability)
        elif p.probability >= options.threshold and not p.held:
            how, rank = "model", (1, p.probability)
        else:
            continue  # scored but not what joined them (they are linked through other records)
        offer(p.left, p.right, rank, how, p.probability)
        offer(p.right, p.left, rank, how, p.probability)
    index = {r.key: r.index for r in result.records}
    for pair, decision in decisions.items():  # accepted pairs the model did not score
        a, b = (index.get(k) for k in pair)
        if decision == "accept" and a is not None and b is not None and result.cluster_of[a] == result.cluster_of[b]:
            offer(a, b, (2, 0.0), "review", None)
            offer(b, a, (2, 0.0), "review", None)
    out = []
    for r in result.records:
        cluster = result.cluster_of[r.index]
        if cluster < 0:
            how, probability, other = "test_record", None, None
        elif r.index in best:
            _, how, probability, j = best[r.index]
            other = result.records[j].key
        elif len(result.clusters[cluster]) == 1:
            how, probability, other = "single", None, None
        else:  # joined only through a link this run no longer explains (should not happen)
            how, probability, other = "linked", None, None
        out.append({"record": r.key, "system": r.system, "source_record_id": r.source_record_id,
                    "customer": cluster + 1 if cluster >= 0 else None, "match": how,
                    "probability": None if probability is None else round(float(probability), 6),
                    "linked_to": other})
    return out


SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "info": 3}  # the analysis severities


def finding_items(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Findings computed from a run's figures: {code, severity (as the analysis: high/medium/info), text, systems}.

    Thresholds: a system whose own records duplicate each other at 5 % or more (high at 15 %); a pair of
    systems sharing 5 % or more of the smaller one's customers; 5 % or more invalid emails or phones; test
    records left in production data; customers mastered in more than one system at all."""
    out: list[dict[str, Any]] = []
    systems = list(summary["overlap"]["systems"])
    matrix = summary["overlap"]["matrix"]
    quality = summary.get("quality", {})
    customers, records = summary["real_customers"], summary["matched_records"]
    in_many = sum(v for k, v in summary["overlap"].get("by_count", {}).items() if int(k) > 1)
    severity = "high" if len(systems) >= 3 else "medium" if len(systems) == 2 else "info"
    out.append({"code": "mastered_in", "severity": severity, "systems": systems,
                "text": f"Customer data is mastered in {len(systems)} system{'s' if len(systems) != 1 else ''} "
                        f"({', '.join(systems)}): {records:,} records describe {customers:,} real customers"
                        + (f"; {_pct(in_many / customers)} of them are in more than one system." if customers and
                           len(systems) > 1 else ".")})
    for system in systems:
        rate = summary["duplicate_rate"].get(system, 0)
        if rate >= 0.05:
            out.append({"code": "duplicates", "severity": "high" if rate >= 0.15 else "medium", "systems": [system],
                        "text": f"{_pct(rate)} of {system} records duplicate another {system} record."})
        elif rate > 0:
            out.append({"code": "duplicates", "severity": "info", "systems": [system],
                        "text": f"{_pct(rate)} of {system} records duplicate another {system} record."})
    for a in systems:
        for b in systems:
            if a == b or not matrix[a][a]:
                continue
            share = matrix[a][b] / matrix[a][a]
            if share >= 0.05:  # both directions: "18 % of loyalty members are also in e-commerce"
                out.append({"code": "overlap", "severity": "info", "systems": [a, b], "share": round(share, 4),
                            "text": f"{_pct(share)} of {a} customers are also in {b}."})
    for system in systems:
        q = quality.get(system) or {}
        n = q.get("records") or 0
        for field, label in (("invalid_email", "emails"), ("invalid_phone", "phone numbers")):
            if n and q.get(field, 0) / n >= 0.05:
                out.append({"code": field, "severity": "medium", "systems": [system],
                            "text": f"{_pct(q[field] / n)} of {system} records carry invalid {label} "
                                    f"({q[field]:,} of {n:,})."})
        if q.get("shared_identifier"):
            held = [f"{LABEL_OF.get(name, name).lower()} {value!r} ({count:,} records)"
                    for name, values in summary.get("placeholders", {}).items() for value, count in values[:2]]
            out.append({"code": "placeholders", "severity": "medium", "systems": [system],
                        "text": f"{q['shared_identifier']:,} {system} record(s) carry an email, phone or loyalty id "
                                f"shared by too many records to be a person's"
                                + (f" (e.g. {', '.join(held[:3])})" if held else "")
                                + "; those values were set aside, not used to link customers."})
        if q.get("test_records"):
            out.append({"code": "test_records", "severity": "info", "systems": [system],
                        "text": f"{q['test_records']:,} test or anonymous record(s) in {system} "
                                f"(e.g. {', '.join(q.get('test_examples', [])[:3])}); left out of the counts."})
    return sorted(out, key=lambda f: SEVERITY_RANK[f["severity"]])


LABEL_OF = {"email": "Email", "phone": "Phone", "loyalty_id": "Loyalty id"}


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %" if share >= 0.01 or share == 0 else f"{share * 100:.1f} %"


def findings(summary: dict[str, Any]) -> list[str]:
    """Sentences for the analysis: where customers are mastered, how duplicated each system is (finding_items)."""
    return [f["text"] for f in finding_items(summary)]
