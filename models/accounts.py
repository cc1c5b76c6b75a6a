"""Users, login sessions and engagement memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TZDateTime, utcnow

# The installation's accounts: no engagement's data (neither carried in a bundle nor part of its revision).
ACCOUNT_TABLES = ("users", "login_sessions", "account_tokens", "digest_marks", "api_tokens")


class User(Base):
    """A consultant, client reviewer or architect who logs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The login-session id this instance was loaded through (set by the accounts service), which is
    # what Flask-Login keeps in the cookie: a new one at each login, worthless after logout.
    login_token = None  # type: str | None
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str | None:
        """Identifier kept in the session cookie: the login session id, not the user id."""
        return self.login_token


class LoginSession(Base):
    """One server-side login; its random id is what the session cookie carries."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    user: Mapped[User] = relationship()


class AccountToken(Base):
    """A one-time link an admin hands out: an invitation (set a password, become active) or a password reset.
    Only the token's SHA-256 is stored, so a copy of the database holds no usable link."""

    __tablename__ = "account_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('invite', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    used_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Membership(Base):
    """A user's role in one engagement; without one the engagement does not exist for them."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "engagement_id"),
        CheckConstraint("role IN ('owner', 'editor', 'reviewer', 'viewer')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship(back_populates="memberships")
    engagement: Mapped[Engagement] = relationship(back_populates="memberships")  # noqa: F821
