"""Identity run results: the stored metrics document, record memberships, findings and the CSV/XLSX exports.

Metrics are computed once when a run finishes (`identity_metrics`, docs/identity.md); exports read them back, and
re-run the engine on the run's snapshot when the stored document was truncated (`identity_inputs.resolve_run`).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from app.engines import identity as engine
from app.services.engines.identity_inputs import resolve_run
from app.services.errors import ValidationError
from models import EngineRun

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
        summary["members"] = [[m["record"], m["customer"], m["match"], m["probability"], m["linked_to"]]
                              for m in memberships(result)]
    summary["findings"] = findings(summary)
    return summary


def memberships(result: engine.Result) -> list[dict[str, Any]]:
    """Per source record: its customer (1-based, None for a test record) and its strongest link into it.

    `match` is how the record joined its customer: `rule:<field>` (a deterministic rule), `review` (an accepted
    review decision), `model` (match probability at or above the threshold), `single` (a customer of one
    record) or `test_record` (never counted as a customer); `linked_to` is the record at the other end."""
    options = result.options
    decisions = {"|".join(sorted(k)): v for k, v in options.decisions.items()}
    best: dict[int, tuple[tuple[int, float], str, float, int]] = {}

    def offer(i: int, j: int, rank: tuple[int, float], how: str, probability: float) -> None:
        if i not in best or rank > best[i][0]:
            best[i] = (rank, how, probability, j)

    for p in result.pairs:
        a, b = result.records[p.left], result.records[p.right]
        if result.cluster_of[p.left] < 0 or result.cluster_of[p.left] != result.cluster_of[p.right]:
            continue
        decision = decisions.get("|".join(sorted((a.key, b.key))))
        if decision == "reject":
            continue
        if p.rule:
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
    for key, decision in decisions.items():  # accepted pairs the model did not score
        a, b = (index.get(k) for k in key.split("|", 1))
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
        out.append({"record": r.key, "customer": cluster + 1 if cluster >= 0 else None, "match": how,
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


EXPORT_COLUMNS = ("customer", "systems", "records") + engine.GOLDEN_FIELDS
GOLDEN_KEY_FIELDS = ("first_name", "last_name", "email", "phone", "birth_date", "postal_code", "loyalty_id")
RECORD_COLUMNS = ("customer", "system", "source_record_id", "record", "match", "probability", "linked_to") + tuple(
    f"golden_{f}" for f in GOLDEN_KEY_FIELDS)
EXPORTS = {"golden": (EXPORT_COLUMNS, "golden_records"), "records": (RECORD_COLUMNS, "record_customers")}
MATCH_WORDS = {"review": "accepted in review", "model": "match probability at or above the threshold",
               "single": "only record of this customer", "test_record": "test record: not a customer",
               "linked": "linked through other records"}


def _result_documents(session: Session | None, run: EngineRun,
                      members_needed: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(golden records, memberships) of a done run: stored ones, else the engine re-run on the run's snapshot."""
    metrics = run.metrics or {}
    stored = [{"record": m[0], "customer": m[1], "match": m[2], "probability": m[3], "linked_to": m[4]}
              for m in metrics.get("members", [])]
    if not metrics.get("golden_truncated") and ("members" in metrics or not members_needed):
        return metrics.get("golden", []), stored
    if session is None:
        raise ValidationError({"run": "This run's full result is not stored: it is re-run, which needs a session."})
    result = resolve_run(session, run)  # same versions, options and applied decisions: same customers
    return result.golden, memberships(result)


def export_rows(run: EngineRun, session: Session | None = None, what: str = "golden") -> list[dict[str, Any]]:
    """Rows of an export: `golden` (one per real customer) or `records` (one per source record, its customer)."""
    if what not in EXPORTS:
        raise ValidationError({"what": "Must be golden or records."})
    golden, members = _result_documents(session, run, members_needed=what == "records")
    if what == "golden":
        return [{**{k: g.get(k) for k in engine.GOLDEN_FIELDS}, "customer": g["customer"],
                 "systems": "; ".join(g["systems"]), "records": "; ".join(g["records"])} for g in golden]
    by_customer = {g["customer"]: g for g in golden}
    rows = []
    for m in members:
        system, _, source_id = m["record"].partition(":")
        g = by_customer.get(m["customer"], {})
        match = m["match"]
        words = f"same {match.split(':', 1)[1].replace('_', ' ')}" if match.startswith("rule:") else MATCH_WORDS.get(
            match, match)
        rows.append({"customer": m["customer"], "system": system, "source_record_id": source_id,
                     "record": m["record"], "match": words, "probability": m["probability"],
                     "linked_to": m["linked_to"], **{f"golden_{f}": g.get(f) for f in GOLDEN_KEY_FIELDS}})
    return rows


def export_csv(run: EngineRun, session: Session | None = None, what: str = "golden") -> bytes:
    """An export as UTF-8 CSV (with BOM, for Excel); text is formula-safe."""
    from exports.workbook import cell_value

    columns = EXPORTS.get(what, EXPORTS["golden"])[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in export_rows(run, session, what):
        writer.writerow(["" if (v := cell_value(row.get(c), xlsx=False)) is None else v for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(run: EngineRun, session: Session | None = None, what: str = "golden") -> bytes:
    """An export as XLSX; every text cell is a string cell (never a formula)."""
    from openpyxl import Workbook

    from exports.workbook.cells import _set

    rows = export_rows(run, session, what)
    columns, title = EXPORTS[what]
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(columns))
    for number, row in enumerate(rows, start=2):
        for col, name in enumerate(columns, start=1):
            _set(sheet.cell(row=number, column=col), row.get(name), xlsx=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_file_name(run: EngineRun, what: str, fmt: str) -> str:
    """The ASCII download name of an export."""
    return f"identity-run-{run.id}-{'golden-records' if what == 'golden' else 'record-customers'}.{fmt}"
