"""The bundle's `signoffs` section (docs/bundle-format.md): every sign-off of a decision or requirement.

Bundles carry no users or share links, so an author travels by name. Versions do not travel either (an
imported element starts again at version 1): a sign-off keeps whether it was stale. The import gives a current
one the new element's version, and a stale one its own version unless that is the new element's (then 0, which
no element ever has).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Element, Engagement, SignOff
from models.signoffs import SIGNOFF_KINDS

Errors = dict[str, list[str]]


def export_signoffs(session: Session, engagement: Engagement, local: dict[tuple[str, int], str]) -> list[dict]:
    """The engagement's sign-offs, oldest first, targets as bundle ids; `local` maps (element, id) -> bundle id."""
    rows = session.execute(
        select(SignOff, Element.version).join(Element, Element.id == SignOff.target_id)
        .where(SignOff.engagement_id == engagement.id).order_by(SignOff.id)
    )
    return [
        {"target": local[("element", row.target_id)], "verdict": row.verdict, "note": row.note,
         "author": row.author_name, "signed_at": _iso(row.signed_at), "version": row.target_version,
         "stale": row.target_version != current}
        for row, current in rows
    ]


def import_signoffs(session: Session, engagement: Engagement, entries: list[dict[str, Any]],
                    db_ids: dict[str, int], kinds: dict[str, str]) -> Errors:
    """Write the section into the new engagement (no commit); errors name the entry and field."""
    errors: Errors = {}
    made = []
    for i, entry in enumerate(entries):
        path = f"$.signoffs[{i}]"
        kind = kinds.get(entry["target"])
        if kind not in SIGNOFF_KINDS or entry["target"] not in db_ids:
            errors.setdefault(f"{path}.target", []).append(
                f"{entry['target']!r} is not a decision or requirement of this bundle.")
            continue
        try:
            signed_at = datetime.fromisoformat(entry["signed_at"])
        except ValueError:
            errors.setdefault(f"{path}.signed_at", []).append("Not an ISO 8601 date and time.")
            continue
        if signed_at.tzinfo is None:
            signed_at = signed_at.replace(tzinfo=UTC)  # as the exports write them: in UTC
        made.append((entry, kind, signed_at))
    if errors or not made:
        return errors
    session.flush()
    ids = {db_ids[entry["target"]] for entry, _kind, _at in made}
    versions = {row.id: row.version for row in session.execute(
        select(Element.id, Element.version).where(Element.id.in_(ids)))}
    for entry, kind, signed_at in made:
        target_id = db_ids[entry["target"]]
        session.add(SignOff(
            engagement_id=engagement.id, target_kind=kind, target_id=target_id,
            target_version=_version(entry, versions[target_id]), verdict=entry["verdict"],
            note=entry.get("note", ""), author_name=entry["author"], signed_at=signed_at))
    return errors


def _version(entry: dict[str, Any], current: int) -> int:
    """The version a carried sign-off gets: a current one the target's, a stale one any other (its own if it can)."""
    if not entry["stale"]:
        return current
    return entry["version"] if entry["version"] != current else 0


def _iso(value: datetime) -> str:
    # SQLite gives timestamps back without their zone; they are stored in UTC.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
