"""The element core: one id space for every catalogued object, so links, history and exports stay generic."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, Timestamps
from models.engagement import Engagement, Scenario, scenario_members

element_channels = Table(
    "element_channels",
    Base.metadata,
    Column("element_id", ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True),
    Column("channel_id", ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Element(Timestamps, Base):
    """Anything in an engagement's model: systems, channels, entities, flows, requirements…"""

    __tablename__ = "elements"
    __table_args__ = (
        # name_key is NULL for kinds whose names need not be unique (flows, ownerships, requirements…).
        UniqueConstraint("engagement_id", "kind", "name_key"),
        UniqueConstraint("engagement_id", "ref"),
        Index("ix_elements_engagement_kind", "engagement_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str | None] = mapped_column(String(300))
    ref: Mapped[str | None] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(default=1)
    # The identifier the element had in an imported ArchiMate model, reused when exporting it again.
    external_id: Mapped[str | None] = mapped_column(String(200))

    engagement: Mapped[Engagement] = relationship()
    scenarios: Mapped[list[Scenario]] = relationship(
        secondary=scenario_members, back_populates="members", order_by="Scenario.id"
    )
    tag_rows: Mapped[list[Tag]] = relationship(
        cascade="all, delete-orphan", order_by="Tag.tag", back_populates="element"
    )

    __mapper_args__ = {"polymorphic_on": "kind"}

    @property
    def tags(self) -> list[str]:
        """Tags as plain strings, sorted."""
        return [row.tag for row in self.tag_rows]

    @property
    def label(self) -> str:
        """Human label: `REF title` for referenced kinds, the name otherwise."""
        return f"{self.ref} {self.name}" if self.ref else self.name


class Tag(Base):
    """A free-text tag on an element."""

    __tablename__ = "element_tags"

    element_id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
    element: Mapped[Element] = relationship(back_populates="tag_rows")



