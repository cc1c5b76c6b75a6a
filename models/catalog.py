"""Catalog elements: systems, channels, data entities, stakeholders."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.elements import Element, element_channels


class Channel(Element):
    """A sales or service channel: web, app, store, marketplace, call centre…"""

    __tablename__ = "channels"
    __mapper_args__ = {"polymorphic_identity": "channel"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    customer_facing: Mapped[bool | None] = mapped_column()


class DataEntity(Element):
    """A business data entity: product, inventory, price, order, customer…"""

    __tablename__ = "data_entities"
    __mapper_args__ = {"polymorphic_identity": "entity"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    time_critical: Mapped[bool | None] = mapped_column()


class Stakeholder(Element):
    """A person on the client or agency side."""

    __tablename__ = "stakeholders"
    __mapper_args__ = {"polymorphic_identity": "stakeholder"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(200), default="")
    team: Mapped[str] = mapped_column(String(200), default="")
    area: Mapped[str | None] = mapped_column(String(30))
    influence: Mapped[str | None] = mapped_column(String(10))
    interest: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(254), default="")


class System(Element):
    """An application in the client's landscape."""

    __tablename__ = "systems"
    __mapper_args__ = {"polymorphic_identity": "system"}

    id: Mapped[int] = mapped_column(ForeignKey("elements.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str | None] = mapped_column(String(30))
    vendor: Mapped[str] = mapped_column(String(200), default="")
    product: Mapped[str] = mapped_column(String(200), default="")
    hosting: Mapped[str | None] = mapped_column(String(20))
    lifecycle: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholders.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[Stakeholder | None] = relationship(foreign_keys=[owner_id])
    channels: Mapped[list[Channel]] = relationship(
        secondary=element_channels,
        primaryjoin="System.id == element_channels.c.element_id",
        secondaryjoin="Channel.id == element_channels.c.channel_id",
        order_by="Channel.id",
    )
