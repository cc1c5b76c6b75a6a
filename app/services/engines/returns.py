"""Returns anywhere per scenario: the return policy (read with defaults, validate, save), what the scenario's
architecture allows between channels (snapshotted when a run starts), and the returns replay (docs/returns.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engines.atp import channel_key
from app.engines.returns import NO_TIME, Access, PolicyError, ReturnLines, ReturnPolicy, parse_policy, replay_returns
from app.graph.names import match_name
from app.graph.returns import dc_latency, restock_latency, return_access
from app.services.datasets.store import Frame
from app.services.datasets.uploads import load_frame
from app.services.errors import NotFound, ServiceError, ValidationError
from app.services.scenarios import store_settings
from models import DatasetVersion, Engagement, EngineRun, Scenario, User
from models import ReturnPolicy as PolicyRow

MAX_BLOCKED = 50  # blocked channel pairs kept on a run (a handful in practice)


def policy_document(session: Session, scenario: Scenario) -> dict[str, Any]:
    """The scenario's stored return policy, or the defaults."""
    row = session.scalar(select(PolicyRow).where(PolicyRow.scenario_id == scenario.id))
    return ReturnPolicy().to_document() | (dict(row.document) if row is not None else {})


def check_policy(document: Any) -> ReturnPolicy:
    """A validated ReturnPolicy; ValidationError keyed by setting."""
    try:
        return parse_policy(document)
    except PolicyError as exc:
        raise ValidationError({f"policy.{k}": v for k, v in exc.errors.items()}) from None


def save_policy(session: Session, engagement: Engagement, scenario: Scenario, document: Any, *,
                user: User | None = None, commit: bool = True) -> dict[str, Any]:
    """Validate and store a scenario's return policy (missing settings take the defaults)."""
    if scenario.engagement_id != engagement.id:
        raise NotFound("No such scenario in this engagement.")
    canonical = check_policy(document).to_document()
    return store_settings(session, PolicyRow, engagement, scenario, canonical, user=user, commit=commit)


def dataset_channels(orders: Frame, returns: Frame) -> tuple[str, ...]:
    """Every channel named by the orders and the returns, by key, in first-seen order."""
    names = [*orders.codes("channel")[1], *returns.codes("return_channel")[1], *returns.codes("original_channel")[1]]
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(channel_key(str(name)), str(name))
    return tuple(seen)


def architecture(session: Session, engagement: Engagement, scenario: Scenario, channels: tuple[str, ...],
                 channel_map: dict[str, str] | None = None) -> dict[str, Any]:
    """What the scenario's systems and flows allow between the dataset channels (JSON-ready, stored on the run)."""
    from app.services.analysis.scenario import analyse  # heavy to import; only runs need it

    n = len(channels)
    doc: dict[str, Any] = {"channels": list(channels), "catalog": {}, "order_visible": np.eye(n, dtype=bool),
                           "customer_known": np.eye(n, dtype=bool), "refund_path": np.eye(n, dtype=bool),
                           "restock_seconds": np.where(np.eye(n, dtype=bool), 0.0, np.nan),
                           "dc_seconds": np.zeros(n), "blocked": [], "notes": []}
    try:
        loaded = analyse(session, engagement, scenario)
    except (NotFound, ServiceError) as exc:
        doc["notes"].append(f"No architecture to check: {exc}")
        return _jsonable(doc)
    graph = loaded.graph
    catalog = [(c.id, c.name) for c in graph.snapshot.channels]
    mapped = {channel_key(k): v for k, v in (channel_map or {}).items()}
    ids: list[int | None] = []
    for name in channels:
        match = match_name(mapped.get(name, name), catalog)
        ids.append(match.key if match.ok else None)
        doc["catalog"][name] = graph.snapshot.channel_by_id[match.key].name if match.ok else None
        if not match.ok:
            doc["notes"].append(f"No catalog channel matches {name!r}: map it in the ATP rules (channel_map); "
                                "its returns are judged on the policy alone, within the channel only.")
    for i, origin in enumerate(ids):
        for j, returning in enumerate(ids):
            if origin is None or returning is None:
                continue
            access = return_access(graph, origin, returning)
            doc["order_visible"][i, j] = access.order.ok
            doc["customer_known"][i, j] = access.customer.ok
            doc["refund_path"][i, j] = access.refund
            seconds = restock_latency(graph, returning, origin)  # restocked where returned, sold on `origin`
            doc["restock_seconds"][j, i] = np.nan if seconds is None else seconds
            if access.blocked and len(doc["blocked"]) < MAX_BLOCKED:
                doc["blocked"].append({"original": channels[i], "returned": channels[j], "why": access.blocked,
                                       "order": access.order.ok, "customer": access.customer.ok,
                                       "refund": access.refund})
        if origin is not None:
            seconds = dc_latency(graph, origin)
            doc["dc_seconds"][i] = np.nan if seconds is None else seconds
    return _jsonable(doc)


def _jsonable(doc: dict[str, Any]) -> dict[str, Any]:
    out = dict(doc)
    for key in ("order_visible", "customer_known", "refund_path"):
        out[key] = [[bool(v) for v in row] for row in doc[key]]
    out["restock_seconds"] = [[None if np.isnan(v) else float(v) for v in row] for row in doc["restock_seconds"]]
    out["dc_seconds"] = [None if np.isnan(v) else float(v) for v in doc["dc_seconds"]]
    return out


def access_of(doc: dict[str, Any]) -> Access:
    """The stored architecture document as the engine's Access."""
    def floats(values):
        return np.array([np.nan if v is None else v for v in values], np.float64)

    return Access(np.array(doc["order_visible"], bool).reshape(len(doc["channels"]), -1),
                  np.array(doc["customer_known"], bool).reshape(len(doc["channels"]), -1),
                  np.array(doc["refund_path"], bool).reshape(len(doc["channels"]), -1),
                  np.array([floats(r) for r in doc["restock_seconds"]]).reshape(len(doc["channels"]), -1),
                  floats(doc["dc_seconds"]))


def policy_conflicts(policy: ReturnPolicy, doc: dict[str, Any]) -> list[str]:
    """Sentences for each channel pair the policy accepts but the architecture cannot serve."""
    from app.engines.returns import rule_table

    channels = doc["channels"]
    table = rule_table(policy, channels)
    labels = {c: doc["catalog"].get(c) or c for c in channels}
    out = []
    for entry in doc["blocked"]:
        i, j = channels.index(entry["original"]), channels.index(entry["returned"])
        if (table[i, j] < 0).all():
            continue
        consequence = ("refunds to original tender are impossible" if not entry["order"] else
                       "the customer cannot be recognised" if not entry["customer"] else
                       "refunds to original tender are impossible")
        out.append(f"{labels[entry['returned']]} accepts {labels[entry['original']]} returns by policy, but "
                   f"{entry['why']}: {consequence} in {labels[entry['returned']]}.")
    return out


def return_lines(locations: Frame, orders: Frame, returns: Frame, channels: tuple[str, ...],
                 dc_location_id: str = "") -> tuple[ReturnLines, int, list[str]]:
    """The returns as engine input (order channel, time and fulfilment looked up by order id), the DC node and
    notes on returns left out (unknown order without an original channel)."""
    notes: list[str] = []
    ids = locations.text("location_id")
    index = {c: i for i, c in enumerate(channels)}
    # Work on the distinct order ids (sorted, stored once) and int codes: no per-row strings for 1M lines.
    o_codes, o_values = orders.codes("order_id")
    first = np.full(len(o_values), -1, np.int64)
    first[o_codes[::-1]] = np.arange(orders.rows)[::-1]  # the earliest line of each order wins
    r_codes, r_values = returns.codes("order_id")
    at = np.minimum(np.searchsorted(o_values, r_values), max(len(o_values) - 1, 0))
    hit = (o_values[at] == r_values) if len(o_values) else np.zeros(len(r_values), bool)
    row = np.where(hit, first[at] if len(o_values) else -1, -1)[r_codes]
    found = row >= 0
    row = np.maximum(row, 0)
    order_channel = _channel_codes(orders, "channel", index)[row]
    given = _channel_codes(returns, "original_channel", index)
    original = np.where(given >= 0, given, np.where(found, order_channel, -1)).astype(np.int32)
    f_codes, f_values = orders.codes("fulfillment")
    pickup = np.where(found, (f_values == "pickup")[f_codes][row] if len(f_values) else False, False)
    order_time = np.where(found, orders.times("created_at")[row], NO_TIME)
    keep = original >= 0
    if not found.all():
        notes.append(f"{int((~found).sum()):,} return line(s) name an order that is not in the orders dataset"
                     + (f"; {int((~keep).sum()):,} without an original channel were left out." if not keep.all()
                        else "; their original channel was taken from the returns (no window check)."))
    l_codes, l_values = returns.codes("return_location_id")
    node_of = {v: i for i, v in enumerate(ids)}
    nodes = np.array([node_of.get(str(v), -1) for v in l_values] + [-1], np.int32)[l_codes]
    c_codes, c_values = returns.codes("condition")
    r_codes, r_values = returns.codes("refund_method")
    exchange = (np.append(r_values == "exchange", False))[r_codes] if len(r_values) else np.zeros(returns.rows, bool)
    lines = ReturnLines(
        channels=channels, time=returns.times("returned_at")[keep], order_time=order_time[keep],
        original=original[keep], returned=_channel_codes(returns, "return_channel", index)[keep],
        pickup=pickup[keep].astype(bool), sku=returns.codes("sku")[0][keep], quantity=returns.ints("quantity")[keep],
        node=nodes[keep], condition=c_codes[keep].astype(np.int32),
        conditions=tuple(" ".join(str(c).split()).casefold() for c in c_values), exchange=exchange[keep],
    )
    dc = dc_location_id or next((str(i) for i, t in zip(ids, locations.text("type"), strict=True) if t == "dc"), "")
    return lines, node_of.get(dc, -1), notes


def _channel_codes(frame: Frame, column: str, index: dict[str, int]) -> np.ndarray:
    codes, values = frame.codes(column)
    table = np.array([index.get(channel_key(str(v)), -1) for v in values] + [-1], np.int32)
    return table[codes]


def run_parameters(session: Session, engagement: Engagement, scenario: Scenario, versions: dict[str, DatasetVersion],
                   channel_map: dict[str, str] | None = None) -> dict[str, Any]:
    """What a returns run snapshots when it starts: the scenario's policy and what its architecture allows."""
    policy = policy_document(session, scenario)
    check_policy(policy)
    channels = dataset_channels(load_frame(session, versions["orders"]), load_frame(session, versions["returns"]))
    return {"policy": policy, "architecture": architecture(session, engagement, scenario, channels, channel_map)}


def returns_metrics(session: Session, run: EngineRun) -> dict[str, Any]:
    """Replay the run's returns under its policy and architecture snapshots; the metrics document."""
    ids = run.dataset_versions
    versions = {v.dataset.kind: v for v in session.scalars(select(DatasetVersion).where(
        DatasetVersion.id.in_(list(ids.values()))))}
    frames = {kind: load_frame(session, versions[kind]) for kind in ("locations", "orders", "returns")}
    policy = check_policy(run.parameters["policy"])
    doc = run.parameters["architecture"]
    channels = tuple(doc["channels"])
    lines, dc_node, notes = return_lines(frames["locations"], frames["orders"], frames["returns"], channels,
                                         policy.dc_location_id)
    if policy.dc_location_id and dc_node < 0:
        notes.append(f"DC {policy.dc_location_id!r} is not in the locations: units for the DC are not restocked.")
    outcome = replay_returns(lines, policy, access_of(doc), dc_node)
    return {**outcome.summary, "catalog": doc["catalog"], "blocked": doc["blocked"],
            "conflicts": policy_conflicts(policy, doc), "resale_receipts": int(len(outcome.receipts_time)),
            "notes": [*doc.get("notes", []), *notes]}
