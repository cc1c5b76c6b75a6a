"""Which dataset an upload versions: the one named, else the uploading system's own dataset of that kind.

A dataset holds the extracts of one system, so an upload never relabels another system's dataset: naming a
dataset of another system is refused. Without a name, the system's own dataset of the kind gets the new version;
a system without one gets a new dataset named after it for customers (one customers dataset per source system,
which identity runs read side by side), or after the kind for the others (engines read the latest version of
those), with the system's name added when that name is already another system's.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.services.datasets.kinds import KINDS
from app.services.errors import ValidationError
from models import Dataset, Engagement, System, name_key

MAX_NAME = 200


def default_names(kind: str, system: System) -> list[str]:
    """The names a new dataset of this kind from this system takes, the first one free."""
    label, own = KINDS[kind].label, _clip(system.name)
    if kind == "customers":
        return [own, _clip(f"{label} ({system.name})"), _clip(f"{system.name} {label.lower()}")]
    return [label, _clip(f"{label} ({system.name})")]


def target_dataset(session: Session, engagement: Engagement, kind: str, system: System,
                   name: str | None) -> tuple[Dataset | None, str]:
    """(the dataset the upload versions, or None for a new one; its name); ValidationError names the field."""
    label = " ".join((name or "").split())
    if len(label) > MAX_NAME:
        raise ValidationError({"name": f"At most {MAX_NAME} characters."})
    same_kind = list(session.scalars(select(Dataset).where(Dataset.engagement_id == engagement.id,
                                                           Dataset.kind == kind)
                                     .options(selectinload(Dataset.system)).order_by(Dataset.id)))
    by_key = {d.name_key: d for d in same_kind}
    if label:
        found = by_key.get(name_key(label))
        if found is not None and found.system_id not in (None, system.id):
            raise ValidationError({"name": f"The {KINDS[kind].label.lower()} dataset {found.name!r} holds extracts "
                                           f"of {found.system.name}, not {system.name}: upload it for "
                                           f"{found.system.name}, or give this extract another name."})
        return found, found.name if found is not None else label
    candidates = default_names(kind, system)
    own = [d for d in same_kind if d.system_id == system.id]
    if len(own) > 1:  # named by hand; the one with a default name, if any, is the system's own
        keys = [name_key(c) for c in candidates]
        own = [d for d in own if d.name_key in keys] or own
    if len(own) == 1:
        return own[0], own[0].name
    if own:
        raise ValidationError({"name": f"{system.name} has {len(own)} {KINDS[kind].label.lower()} datasets "
                                       f"({', '.join(d.name for d in own)}): name the one to add a version to."})
    for candidate in candidates:
        if name_key(candidate) not in by_key:
            return None, candidate
    number = 2
    while name_key(f"{candidates[-1]} {number}") in by_key:
        number += 1
    return None, f"{candidates[-1]} {number}"


def _clip(text: str) -> str:
    return " ".join(text.split())[:MAX_NAME]
