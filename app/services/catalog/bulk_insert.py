"""Many new elements written at once: the objects save_element built (validated, named, snapshotted) become
rows inserted with one INSERT per table, instead of going through the unit of work object by object.

Used by the bundle import (app/services/bundle/importer.py), where a flush of thousands of new elements
and their collections took most of the time. It writes what a flush would: each element's own columns
(references as their foreign keys), its many-to-many rows (scenarios, channels, entities) and its child
rows (tags, decision participants). The built objects then leave the session and the elements come back
loaded from the database, persistent and clean, for the objects that refer to them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Mapper, RelationshipDirection, Session

from models import Element

_CHUNK = 500  # ids per IN (...) when loading back: well under every backend's parameter limit


def insert_elements(session: Session, elements: list[Element]) -> list[Element]:
    """Insert new elements (built by save_element(..., add=False, deferred=...), or pending and unflushed) in
    bulk; return them loaded back, in the same order."""
    if not elements:
        return []
    groups: dict[type, list[Element]] = defaultdict(list)
    for element in elements:
        groups[type(element)].append(element)
    with session.no_autoflush:  # a flush would insert the built objects a second time
        _insert(session, groups, elements)
    return _load(session, groups, elements)


def _insert(session: Session, groups: dict[type, list[Element]], elements: list[Element]) -> None:
    for model, group in groups.items():
        mapper = inspect(model)
        stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
        # Rows that set the same columns go together: the returned ids then match the rows one to one.
        alike: dict[frozenset, list[tuple[Element, dict]]] = defaultdict(list)
        for element in group:
            row = _columns(mapper, element)
            alike[frozenset(row)].append((element, row))
        for pairs in alike.values():
            ids = session.scalars(stmt, [row for _, row in pairs]).all()
            for (element, _), new_id in zip(pairs, ids, strict=True):
                element.id = new_id
    secondary: dict[Any, list[dict]] = defaultdict(list)
    children: dict[type, list[dict]] = defaultdict(list)
    touched: dict[tuple[int, str], Any] = {}  # (id(object), attribute) -> an object a backref changed in memory
    for element in elements:
        _collections(inspect(type(element)), element, secondary, children, touched)
    for table, rows in secondary.items():
        session.execute(insert(table), rows)
    for model, rows in children.items():
        session.execute(insert(model), rows)
    for element in elements:
        if element in session:
            session.expunge(element)  # its tags and participants go with it (cascade)
    for (_, attribute), obj in touched.items():
        # A backref (Scenario.members) holds the built objects as unsaved appends: the rows are written.
        if obj in session:
            session.expire(obj, [attribute])


def _columns(mapper: Mapper, obj: Any) -> dict[str, Any]:
    """The values a flush would insert for `obj`: its column attributes and its many-to-one foreign keys."""
    state = obj.__dict__
    row = {prop.key: state[prop.key] for prop in mapper.column_attrs if prop.key in state}
    for rel in mapper.relationships:
        if rel.direction is not RelationshipDirection.MANYTOONE or rel.key not in state:
            continue
        target = state[rel.key]
        for local, remote in rel.local_remote_pairs:
            row[mapper.get_property_by_column(local).key] = getattr(target, remote.key) if target is not None else None
    return row


def _collections(mapper: Mapper, element: Element, secondary: dict, children: dict, touched: dict) -> None:
    """The many-to-many and child rows of one element (its id known), collected by table or model."""
    state = element.__dict__
    for rel in mapper.relationships:
        if rel.key not in state or rel.direction is RelationshipDirection.MANYTOONE:
            continue
        items = state[rel.key] or []
        if rel.secondary is not None:
            for item in items:
                row = {col.key: getattr(element, mapper.get_property_by_column(parent).key)
                       for parent, col in rel.synchronize_pairs}
                row.update((col.key, getattr(item, inspect(type(item)).get_property_by_column(target).key))
                           for target, col in rel.secondary_synchronize_pairs)
                secondary[rel.secondary].append(row)
                if rel.back_populates:
                    touched[(id(item), rel.back_populates)] = item
        else:
            child_mapper = rel.mapper
            for item in items:
                row = _columns(child_mapper, item)
                for parent, col in rel.synchronize_pairs:
                    row[child_mapper.get_property_by_column(col).key] = getattr(
                        element, mapper.get_property_by_column(parent).key
                    )
                children[child_mapper.class_].append(row)


def _load(session: Session, groups: dict[type, list[Element]], elements: list[Element]) -> list[Element]:
    loaded: dict[int, Element] = {}
    for model, group in groups.items():
        ids = [element.id for element in group]
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            loaded.update((e.id, e) for e in session.scalars(select(model).where(model.id.in_(chunk))))
    return [loaded[element.id] for element in elements]
