"""Customer identity resolution runs: gather the customer extracts, run the engine, store and export the result.

Runs are EngineRun rows of kind "identity" (a scenario's run, so scenarios that change the sources or the rules
compare). The run snapshots the dataset versions it read and its options; review decisions (accept/reject a
pair) are kept on the run and carried into the next run of the engagement, where they are applied.
Metrics document: docs/identity.md.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.engines import identity as engine
from app.services.datasets import load_frame
from app.services.errors import NotFound, ValidationError
from models import Dataset, DatasetVersion, Engagement, EngineRun, Scenario, User
from models.base import utcnow

MAX_STORED_CLUSTERS = 20_000  # golden records kept in the run (exports beyond this re-run the engine)
MAX_STORED_PAIRS = 2_000  # explanations kept: the review queue first, then the weakest links
OPTION_KEYS = ("threshold", "review_low", "rules", "email_provider_rules", "default_region", "source_priority",
               "survivorship", "nicknames", "exclude_test_records", "household_guard", "probabilistic")


def customer_versions(session: Session, engagement: Engagement) -> list[DatasetVersion]:
    """The latest version of every customers dataset of the engagement (one per extract)."""
    datasets = session.scalars(
        select(Dataset).where(Dataset.engagement_id == engagement.id, Dataset.kind == "customers")
        .options(selectinload(Dataset.versions), selectinload(Dataset.system)).order_by(Dataset.id)
    ).all()
    return [d.versions[-1] for d in datasets if d.versions]


def records_of(session: Session, versions: list[DatasetVersion]) -> list[dict[str, Any]]:
    """Every row of the versions as plain records; `system` is the catalog system's name (else the dataset's)."""
    out: list[dict[str, Any]] = []
    for version in versions:
        frame = load_frame(session, version)
        system = version.dataset.system.name if version.dataset.system is not None else version.dataset.name
        columns = {f: frame.text(f) for f in ("source_record_id",) + engine.FIELDS if frame.has(f)}
        for i in range(frame.rows):
            record = {name: str(values[i]) for name, values in columns.items() if values[i] != ""}
            record["system"] = system
            out.append(record)
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
    versions = customer_versions(session, engagement)
    if not versions:
        raise ValidationError({"customers": "No customer extract yet: upload a customers dataset per system."})
    decisions = latest_decisions(session, engagement)
    parse_options(options, decisions)  # validate now, not in the background
    run = EngineRun(engagement_id=engagement.id, scenario_id=scenario.id, kind="identity",
                    dataset_versions={v.dataset.name: v.id for v in versions}, rules={},
                    parameters={"options": dict(options or {}), "decisions": decisions}, status="queued",
                    created_by_id=user.id if user is not None else None)
    session.add(run)
    session.commit()
    return run


def _versions(session: Session, run: EngineRun) -> list[DatasetVersion]:
    ids = list(run.dataset_versions.values())
    return list(session.scalars(select(DatasetVersion).where(DatasetVersion.id.in_(ids))
                                .options(selectinload(DatasetVersion.dataset).selectinload(Dataset.system))
                                .order_by(DatasetVersion.id)))


def resolve_run(session: Session, run: EngineRun) -> engine.Result:
    """Run the engine on the run's snapshot (same versions, options and decisions)."""
    options = parse_options(run.parameters.get("options"), run.parameters.get("decisions"))
    return engine.resolve(records_of(session, _versions(session, run)), options)


def execute_identity_run(session: Session, run_id: int) -> EngineRun:
    """Run a queued identity run to completion (done, or failed with the error)."""
    run = session.get(EngineRun, run_id)
    if run is None or run.kind != "identity":
        raise NotFound(f"No identity run {run_id}.")
    run.status, run.started_at, run.progress = "running", utcnow(), 0.1
    session.commit()
    try:
        run.metrics = identity_metrics(resolve_run(session, run))
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
    linked = sorted((p for p in result.pairs if p.contributions and p.contributions[0].field == "prior"
                     and result.cluster_of[p.left] == result.cluster_of[p.right] >= 0),
                    key=lambda p: p.probability)[: max(0, MAX_STORED_PAIRS - len(review))]  # weakest links first
    summary["review_queue"] = [_pair_document(result, p) for p in review]
    summary["linked_pairs"] = [_pair_document(result, p) for p in linked]
    summary["golden"] = result.golden[:MAX_STORED_CLUSTERS]
    summary["golden_truncated"] = len(result.golden) > MAX_STORED_CLUSTERS
    summary["findings"] = findings(summary)
    return summary


def findings(summary: dict[str, Any]) -> list[str]:
    """Sentences for the analysis: where customers are mastered, how duplicated each system is."""
    out = []
    systems = summary["overlap"]["systems"]
    out.append(f"Customer data is mastered in {len(systems)} system(s): {summary['matched_records']:,} records "
               f"describe {summary['real_customers']:,} real customers.")
    for system, rate in summary["duplicate_rate"].items():
        if rate > 0:
            out.append(f"{rate:.0%} of {system} records duplicate another {system} record.")
    matrix = summary["overlap"]["matrix"]
    for a in systems:
        for b in systems:
            if a != b and matrix[a][a]:
                share = matrix[a][b] / matrix[a][a]
                if share >= 0.05:
                    out.append(f"{share:.0%} of {a} customers are also in {b}.")
    return out


def get_identity_run(session: Session, engagement_id: int, run_id: int) -> EngineRun:
    """One identity run of the engagement, or NotFound."""
    run = session.scalar(select(EngineRun).where(EngineRun.id == run_id, EngineRun.engagement_id == engagement_id,
                                                 EngineRun.kind == "identity"))
    if run is None:
        raise NotFound("No such identity run in this engagement.")
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


def export_rows(run: EngineRun) -> list[dict[str, Any]]:
    """Golden records of a run, one row per real customer."""
    return [{**{k: g.get(k) for k in engine.GOLDEN_FIELDS}, "customer": g["customer"],
             "systems": "; ".join(g["systems"]), "records": "; ".join(g["records"])}
            for g in (run.metrics or {}).get("golden", [])]


def export_csv(run: EngineRun) -> bytes:
    """Golden records as UTF-8 CSV (with BOM, for Excel); text is formula-safe."""
    from exports.workbook import cell_value

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(run):
        writer.writerow(["" if (v := cell_value(row.get(c), xlsx=False)) is None else v for c in EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(run: EngineRun) -> bytes:
    """Golden records as XLSX; every text cell is a string cell (never a formula)."""
    from openpyxl import Workbook

    from exports.workbook import _set

    book = Workbook()
    sheet = book.active
    sheet.title = "golden_records"
    sheet.append(list(EXPORT_COLUMNS))
    for number, row in enumerate(export_rows(run), start=2):
        for col, name in enumerate(EXPORT_COLUMNS, start=1):
            _set(sheet.cell(row=number, column=col), row.get(name), xlsx=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
