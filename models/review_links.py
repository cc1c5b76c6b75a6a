"""Share links for client review: which engagement, scenarios and report a link reaches, and each use of it.

Only a link's SHA-256 is stored (the raw token is shown once, when it is made), and its optional passphrase is
hashed like a password: a copy of the database opens nothing. The tables stay with the installation, not the
engagement bundle (app/services/bundle/coverage.py), and no analysis reads them, so a use logged by the portal
never moves the engagement's revision (app/services/analysis/revision.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TZDateTime, utcnow
from models.engagement import Engagement, Scenario

# Tables of the review links: secrets and an access log, carried by no bundle and read by no analysis.
REVIEW_LINK_TABLES = ("share_links", "share_link_scenarios", "share_link_uses")
LINK_ROLES = {"read": "Read", "comment": "Comment", "signoff": "Sign off"}

share_link_scenarios = Table(
    "share_link_scenarios",
    Base.metadata,
    Column("link_id", ForeignKey("share_links.id", ondelete="CASCADE"), primary_key=True),
    Column("scenario_id", ForeignKey("scenarios.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ShareLink(Base):
    """A link a client opens without an account: one engagement, the scenarios it shows, a role and an expiry."""

    __tablename__ = "share_links"
    __table_args__ = (CheckConstraint("role IN ('read', 'comment', 'signoff')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(120))
    passphrase_hash: Mapped[str | None] = mapped_column(String(255))
    # A stored report PDF the link hands out; gone with the report (the link stays, without it).
    report_job_id: Mapped[int | None] = mapped_column(ForeignKey("report_jobs.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    engagement: Mapped[Engagement] = relationship()
    scenarios: Mapped[list[Scenario]] = relationship(secondary=share_link_scenarios, order_by="Scenario.id")

    @property
    def scenario_ids(self) -> frozenset[int]:
        """The ids of the scenarios the link reaches."""
        return frozenset(s.id for s in self.scenarios)


class ShareLinkUse(Base):
    """One request made with a link: when, from where, which page (without the token) and how it went."""

    __tablename__ = "share_link_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("share_links.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    client_address: Mapped[str] = mapped_column(String(64), default="")
    path: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(20))
