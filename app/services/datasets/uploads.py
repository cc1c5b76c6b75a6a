"""Captured datasets: upload (validate, profile, store as a new version), list, load, templates.

A dataset is (engagement, kind, name) and comes from one catalog system; each accepted upload is a new
immutable version, so runs that used an older version can always be reproduced. A rejected upload stores
nothing at all. Which dataset an upload versions (by default the system's own one of the kind): `naming`.
Engines use, per kind, the most recently uploaded version unless told otherwise; identity runs read every
customers dataset.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, undefer

from app.graph.names import match_name
from app.services.datasets import store as dataset_store
from app.services.datasets.files import DEFAULT_MAX_BYTES, read_table
from app.services.datasets.kinds import KINDS
from app.services.datasets.naming import target_dataset
from app.services.datasets.profile import profile, version_status
from app.services.datasets.store import Frame
from app.services.datasets.validation import Report, validate
from app.services.errors import NotFound, ValidationError
from models import Dataset, DatasetVersion, Engagement, System, User, name_key

_cache: OrderedDict[tuple, Frame] = OrderedDict()
_cache_lock = threading.Lock()
CACHE_SIZE = 8


@dataclass(frozen=True)
class Upload:
    """An accepted upload: the stored version and the validation report."""

    version: DatasetVersion
    report: Report


def find_system(session: Session, engagement: Engagement, ident: str | int | None) -> System:
    """A catalog system of the engagement by id or (loose) name."""
    if ident is None or str(ident).strip() == "":
        raise ValidationError({"system": "Name the system the data was extracted from."})
    systems = session.execute(
        select(System.id, System.name).where(System.engagement_id == engagement.id).order_by(System.id)
    ).all()
    text = str(ident).strip()
    if text.isdigit() and any(s.id == int(text) for s in systems):
        return session.get(System, int(text))
    match = match_name(text, ((s.id, s.name) for s in systems), closest=False)
    if not match.ok:
        raise ValidationError({"system": match.message("system").capitalize() + "."})
    return session.get(System, match.key)


def latest_version(session: Session, engagement_id: int, kind: str) -> DatasetVersion | None:
    """The most recently uploaded version of any dataset of this kind."""
    return session.scalar(
        select(DatasetVersion)
        .join(Dataset)
        .where(Dataset.engagement_id == engagement_id, Dataset.kind == kind)
        .order_by(DatasetVersion.uploaded_at.desc(), DatasetVersion.id.desc())
        .limit(1)
    )


def load_frame(session: Session, version: DatasetVersion) -> Frame:
    """A version's rows (decoded once, then served from a small cache: versions never change)."""
    # Keyed by more than the id: a rolled-back version's id can be handed out again (SQLite).
    key = (version.id, version.size_bytes, version.row_count, str(version.uploaded_at))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    data = session.scalar(select(DatasetVersion.data).where(DatasetVersion.id == version.id))
    frame = dataset_store.decode(version.dataset.kind, data)
    with _cache_lock:
        _cache[key] = frame
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return frame


def upload_dataset(
    session: Session,
    engagement: Engagement,
    kind: str,
    data: bytes,
    filename: str,
    *,
    system: System | str | int | None,
    name: str | None = None,
    mapping: dict[str, str] | None = None,
    user: User | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    commit: bool = True,
) -> Upload:
    """Validate a CSV/XLSX upload and store it as the next version (`naming`); DatasetRejected names every bad cell."""
    _check_kind(kind)
    if not isinstance(system, System):
        system = find_system(session, engagement, system)
    elif system.engagement_id != engagement.id:
        raise ValidationError({"system": "Unknown system."})
    dataset, label = target_dataset(session, engagement, kind, system, name)
    table = read_table(data, filename, kind, max_bytes)
    locations = _latest_values(session, engagement.id, "locations", "location_id")
    frame, report = validate(table, kind, mapping, locations)
    inventory_skus = _latest_values(session, engagement.id, "inventory", "sku") if kind in ("orders",
                                                                                           "receipts") else None
    order_ids = _latest_values(session, engagement.id, "orders", "order_id") if kind == "returns" else None
    document = profile(frame, inventory_skus=inventory_skus, location_ids=locations if kind == "inventory" else None,
                       order_ids=order_ids)
    blob = dataset_store.encode(frame)

    if dataset is None:
        dataset = Dataset(engagement_id=engagement.id, kind=kind, name=label, name_key=name_key(label))
        session.add(dataset)
    dataset.system_id = system.id  # only ever this system's, or one whose system was deleted
    session.flush()
    number = (session.scalar(select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == dataset.id))
              or 0) + 1
    version = DatasetVersion(
        dataset_id=dataset.id,
        number=number,
        uploaded_by_id=user.id if user is not None else None,
        filename=(filename or "")[:255],
        row_count=frame.rows,
        column_mapping=report.mapping,
        profile=document,
        status=version_status(document),
        storage_format=dataset_store.FORMAT,
        size_bytes=len(blob),
        data=blob,
    )
    session.add(version)
    if commit:
        session.commit()
    else:
        session.flush()
    return Upload(version, report)


def list_datasets(session: Session, engagement_id: int) -> list[Dataset]:
    """The engagement's datasets with their versions (rows not loaded), by kind then name."""
    order = {k: i for i, k in enumerate(KINDS)}
    rows = session.scalars(
        select(Dataset)
        .where(Dataset.engagement_id == engagement_id)
        .options(selectinload(Dataset.versions).selectinload(DatasetVersion.uploaded_by), selectinload(Dataset.system))
    ).all()
    return sorted(rows, key=lambda d: (order[d.kind], d.name_key))


def get_dataset(session: Session, engagement_id: int, dataset_id: int) -> Dataset:
    """One dataset of the engagement, or NotFound."""
    dataset = session.scalar(select(Dataset).where(Dataset.id == dataset_id, Dataset.engagement_id == engagement_id))
    if dataset is None:
        raise NotFound("No such dataset in this engagement.")
    return dataset


def get_version(session: Session, engagement_id: int, version_id: int, *, with_data: bool = False) -> DatasetVersion:
    """One dataset version of the engagement, or NotFound."""
    query = select(DatasetVersion).join(Dataset).where(
        DatasetVersion.id == version_id, Dataset.engagement_id == engagement_id
    )
    if with_data:
        query = query.options(undefer(DatasetVersion.data))
    version = session.scalar(query)
    if version is None:
        raise NotFound("No such dataset version in this engagement.")
    return version


def preview(frame: Frame, limit: int = 50, offset: int = 0) -> tuple[list[str], list[list[str]]]:
    """Rows offset..offset+limit of a version as text, columns in the kind's order."""
    kind = KINDS[frame.kind]
    rows = slice(offset, min(frame.rows, offset + limit))
    names, columns = [], []
    for c in kind.columns:
        if frame.has(c.name):
            names.append(c.name)
            columns.append(column_texts(frame, c, rows))
    return names, [list(row) for row in zip(*columns, strict=True)] if columns else []


def column_texts(frame: Frame, column, rows: slice) -> list[str]:
    """One column's cells as the text a CSV would hold ("" for empty cells)."""
    null = frame.nulls(column.name)[rows]
    if column.type in ("str", "choice"):
        values = frame.text(column.name)[rows].tolist()
    elif column.type == "int":
        values = [str(v) for v in frame.ints(column.name)[rows].tolist()]
    elif column.type == "float":
        values = [f"{v:g}" for v in frame.floats(column.name)[rows].tolist()]
    elif column.type == "bool":
        values = ["true" if v else "false" for v in frame.bools(column.name)[rows].tolist()]
    else:
        stamps = frame.times(column.name)[rows].astype("datetime64[s]").astype(str).tolist()
        values = [t[:10] if column.type == "date" else t + "Z" for t in stamps]
    return ["" if n else v for n, v in zip(null.tolist(), values, strict=True)]


def frame_csv(frame: Frame) -> str:
    """A whole version as CSV text with our column names (what the bundle carries and re-validates)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    kind = KINDS[frame.kind]
    present = [c for c in kind.columns if frame.has(c.name)]
    writer.writerow([c.name for c in present])
    every = slice(0, frame.rows)
    writer.writerows(zip(*(column_texts(frame, c, every) for c in present), strict=True))
    return buffer.getvalue()


def _latest_values(session: Session, engagement_id: int, kind: str, column: str) -> np.ndarray | None:
    version = latest_version(session, engagement_id, kind)
    if version is None:
        return None
    return load_frame(session, version).codes(column)[1]


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValidationError({"kind": f"Unknown dataset kind {kind!r}; known: {', '.join(KINDS)}."})
