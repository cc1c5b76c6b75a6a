"""Personal API tokens: create (the secret is returned once), list, revoke, and find the user behind one."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.errors import NotFound, ValidationError
from models import User
from models.api_tokens import ApiToken

# Tokens start with a fixed marker so secret scanners and people recognise them.
MARKER = "tl_"


@dataclass(frozen=True)
class NewToken:
    """A token just created: the row, and its secret, which is never stored nor shown again."""

    token: ApiToken
    secret: str


def digest(secret: str) -> str:
    """The SHA-256 (hex) a token is stored as."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(session: Session, user: User, name: str, *, read_only: bool = False,
                 expires_on: date | None = None) -> NewToken:
    """Create a token for `user`; raise ValidationError naming the field on a bad name or a past expiry."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Give the token a name, e.g. the script that will use it."
    elif len(name) > 100:
        errors["name"] = "At most 100 characters."
    if expires_on is not None and expires_on <= _now().date():
        errors["expires_on"] = "The expiry date must be in the future."
    if errors:
        raise ValidationError(errors)
    secret = MARKER + secrets.token_urlsafe(32)
    expires_at = datetime.combine(expires_on, time.min, tzinfo=UTC) if expires_on else None
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:10], token_hash=digest(secret),
                     read_only=read_only, expires_at=expires_at)
    session.add(token)
    session.commit()
    return NewToken(token, secret)


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """A user's tokens that are not revoked, newest first."""
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def revoke_token(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the user's tokens (someone else's is NotFound)."""
    token = session.scalar(select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id,
                                                  ApiToken.revoked_at.is_(None)))
    if token is None:
        raise NotFound("No such token.")
    token.revoked_at = _now()
    session.commit()


def token_for(session: Session, secret: str) -> ApiToken | None:
    """The live token with this secret (not revoked, not expired, its user active), or None."""
    if not secret.startswith(MARKER) or len(secret) > 100:
        return None
    token = session.scalar(
        select(ApiToken).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == digest(secret), ApiToken.revoked_at.is_(None), User.is_active.is_(True))
    )
    if token is None or (token.expires_at is not None and _aware(token.expires_at) <= _now()):
        return None
    return token


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)
