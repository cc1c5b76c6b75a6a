"""Customer identity resolution runs: gather the customer extracts, run the engine, store and export the result.

Runs are EngineRun rows of kind "identity" for a scenario. The scenario decides the sources: the customer
extracts of systems that are members of the scenario (an extract not linked to a catalog system is always
read), so a scenario that retires or adds a system changes who is counted. The options (rules, thresholds) are
stored per run. The run snapshots the dataset versions it read, its options and the review decisions it
applied; decisions (accept/reject a pair) made on a run are kept on it and carried into the next run of the
engagement, where they are applied. Metrics document and comparison: docs/identity.md.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.engines import identity as engine
from app.services.datasets.uploads import load_frame
from app.services.errors import NotFound, ValidationError
from app.services.work import is_stale, progress_writer, reap_stale
from models import Dataset, DatasetVersion, Engagement, EngineRun, Scenario, User, scenario_members
from models.base import utcnow

PROGRESS_EVERY = 0.5  # seconds between progress writes (as engine_runs)
MAX_STORED_RECORDS = 50_000  # record -> customer rows kept in the run (exports beyond this re-run the engine)

MAX_STORED_CLUSTERS = 20_000  # golden records kept in the run (exports beyond this re-run the engine)
MAX_STORED_PAIRS = 2_000  # explanations kept: the review queue first, then the weakest links
OPTION_KEYS = ("threshold", "review_low", "rules", "email_provider_rules", "default_region", "source_priority",
               "survivorship", "nicknames", "exclude_test_records", "household_guard", "probabilistic",
               "max_shared_identifier")


def customer_versions(session: Session, engagement: Engagement) -> list[DatasetVersion]:
    """The latest version of every customers dataset of the engagement (one per extract)."""
    datasets = session.scalars(
        select(Dataset).where(Dataset.engagement_id == engagement.id, Dataset.kind == "customers")
        .options(selectinload(Dataset.versions), selectinload(Dataset.system)).order_by(Dataset.id)
    ).all()
    return [d.versions[-1] for d in datasets if d.versions]


def scenario_sources(session: Session, engagement: Engagement,
                     scenario: Scenario) -> tuple[list[DatasetVersion], list[DatasetVersion]]:
    """(read, left out): extracts whose system is in the scenario (or have no system) are read, the rest not."""
    members = set(session.scalars(select(scenario_members.c.element_id)
                                  .where(scenario_members.c.scenario_id == scenario.id)))
    read, left_out = [], []
    for version in customer_versions(session, engagement):
        system_id = version.dataset.system_id
        (read if system_id is None or system_id in members else left_out).append(version)
    return read, left_out


def records_of(session: Session, versions: list[DatasetVersion]) -> dict[str, list[Any]]:
    """Every row of the versions as columns (name -> one cell per record, None when empty), which the engine
    reads without a dict per record; `system` is the catalog system's name (else the dataset's)."""
    names = ("source_record_id", *engine.FIELDS)
    out: dict[str, list[Any]] = {"system": [], **{name: [] for name in names}}
    for version in versions:
        frame = load_frame(session, version)
        system = version.dataset.system.name if version.dataset.system is not None else version.dataset.name
        out["system"].extend([system] * frame.rows)
        for name in names:
            if not frame.has(name):
                out[name].extend([None] * frame.rows)
                continue
            codes, values = frame.codes(name)
            # one str per distinct value, shared by every cell holding it; code -1 (empty) picks the None
            cells = [str(v) or None for v in values.tolist()] + [None]
            out[name].extend(map(cells.__getitem__, codes.tolist()))
    return out


def parse_options(document: dict[str, Any] | None, decisions: dict[str, str] | None = None) -> engine.Options:
    """Options from a JSON document (unknown keys and bad values are a ValidationError)."""
    document = dict(document or {})
    unknown = set(document) - set(OPTION_KEYS)
    if unknown:
        raise ValidationError({"options": f"Unknown option(s): {', '.join(sorted(unknown))}."})
    kwargs: dict[str, Any] = {}
    for key in ("threshold", "review_low"):
        if document.get(key) is not None:
            try:
                kwargs[key] = float(document[key])
            except (TypeError, ValueError):
                raise ValidationError({key: "Must be a probability between 0 and 1."}) from None
    for key in ("rules", "source_priority"):
        if document.get(key) is not None:
            kwargs[key] = tuple(str(v) for v in document[key])
    for key in ("email_provider_rules", "nicknames", "exclude_test_records", "household_guard", "probabilistic"):
        if document.get(key) is not None:
            kwargs[key] = bool(document[key])
    if document.get("max_shared_identifier") is not None:
        try:
            kwargs["max_shared_identifier"] = int(document["max_shared_identifier"])
        except (TypeError, ValueError):
            raise ValidationError({"max_shared_identifier": "Must be a whole number of records (2 or more)."}) from None
    if document.get("default_region"):
        kwargs["default_region"] = str(document["default_region"]).upper()
    if document.get("survivorship"):
        kwargs["survivorship"] = {str(k): str(v) for k, v in dict(document["survivorship"]).items()}
    kwargs["decisions"] = {tuple(k.split("|", 1)): v for k, v in (decisions or {}).items()}
    try:
        return engine.Options(**kwargs)
    except ValueError as exc:
        raise ValidationError({"options": str(exc)}) from None


def latest_decisions(session: Session, engagement: Engagement) -> dict[str, str]:
    """The review decisions of the engagement's most recent identity run ("keyA|keyB" -> accept/reject)."""
    run = session.scalar(select(EngineRun).where(EngineRun.engagement_id == engagement.id,
                                                 EngineRun.kind == "identity").order_by(EngineRun.id.desc()))
    return dict((run.parameters or {}).get("decisions", {})) if run is not None else {}


def start_identity_run(session: Session, engagement: Engagement, scenario: Scenario, *,
                       options: dict[str, Any] | None = None, user: User | None = None) -> EngineRun:
    """Record a queued identity run; ValidationError when there is no customer extract or an option is bad."""
    if scenario.engagement_id != engagement.id:
        raise NotFound("No such scenario in this engagement.")
    versions, left_out = scenario_sources(session, engagement, scenario)
    if not versions:
        if left_out:
            raise ValidationError({"customers": f"No customer extract of a system in {scenario.name}: "
                                                f"{', '.join(_source_label(v) for v in left_out)} "
                                                "belong to systems outside it."})
        raise ValidationError({"customers": "No customer extract yet: upload a customers dataset per system."})
    decisions = latest_decisions(session, engagement)
    parse_options(options, decisions)  # validate now, not in the background
    parameters = {"options": dict(options or {}), "decisions": decisions,
                  # what this run applies: `decisions` grows as the workshop decides on this run
                  "applied_decisions": dict(decisions),
                  "sources": {v.dataset.name: _source_label(v, system_only=True) for v in versions},
                  "left_out": {v.dataset.name: _source_label(v, system_only=True) for v in left_out}}
    run = EngineRun(engagement_id=engagement.id, scenario_id=scenario.id, kind="identity",
                    dataset_versions={v.dataset.name: v.id for v in versions}, rules={},
                    parameters=parameters, status="queued",
                    created_by_id=user.id if user is not None else None)
    session.add(run)
    session.commit()
    return run


def _source_label(version: DatasetVersion, system_only: bool = False) -> str:
    system = version.dataset.system.name if version.dataset.system is not None else None
    if system_only:
        return system or ""
    return f"{version.dataset.name} ({system})" if system else version.dataset.name


def _versions(session: Session, run: EngineRun) -> list[DatasetVersion]:
    ids = list(run.dataset_versions.values())
    return list(session.scalars(select(DatasetVersion).where(DatasetVersion.id.in_(ids))
                                .options(selectinload(DatasetVersion.dataset).selectinload(Dataset.system))
                                .order_by(DatasetVersion.id)))


def applied_decisions(run: EngineRun) -> dict[str, str]:
    """The decisions the run applied (runs made before this was kept: the ones on the run)."""
    parameters = run.parameters or {}
    return dict(parameters.get("applied_decisions", parameters.get("decisions", {})))


def run_options(run: EngineRun) -> engine.Options:
    """The run's effective engine options (its options document over the defaults, with its decisions)."""
    return parse_options((run.parameters or {}).get("options"), applied_decisions(run))


def resolve_run(session: Session, run: EngineRun, progress=None) -> engine.Result:
    """Run the engine on the run's snapshot (same versions, options and decisions); progress(fraction) optional."""
    return engine.resolve(records_of(session, _versions(session, run)), run_options(run), progress=progress)


def execute_identity_run(session: Session, run_id: int) -> EngineRun:
    """Run a queued identity run to completion (done, or failed with the error), committing progress."""
    run = session.get(EngineRun, run_id)
    if run is None or run.kind != "identity":
        raise NotFound(f"No identity run {run_id}.")
    run.status, run.started_at, run.progress = "running", utcnow(), 0.0
    # loading the extracts is the first 5 %, storing the metrics the last few
    progress = progress_writer(session, run, every=PROGRESS_EVERY, start=0.05, span=0.9)
    session.commit()

    try:
        result = resolve_run(session, run, progress)
        run.progress = 0.95
        run.metrics = identity_metrics(result)
        run.status, run.progress = "done", 1.0
    except Exception as exc:  # a failed run is recorded, not lost: the page shows why
        session.rollback()
        run = session.get(EngineRun, run_id)
        run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
    run.finished_at = utcnow()
    session.commit()
    return run


def run_identity(session: Session, engagement: Engagement, scenario: Scenario, **kw) -> EngineRun:
    """Start and execute an identity run in this process (the command line, small web runs)."""
    run = start_identity_run(session, engagement, scenario, **kw)
    return execute_identity_run(session, run.id)


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


def latest_done_run(session: Session, scenario: Scenario) -> EngineRun | None:
    """The scenario's most recent finished identity run."""
    return session.scalar(select(EngineRun).where(EngineRun.scenario_id == scenario.id, EngineRun.kind == "identity",
                                                  EngineRun.status == "done").order_by(EngineRun.id.desc()))


def scenario_findings(session: Session, scenario: Scenario) -> tuple[EngineRun | None, list[dict[str, Any]]]:
    """The identity findings of the scenario's latest done run (the analysis overview shows them), or (None, [])."""
    run = latest_done_run(session, scenario)
    if run is None or not run.metrics:
        return None, []
    return run, finding_items(run.metrics)


def get_identity_run(session: Session, engagement_id: int, run_id: int) -> EngineRun:
    """One identity run of the engagement, or NotFound."""
    run = session.scalar(select(EngineRun).where(EngineRun.id == run_id, EngineRun.engagement_id == engagement_id,
                                                 EngineRun.kind == "identity"))
    if run is None:
        raise NotFound("No such identity run in this engagement.")
    if is_stale(run):
        reap_stale(session, engagement_id)
    return run


def decide(session: Session, run: EngineRun, left: str, right: str, decision: str) -> dict[str, str]:
    """Record a review decision on the run (applied from the next run on); "undo" forgets it."""
    if decision not in ("accept", "reject", "undo"):
        raise ValidationError({"decision": "Must be accept, reject or undo."})
    metrics = run.metrics or {}
    keys = {key for g in metrics.get("golden", []) for key in g["records"]}
    keys |= {p[side] for p in metrics.get("review_queue", []) for side in ("left", "right")}
    if left not in keys or right not in keys:
        raise ValidationError({"pair": "Not a pair of this run."})
    key = "|".join(sorted((left, right)))
    decisions = dict((run.parameters or {}).get("decisions", {}))
    if decision == "undo":
        decisions.pop(key, None)
    else:
        decisions[key] = decision
    run.parameters = {**run.parameters, "decisions": decisions}  # reassigned: JSON columns track assignment
    session.commit()
    return decisions


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


# --- comparing runs ---------------------------------------------------------------------------------


def identity_runs(session: Session, engagement_id: int, limit: int = 50) -> list[EngineRun]:
    """The engagement's identity runs, newest first."""
    return list(session.scalars(select(EngineRun).where(EngineRun.engagement_id == engagement_id,
                                                        EngineRun.kind == "identity")
                                .options(selectinload(EngineRun.scenario))
                                .order_by(EngineRun.id.desc()).limit(limit)))


def default_pair(runs: list[EngineRun]) -> tuple[EngineRun | None, EngineRun | None]:
    """Two done runs to compare: the latest of two scenarios (baseline first), else the two latest."""
    done = [r for r in runs if r.status == "done"]
    latest: dict[int, EngineRun] = {}
    for r in done:
        latest.setdefault(r.scenario_id, r)
    picks = sorted(latest.values(), key=lambda r: (not r.scenario.is_baseline, -r.id))[:2]
    if len(picks) < 2:
        picks = done[:2]
    picks = sorted(picks, key=lambda r: (not r.scenario.is_baseline, r.id))
    return (picks[0] if picks else None), (picks[1] if len(picks) > 1 else None)


def partner(runs: list[EngineRun], run: EngineRun) -> EngineRun | None:
    """What to compare a run with: the latest done run of another scenario, else its latest other done run."""
    others = [r for r in runs if r.status == "done" and r.id != run.id]
    return next((r for r in others if r.scenario_id != run.scenario_id), others[0] if others else None)


def _effective_options(run: EngineRun) -> dict[str, Any]:
    document = asdict(run_options(run))
    document.pop("decisions", None)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in document.items()}


def _figure(a: float | None, b: float | None) -> dict[str, Any]:
    return {"a": a, "b": b, "diff": None if a is None or b is None else round(b - a, 6), "same": a == b}


def compare_runs(a: EngineRun, b: EngineRun, session: Session | None = None) -> dict[str, Any]:
    """Two done identity runs side by side: figures, sources, options and what differs (docs/identity.md).

    With a session, `version_numbers` maps each version id read to its number in its dataset (v1, v2…)."""
    if a.kind != "identity" or b.kind != "identity" or a.engagement_id != b.engagement_id:
        raise ValidationError({"runs": "Compare two identity runs of the same engagement."})
    if a.status != "done" or b.status != "done":
        raise ValidationError({"runs": "Both runs must be done."})
    ma, mb = a.metrics, b.metrics
    systems = list(dict.fromkeys(ma["overlap"]["systems"] + mb["overlap"]["systems"]))

    def cell(m: dict, x: str, y: str) -> int | None:
        return m["overlap"]["matrix"].get(x, {}).get(y)

    sources = {}
    for run, side in ((a, "a"), (b, "b")):
        labels = (run.parameters or {}).get("sources", {})
        for name, version_id in run.dataset_versions.items():
            sources.setdefault(name, {"a": None, "b": None, "system": labels.get(name) or ""})[side] = version_id
    oa, ob = _effective_options(a), _effective_options(b)
    options = [{"option": k, "a": oa.get(k), "b": ob.get(k)} for k in OPTION_KEYS if oa.get(k) != ob.get(k)]
    left_out = {side: sorted((run.parameters or {}).get("left_out", {})) for run, side in ((a, "a"), (b, "b"))}
    ids = [v for run in (a, b) for v in run.dataset_versions.values()]
    numbers = dict(session.execute(select(DatasetVersion.id, DatasetVersion.number)
                                   .where(DatasetVersion.id.in_(ids))).tuples().all()) if session else {}
    return {
        "a": a, "b": b,
        "version_numbers": numbers,
        "figures": {k: _figure(ma.get(k), mb.get(k)) for k in ("records", "matched_records", "real_customers",
                                                                 "review", "links")},
        "decisions": _figure(len(applied_decisions(a)), len(applied_decisions(b))),
        "systems": systems,
        "duplicate_rate": {s: _figure(ma["duplicate_rate"].get(s), mb["duplicate_rate"].get(s)) for s in systems},
        "by_count": {k: _figure(ma["overlap"]["by_count"].get(k, 0), mb["overlap"]["by_count"].get(k, 0))
                     for k in sorted(set(ma["overlap"]["by_count"]) | set(mb["overlap"]["by_count"]), key=int)},
        "matrix": {x: {y: _figure(cell(ma, x, y), cell(mb, x, y)) for y in systems} for x in systems},
        "sources": sources,
        "sources_differ": any(v["a"] != v["b"] for v in sources.values()),
        "left_out": left_out,
        "options": options,
        "findings": {"a": finding_items(ma), "b": finding_items(mb)},
    }
