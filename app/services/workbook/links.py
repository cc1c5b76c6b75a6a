"""Trace links from the requirements and decisions sheets (satisfied_by, refines, addresses, affects): the
links a cell names are added, the ones it no longer names removed; a row whose links changed is updated."""

from __future__ import annotations

from typing import Any

from app.services.catalog.trace import add_link, remove_link
from app.services.errors import ValidationError
from app.services.workbook.cells import _items, _raw_items
from app.services.workbook.mapping import LINKS
from app.services.workbook.resolve import _Skip
from app.services.workbook.state import ImportRun


def apply_links(run: ImportRun) -> None:
    """Add and remove trace links so each link column names exactly what its cell names."""
    for sheet, row, element, column in run.pending_links:
        kind, outward = LINKS[sheet][column]
        try:
            wanted = _link_ends(run, column, row.cells.get(column))
        except _Skip:
            continue
        except ValueError as exc:
            run.log.error(sheet, row.number, column, str(exc))
            continue
        current = set(run.index.link_ends.get((kind, outward, element.id), ()))
        if wanted == current:
            continue
        if run.dry_run:
            if element.id in wanted:
                run.log.error(sheet, row.number, column, "An element cannot be linked to itself.")
            else:
                run.log.touched(sheet, row)
            continue
        failed = False
        for other in sorted(wanted - current):
            source, target = (element.id, other) if outward else (other, element.id)
            try:
                link = add_link(run.session, run.engagement, kind, source, target, user_id=run.user_id, commit=False)
            except ValidationError as exc:
                for messages in exc.errors.values():
                    for message in messages:
                        run.log.error(sheet, row.number, column, message)
                failed = True
                continue
            run.index.index_link(kind, source, target, link.id)
        for other in sorted(current - wanted):
            source, target = (element.id, other) if outward else (other, element.id)
            remove_link(
                run.session,
                run.engagement,
                run.index.links.pop((kind, source, target)),
                user_id=run.user_id,
                commit=False,
            )
            run.index.link_ends[(kind, True, source)].discard(target)
            run.index.link_ends[(kind, False, target)].discard(source)
        if not failed:
            run.log.touched(sheet, row)


def _link_ends(run: ImportRun, column: str, value: Any) -> set[int]:
    if value is None:
        return set()
    if column in ("satisfied_by", "affects"):
        found, errors = [], []
        for item in _raw_items(value):
            try:
                found.append(run.resolver.find_element(item).id)
            except ValueError as exc:
                errors.append(str(exc))
        if errors:
            raise ValueError(" ".join(errors))
        return set(found)
    found, errors = [], []
    for item in _items(value):
        try:
            found.append(run.resolver.find_numbered("requirement", item).id)
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValueError(" ".join(errors))
    return set(found)
