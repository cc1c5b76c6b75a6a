"""Sign-off of decisions and requirements: record a verdict, and tell the status of one target or of many.

An author's newest sign-off on a target is their verdict; older ones stay as history. A verdict is stale once
the target's version moved past the one it was given on (an edit after sign-off, as with suspect trace links).
Statuses are read by app/services/signoff_status.py (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.errors import Conflict, Forbidden, NotFound, ValidationError
from app.services.review.author import Author
from app.services.review.events import record_event
from app.services.signoff_status import OVERALL, Status, Verdict, statuses  # noqa: F401 (re-exported)
from models import Change, Element, Engagement, Membership, SignOff
from models.signoffs import SIGNOFF_KINDS, VERDICTS
from models.vocab import SIGNOFF_ROLES

MAX_NOTE = 2000


def member_author(membership: Membership) -> Author:
    """The Author a member writes as; owners and reviewers may sign off (models/vocab.py SIGNOFF_ROLES)."""
    return Author(name=membership.user.name, user_id=membership.user_id,
                  can_sign_off=membership.role in SIGNOFF_ROLES)


def sign_off(session: Session, engagement: Engagement, author: Author, target_kind: str, target_id: int,
             verdict: str, note: str = "", *, version: int | None = None) -> SignOff:
    """Record `author`'s verdict on a decision or requirement of this engagement, at its current version.

    Raises Forbidden (the author may not sign off), ValidationError (naming the field), NotFound (no such
    target in this engagement) or Conflict (`version` given and the target has moved on since it was read)."""
    if not author.can_sign_off:
        raise Forbidden("Your role can read this engagement but not sign off.")
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if target_kind not in SIGNOFF_KINDS:
        errors["target_kind"] = f"Must be one of: {', '.join(SIGNOFF_KINDS)}."
    if verdict not in VERDICTS:
        errors["verdict"] = f"Must be one of: {', '.join(VERDICTS)}."
    elif verdict == "rejected" and not note:
        errors["note"] = "Say why you reject it: a rejection needs a note."
    if len(note) > MAX_NOTE:
        errors["note"] = f"At most {MAX_NOTE} characters (this one has {len(note)})."
    if errors:
        raise ValidationError(errors)
    # Read here rather than through catalog.elements: the catalog's matrix reads sign-offs from this module.
    target = session.scalar(select(Element).where(Element.id == target_id, Element.engagement_id == engagement.id,
                                                  Element.kind == target_kind))
    if target is None:
        raise NotFound(f"No {target_kind} {target_id} in this engagement.")
    if version is not None and version != target.version:
        raise Conflict(target.version, f"{target.label} was changed since you read it: read it again, then sign off.")
    row = SignOff(engagement_id=engagement.id, target_kind=target_kind, target=target, target_version=target.version,
                  verdict=verdict, note=note, author_user_id=author.user_id, share_link_id=author.link_id,
                  author_name=author.label[:200])
    session.add(row)
    session.add(Change(engagement_id=engagement.id, element_id=target.id, kind="signoff", action=verdict[:10],
                       user_id=author.user_id, summary=f"{target.label} {verdict} by {author.label}"[:300],
                       after={"verdict": verdict, "note": note, "version": target.version}))
    record_event(session, engagement.id, "signoff", f"{target.label} {verdict} by {author.label}", target_kind,
                 str(target.id), author.label, actor_user_id=author.user_id)
    session.commit()
    return row


def status_of(session: Session, engagement_id: int, target: Element) -> Status:
    """The sign-off status of one decision or requirement."""
    return statuses(session, engagement_id, [target.id]).get(target.id) or Status(target.id, target.version)


def history_of(session: Session, engagement_id: int, target_id: int) -> list[SignOff]:
    """Every sign-off of one target, newest first (superseded ones included)."""
    return list(session.scalars(select(SignOff).where(
        SignOff.engagement_id == engagement_id, SignOff.target_id == target_id).order_by(SignOff.id.desc())))


@dataclass(frozen=True)
class RecentSignOff:
    """A sign-off as the review inbox lists it: what was signed, by whom, when, and whether it went stale."""

    row: SignOff
    target: Element
    stale: bool


def recent(session: Session, engagement_id: int, limit: int = 20) -> list[RecentSignOff]:
    """The engagement's newest sign-offs, newest first, each with its target and whether it is stale now."""
    rows = session.execute(
        select(SignOff, Element).join(Element, Element.id == SignOff.target_id)
        .where(SignOff.engagement_id == engagement_id).order_by(SignOff.id.desc()).limit(limit)
    ).all()
    return [RecentSignOff(row, target, row.target_version != target.version) for row, target in rows]
