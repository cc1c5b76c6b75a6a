"""The bundle's optional `comments` section (docs/bundle-format.md): review threads and their replies.

Anchors travel by bundle id (an element's, or "system id:entity id" for an ownership cell); a finding's key and
a report section's key travel as they are. Authors travel by name only: user accounts and share links belong to
the installation, so an imported comment names its writer but links to no account. Mentions of stakeholders
travel by bundle id; mentions of members by name only (the words stay marked, the member ids stay behind).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.bundle.runs import _iso, _time
from models import Comment, Element, Engagement, Scenario
from models.comments import ELEMENT_ANCHORS

Errors = dict[str, list[str]]
_TIMES = ("created_at", "edited_at", "resolved_at")
_ANCHOR_KINDS = {kind: (kind,) for kind in ELEMENT_ANCHORS} | {"ownership": ("system", "entity")}


def export_comments(session: Session, engagement: Engagement, local: dict[tuple[str, int], str]) -> list[dict]:
    """Every comment, oldest first (so a reply follows its thread); `local` maps (scenario|element, id) -> bundle id."""
    out = []
    ids: dict[int, str] = {}
    rows = session.scalars(select(Comment).where(Comment.engagement_id == engagement.id).order_by(Comment.id))
    for n, comment in enumerate(rows, 1):
        key = _export_key(comment, local)
        if key is None:
            continue  # its element is gone (a deleted object's threads have nothing to point at in a copy)
        ids[comment.id] = f"comment-{n}"
        mentions = comment.mentions or {}
        out.append({
            "id": ids[comment.id], "anchor_kind": comment.anchor_kind, "anchor_key": key,
            "scenario_id": local.get(("scenario", comment.scenario_id)) if comment.scenario_id else None,
            "parent": ids.get(comment.parent_id) if comment.parent_id else None,
            "body": comment.body, "author_name": comment.author_name,
            "resolved_by_name": comment.resolved_by_name, "include_in_report": comment.include_in_report,
            "mentioned_stakeholders": [local[("element", s)] for s in mentions.get("stakeholders", ())
                                       if ("element", s) in local],
            "mentioned_names": list(mentions.get("names", ())),
            **{name: _iso(getattr(comment, name)) for name in _TIMES},
        })
    return out


def import_comments(session: Session, engagement: Engagement, entries: list[dict[str, Any]],
                    db_ids: dict[str, int]) -> Errors:
    """Store the comments against the new engagement's objects (no commit); errors keyed by JSON path."""
    errors: Errors = {}
    if not entries:
        return errors
    session.flush()
    kinds = dict(session.execute(select(Element.id, Element.kind).where(Element.engagement_id == engagement.id)).all())
    scenarios = set(session.scalars(select(Scenario.id).where(Scenario.engagement_id == engagement.id)))
    made: dict[str, Comment] = {}
    for i, entry in enumerate(entries):
        path = f"$.comments[{i}]"
        found: Errors = {}
        key = _import_key(entry, db_ids, kinds, found, path)
        scenario_id = db_ids.get(entry["scenario_id"]) if entry.get("scenario_id") else None
        if entry.get("scenario_id") and scenario_id not in scenarios:
            found.setdefault(f"{path}.scenario_id", []).append(f"Unknown scenario {entry['scenario_id']!r}.")
        parent = made.get(entry["parent"]) if entry.get("parent") else None
        if entry.get("parent") and parent is None:
            found.setdefault(f"{path}.parent", []).append(
                f"Unknown comment {entry['parent']!r}: a reply follows the comment it answers.")
        stakeholders = [db_ids.get(s) for s in entry.get("mentioned_stakeholders", ())]
        if any(kinds.get(s) != "stakeholder" for s in stakeholders):
            found.setdefault(f"{path}.mentioned_stakeholders", []).append("Name stakeholders of this bundle.")
        times = {}
        for name in _TIMES:
            try:
                times[name] = _time(entry.get(name))
            except ValueError:
                found.setdefault(f"{path}.{name}", []).append("Must be an ISO 8601 timestamp.")
        if found:
            for k, v in found.items():
                errors.setdefault(k, []).extend(v)
            continue
        names = entry.get("mentioned_names") or []
        comment = Comment(
            engagement_id=engagement.id, scenario_id=scenario_id, anchor_kind=entry["anchor_kind"], anchor_key=key,
            body=entry["body"], author_name=entry["author_name"], resolved_by_name=entry.get("resolved_by_name") or "",
            include_in_report=bool(entry.get("include_in_report")),
            mentions={"users": [], "stakeholders": stakeholders, "names": names} if names else {},
            **{k: v for k, v in times.items() if v is not None or k != "created_at"},
        )
        comment.parent_id = parent.id if parent is not None else None
        session.add(comment)
        session.flush()  # one at a time: the copy's ids keep the bundle's order, and a reply can name its thread
        made[entry["id"]] = comment
    return errors


def _export_key(comment: Comment, local: dict[tuple[str, int], str]) -> str | None:
    if comment.anchor_kind not in _ANCHOR_KINDS:
        return comment.anchor_key
    parts = [local.get(("element", int(p))) if p.isdigit() else None for p in comment.anchor_key.split(":")]
    return None if None in parts else ":".join(parts)


def _import_key(entry: dict, db_ids: dict[str, int], kinds: dict[int, str], errors: Errors, path: str) -> str:
    wanted = _ANCHOR_KINDS.get(entry["anchor_kind"])
    if wanted is None:
        return entry["anchor_key"]
    parts = entry["anchor_key"].split(":")
    ids = [db_ids.get(p) for p in parts]
    if len(parts) != len(wanted) or any(kinds.get(i) != k for i, k in zip(ids, wanted, strict=False)):
        errors.setdefault(f"{path}.anchor_key", []).append(
            f"{entry['anchor_key']!r} is not a {' and a '.join(wanted)} of this bundle.")
    return ":".join(str(i) for i in ids)
