"""Sign-offs: a reviewer's approval or rejection of a decision or a requirement, at one version of it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TZDateTime, utcnow
from models.elements import Element

SIGNOFF_KINDS = ("decision", "requirement")
VERDICTS = {"approved": "Approved", "rejected": "Rejected"}


class SignOff(Base):
    """One verdict by one author; an author's newer sign-off on a target supersedes (but keeps) the older ones."""

    __tablename__ = "signoffs"
    __table_args__ = (
        CheckConstraint("target_kind IN ('decision', 'requirement')", name="target_kind"),
        CheckConstraint("verdict IN ('approved', 'rejected')", name="verdict"),
        # The status of many targets is read in one query: by target, newest first.
        Index("ix_signoffs_target", "target_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    target_kind: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"))
    # The target's version when signed: once the target has moved on, the sign-off is stale (like a suspect
    # trace link) until the author signs again.
    target_version: Mapped[int]
    verdict: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    # A member (author_user_id) or a link holder (share_link_id) signed; the service sets exactly one. No CHECK:
    # deleting the user empties author_user_id and the sign-off stays, under author_name.
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The review link a link holder signed through; the sign-off outlives the link, under author_name.
    share_link_id: Mapped[int | None] = mapped_column(ForeignKey("share_links.id", ondelete="SET NULL"))
    # Kept as written: the name outlives a deleted user or a revoked link.
    author_name: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    target: Mapped[Element] = relationship()

    @property
    def stale(self) -> bool:
        """True when the target was edited after this sign-off."""
        return self.target.version != self.target_version

    @property
    def author_key(self) -> tuple[str, int | str]:
        """Who signed, as a key that tells a member from a link holder with the same id."""
        return author_key(self.author_user_id, self.share_link_id, self.author_name)


def author_key(user_id: int | None, link_id: int | None, name: str) -> tuple[str, int | str]:
    """The key of a sign-off's author: the share link, else the member, else (a deleted user, or an imported
    sign-off: bundles carry no users) the name."""
    if link_id is not None:
        return ("link", link_id)
    return ("user", user_id) if user_id is not None else ("name", name)
