"""Sign-off status of decisions and requirements, read in one query: what the matrices, the report and the
review loop show. Recording a sign-off is app/services/review/signoffs.py; this module sits below both the
catalog and the review package so that each can read statuses without importing the other.

The overall status of a target, from its authors' latest verdicts:

- `rejected`: someone's current (not stale) verdict is a rejection;
- `stale`: otherwise, some verdict is stale (the target changed since it was signed);
- `approved`: every verdict is a current approval;
- `none`: nobody signed off yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Element, ReviewEvent, SignOff
from models.signoffs import SIGNOFF_KINDS, VERDICTS, author_key

OVERALL = {"approved": "Approved", "rejected": "Rejected", "stale": "Stale: changed since sign-off",
           "none": "Not signed off"}


@dataclass(frozen=True)
class Verdict:
    """One author's latest sign-off on a target."""

    author: str
    verdict: str
    note: str
    signed_at: datetime
    version: int
    stale: bool
    user_id: int | None = None
    link_id: int | None = None


@dataclass(frozen=True)
class Status:
    """A target's sign-off status: the overall word, the version it is at, and each author's verdict."""

    target_id: int
    version: int
    overall: str = "none"
    verdicts: tuple[Verdict, ...] = ()

    @property
    def label(self) -> str:
        """The overall status in words."""
        return OVERALL[self.overall]

    @property
    def summary(self) -> str:
        """One line for exports: each author's verdict, when and on which version."""
        return "; ".join(
            f"{VERDICTS[v.verdict]} by {v.author} on {v.signed_at:%Y-%m-%d} (version {v.version}"
            f"{', stale' if v.stale else ''})" for v in self.verdicts
        )


def statuses(session: Session, engagement_id: int, target_ids: Iterable[int] | None = None) -> dict[int, Status]:
    """Status per signed-off target, in one query (the matrix and the report ask for thousands at once); a
    target nobody signed off is absent (its status is `none`). None for `target_ids` means every target."""
    # Plain columns, not SignOff objects: the report and the bench read every sign-off of an engagement.
    query = (select(SignOff.target_id, SignOff.author_user_id, SignOff.share_link_id, SignOff.author_name,
                    SignOff.verdict, SignOff.note, SignOff.signed_at, SignOff.target_version, Element.version)
             .join(Element, Element.id == SignOff.target_id)
             .where(SignOff.engagement_id == engagement_id).order_by(SignOff.target_id, SignOff.id.desc()))
    wanted = None if target_ids is None else set(target_ids)
    if wanted is not None and len(wanted) <= 500:  # a page's worth: let the index pick them
        query = query.where(SignOff.target_id.in_(wanted))
    latest: dict[int, dict[tuple, Verdict]] = {}
    versions: dict[int, int] = {}
    for tid, user_id, link_id, name, verdict, note, at, version, current in session.execute(query):
        if wanted is not None and tid not in wanted:
            continue
        versions[tid] = current
        # Newest first: the first row seen per author is their verdict, the rest is history.
        latest.setdefault(tid, {}).setdefault(author_key(user_id, link_id, name), Verdict(
            author=name, verdict=verdict, note=note, signed_at=at, version=version, stale=version != current,
            user_id=user_id, link_id=link_id))
    return {tid: Status(tid, versions[tid], _overall(list(by.values())), tuple(by.values()))
            for tid, by in latest.items()}


def _overall(verdicts: list[Verdict]) -> str:
    if not verdicts:
        return "none"
    if any(v.verdict == "rejected" and not v.stale for v in verdicts):
        return "rejected"
    if any(v.stale for v in verdicts):
        return "stale"
    return "approved"


def note_staled(session: Session, engagement_id: int, element: Element) -> None:
    """After an edit of a signed-off target: tell the digest which current sign-offs it just made stale."""
    if element.kind not in SIGNOFF_KINDS:
        return
    authors = session.scalars(select(SignOff.author_name).where(
        SignOff.target_id == element.id, SignOff.target_version == element.version - 1)).all()
    if authors:
        # Written as a row, not through review.events: the catalog calls this, and review reads the catalog.
        session.add(ReviewEvent(engagement_id=engagement_id, kind="stale", anchor_kind=element.kind,
                                anchor_key=str(element.id), actor_name="",
                                summary=f"{element.label} changed after its sign-off by "
                                        f"{', '.join(sorted(set(authors)))}"[:300], mentioned_user_ids=[]))
