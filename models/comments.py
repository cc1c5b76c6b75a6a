"""Review comments anchored to an object of an engagement, the review events the digest reads, and how far
each user has read that digest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TZDateTime, utcnow

# What a comment can be anchored to, and the label of each: the one list the service, pages and tests use.
ANCHOR_KINDS = {
    "requirement": "Requirement",
    "decision": "Decision",
    "system": "System",
    "flow": "Flow",
    "ownership": "Ownership cell",
    "finding": "Finding",
    "section": "Report section",
}
# Anchors that are elements of the model: their key is the element's id.
ELEMENT_ANCHORS = ("requirement", "decision", "system", "flow")
BODY_MAX = 4000
_KINDS_SQL = ", ".join(f"'{k}'" for k in ANCHOR_KINDS)


class Comment(Base):
    """One comment (or a reply to one) on an anchor: an element, an ownership cell, a finding or a report section.

    The writer is a member (author_user_id) or a share-link holder (share_link_id); author_name is kept so the
    comment still reads right after the user or link is gone."""

    __tablename__ = "comments"
    __table_args__ = (
        CheckConstraint(f"anchor_kind IN ({_KINDS_SQL})", name="anchor_kind"),
        Index("ix_comments_anchor", "engagement_id", "anchor_kind", "anchor_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    scenario_id: Mapped[int | None] = mapped_column(ForeignKey("scenarios.id", ondelete="SET NULL"))
    anchor_kind: Mapped[str] = mapped_column(String(20))
    anchor_key: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The review link a holder wrote through; the comment outlives the link, under author_name.
    share_link_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    resolved_by_name: Mapped[str] = mapped_column(String(200), default="")
    include_in_report: Mapped[bool] = mapped_column(default=False)
    # {"users": [member user ids], "stakeholders": [stakeholder element ids]} named by "@Name" in the body.
    mentions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    replies: Mapped[list[Comment]] = relationship(cascade="all, delete-orphan", order_by="Comment.id")

    @property
    def is_open(self) -> bool:
        """True until the thread is resolved."""
        return self.resolved_at is None


class ReviewEvent(Base):
    """Something that happened in a review round (a comment, a sign-off, an answer), for the digest."""

    __tablename__ = "review_events"
    __table_args__ = (Index("ix_review_events_engagement_id_id", "engagement_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(String(300))
    anchor_kind: Mapped[str | None] = mapped_column(String(20))
    anchor_key: Mapped[str | None] = mapped_column(String(200))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    # The member who caused it (never told of their own doing), and the members it names.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    mentioned_user_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class DigestMark(Base):
    """How far a user has read (on the page) and been mailed (by `flask send-digests`) the review events."""

    __tablename__ = "digest_marks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seen_event_id: Mapped[int] = mapped_column(default=0)
    mailed_event_id: Mapped[int] = mapped_column(default=0)
