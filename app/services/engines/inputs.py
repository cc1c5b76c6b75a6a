"""Stored dataset versions -> the engines' inputs (numpy arrays), and channel latency from the graph analysis."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.engines.atp import NO_DATE, Locations, Stock, channel_key
from app.engines.replay import OrderLines, Receipts
from app.engines.routing import NO_PROMISE, Network, Orders
from app.graph.names import match_name
from app.services.datasets.store import NULL_TIME, Frame
from app.services.datasets.uploads import latest_version, load_frame
from app.services.errors import NotFound, ServiceError, ValidationError
from models import Dataset, DatasetVersion, Engagement, Scenario

NEEDED = {"atp": ("locations", "inventory"), "replay": ("locations", "inventory", "orders"),
          "routing": ("locations", "inventory", "orders"), "returns": ("locations", "orders", "returns")}
OPTIONAL = {"atp": (), "replay": ("receipts",), "routing": (), "returns": ()}


@dataclass(frozen=True, eq=False)
class Inputs:
    """Everything an engine run reads, plus notes on rows that had to be left out."""

    locations: Locations
    stock: Stock
    orders: OrderLines | None
    receipts: Receipts | None
    notes: tuple[str, ...] = field(default=())
    network: Network | None = None  # coordinates, capacity and handling cost (the routing engine)
    routing_orders: Orders | None = None  # the order lines with order ids and ship-to coordinates


def choose_versions(session: Session, engagement: Engagement, kind: str,
                    chosen: dict[str, int] | None = None) -> dict[str, DatasetVersion]:
    """The dataset versions a run uses: the given ids, else the latest of each kind it needs."""
    versions: dict[str, DatasetVersion] = {}
    for dataset_kind in NEEDED[kind] + OPTIONAL[kind]:
        wanted = (chosen or {}).get(dataset_kind)
        if wanted:
            version = session.scalar(
                select(DatasetVersion).join(Dataset).where(
                    DatasetVersion.id == int(wanted), Dataset.engagement_id == engagement.id,
                    Dataset.kind == dataset_kind,
                )
            )
            if version is None:
                raise ValidationError({dataset_kind: f"No {dataset_kind} version {wanted} in this engagement."})
        else:
            version = latest_version(session, engagement.id, dataset_kind)
        if version is None and dataset_kind in NEEDED[kind]:
            raise ValidationError({dataset_kind: f"Upload a {dataset_kind} dataset first."})
        if version is not None:
            versions[dataset_kind] = version
    return versions


def build_inputs(session: Session, versions: dict[str, DatasetVersion]) -> Inputs:
    """Decode the versions and index SKUs and locations consistently across them."""
    loc = load_frame(session, versions["locations"])
    inv = load_frame(session, versions["inventory"])
    orders = load_frame(session, versions["orders"]) if "orders" in versions else None
    receipts = load_frame(session, versions["receipts"]) if "receipts" in versions else None
    notes: list[str] = []

    ids = loc.text("location_id")
    locations = Locations(ids=ids, types=loc.text("type"), ship_from=loc.bools("ship_from"),
                          pickup=loc.bools("pickup"))
    order = np.argsort(ids)

    def node_of(values: np.ndarray) -> np.ndarray:
        at = np.searchsorted(ids[order], values)
        at = np.minimum(at, len(ids) - 1)
        found = ids[order][at] == values
        return np.where(found, order[at], -1)

    sku_sets = [f.codes("sku")[1] for f in (inv, orders, receipts) if f is not None]
    skus = np.unique(np.concatenate(sku_sets)) if sku_sets else np.zeros(0, dtype=str)

    def sku_of(frame: Frame) -> np.ndarray:
        codes, values = frame.codes("sku")
        return np.searchsorted(skus, values)[codes].astype(np.int32)

    inv_node = node_of(inv.codes("location_id")[1])[inv.codes("location_id")[0]]
    keep = inv_node >= 0
    if not keep.all():
        notes.append(f"{int((~keep).sum()):,} inventory row(s) at locations missing from the locations version "
                     "were left out.")
    eta = inv.times("in_transit_eta")
    supply_codes, supply_values = inv.codes("in_transit_type")
    stock = Stock(
        skus=skus,
        sku=sku_of(inv)[keep],
        node=inv_node[keep].astype(np.int32),
        on_hand=inv.ints("on_hand")[keep],
        allocated=inv.ints("allocated")[keep],
        safety_stock=inv.ints("safety_stock", empty=-1)[keep],
        in_transit=inv.ints("in_transit")[keep],
        eta=np.where(eta == NULL_TIME, NO_DATE, eta)[keep],
        supply_type=supply_codes[keep].astype(np.int32) if len(supply_values) else None,
        supply_types=tuple(str(v) for v in supply_values),
    )
    network = Network(ids=ids, types=locations.types, lat=loc.floats("latitude"), lon=loc.floats("longitude"),
                      ship_from=locations.ship_from, pickup=locations.pickup,
                      capacity=loc.ints("daily_capacity", empty=-1), handling=loc.floats("handling_cost"),
                      pickup_capacity=loc.ints("pickup_capacity", empty=-1))
    lines = routed = None
    if orders is not None:
        channel_codes, channel_values = orders.codes("channel")
        fulfil_codes, fulfil_values = orders.codes("fulfillment")
        pickup_flag = (fulfil_values == "pickup")[fulfil_codes].astype(np.int8)
        p_codes, p_values = orders.codes("pickup_location_id")
        pickup_node = np.where(p_codes >= 0, node_of(p_values)[np.maximum(p_codes, 0)] if len(p_values) else -1, -1)
        lines = OrderLines(
            channels=tuple(str(c) for c in channel_values),
            time=orders.times("created_at"),
            channel=channel_codes.astype(np.int32),
            fulfillment=pickup_flag,
            pickup_node=np.asarray(pickup_node, np.int32),
            sku=sku_of(orders),
            quantity=orders.ints("quantity"),
            unit_price=orders.floats("unit_price"),
        )
        routed = Orders(channels=lines.channels, order_id=orders.text("order_id"), time=lines.time,
                        channel=lines.channel, fulfillment=lines.fulfillment, pickup_node=lines.pickup_node,
                        lat=orders.floats("ship_latitude"), lon=orders.floats("ship_longitude"), sku=lines.sku,
                        quantity=lines.quantity, promised=_promised(orders.times("promised_date")))
    arrivals = None
    if receipts is not None:
        r_node = node_of(receipts.codes("location_id")[1])[receipts.codes("location_id")[0]]
        ok = r_node >= 0
        if not ok.all():
            notes.append(f"{int((~ok).sum()):,} receipt(s) at unknown locations were left out.")
        arrivals = Receipts(receipts.times("arrived_at")[ok], sku_of(receipts)[ok], r_node[ok].astype(np.int32),
                            receipts.ints("quantity")[ok])
    return Inputs(locations, stock, lines, arrivals, tuple(notes), network, routed)


def channel_latency(session: Session, engagement: Engagement, scenario: Scenario, channels: tuple[str, ...],
                    channel_map: dict[str, str] | None = None) -> dict[str, dict]:
    """Per dataset channel: {"seconds", "source", "catalog_channel", "note"} from the scenario's worst inventory
    freshness (app.graph.freshness); unknown figures count as 0 s and say why."""
    from app.services.analysis.scenario import analyse  # the graph analysis is heavy to import; only runs need it

    out: dict[str, dict] = {}
    try:
        loaded = analyse(session, engagement, scenario)
        rows = {row.channel_id: row for row in loaded.freshness(entity="inventory")}
        catalog = [(c.id, c.name) for c in loaded.snapshot.channels]
    except (NotFound, ServiceError) as exc:
        return {channel_key(c): {"seconds": 0.0, "source": "unknown", "catalog_channel": None,
                                 "note": f"No inventory freshness: {exc}"} for c in channels}
    mapped = {channel_key(k): v for k, v in (channel_map or {}).items()}
    for name in channels:
        key = channel_key(name)
        match = match_name(mapped.get(key, name), catalog)
        if not match.ok:
            out[key] = {"seconds": 0.0, "source": "unknown", "catalog_channel": None,
                        "note": f"No catalog channel matches {name!r}: map it in the rules (channel_map)."}
            continue
        row = rows.get(match.key)
        label = next(n for i, n in catalog if i == match.key)
        if row is None or row.worst_latency is None:
            reason = row.explanation if row is not None else "not analysed"
            out[key] = {"seconds": 0.0, "source": "unknown", "catalog_channel": label,
                        "note": f"Inventory freshness unknown ({reason})."}
        else:
            out[key] = {"seconds": float(row.worst_latency), "source": "freshness", "catalog_channel": label,
                        "note": ""}
    return out


def _promised(seconds: np.ndarray) -> np.ndarray:
    """The orders' promised dates in routing's terms (NO_PROMISE where the cell is empty)."""
    return np.where(seconds == NULL_TIME, NO_PROMISE, seconds)
