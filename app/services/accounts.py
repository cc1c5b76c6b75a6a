"""Users, logins and memberships."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.services.errors import NotFound, ValidationError
from models import Engagement, LoginSession, Membership, User
from models.vocab import MEMBER_ROLES

_hasher = PasswordHasher()
# Verifying against a real hash when the user is unknown keeps login timing uniform.
_DUMMY_HASH = _hasher.hash("not-a-password")
MIN_PASSWORD = 8
MAX_PASSWORD = 1000


def configure_hasher(time_cost: int, memory_kib: int) -> None:
    """Set argon2 cost (config ARGON2_TIME_COST / ARGON2_MEMORY_KIB); existing hashes upgrade at next login."""
    global _hasher, _DUMMY_HASH
    if (_hasher.time_cost, _hasher.memory_cost) != (time_cost, memory_kib):
        _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        _DUMMY_HASH = _hasher.hash("not-a-password")


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively."""
    return email.strip().lower()


def create_user(session: Session, email: str, name: str, password: str, is_admin: bool = False) -> User:
    """Create a user with an argon2-hashed password."""
    email = normalise_email(email)
    errors = new_user_errors(session, email, name)
    if problem := password_problem(password, email, name):
        errors["password"] = problem
    if errors:
        raise ValidationError(errors)
    user = User(email=email, name=name.strip(), password_hash=_hasher.hash(password), is_admin=is_admin)
    session.add(user)
    session.commit()
    return user


def new_user_errors(session: Session, email: str, name: str) -> dict[str, str]:
    """What is wrong with a new user's (normalised) email and name: empty when nothing is."""
    errors: dict[str, str] = {}
    if "@" not in email or len(email) > 254:
        errors["email"] = "Enter a valid email address."
    elif session.scalar(select(User.id).where(User.email == email)):
        errors["email"] = "A user with this email already exists."
    if not name.strip():
        errors["name"] = "Name is required."
    elif len(name.strip()) > 200:
        errors["name"] = "Name must have at most 200 characters."
    return errors


def hash_password(password: str) -> str:
    """The argon2id hash stored for a password."""
    return _hasher.hash(password)


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why a password may not be used (too short, too long, common, or the user's own name/email), or None."""
    from app.services.common_passwords import is_common

    if len(password) < MIN_PASSWORD:
        return f"Password must have at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Password must have at most {MAX_PASSWORD} characters."
    folded = password.casefold()
    own = {normalise_email(email), normalise_email(email).split("@")[0], name.strip().casefold()} - {""}
    if is_common(password) or folded in own:
        return "This password is too common or too easy to guess: choose another."
    return None


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def start_login(session: Session, user: User, max_age: timedelta | None = None) -> str:
    """Open a new server-side login session and return its id (a new id at every login).

    Logins older than `max_age` (anyone's) are deleted on the way: they can no longer be used anyway."""
    if max_age is not None:
        session.execute(delete(LoginSession).where(LoginSession.created_at < _now() - max_age))
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(id=token, user_id=user.id))
    session.commit()
    user.login_token = token
    return token


def end_login(session: Session, token: str | None) -> None:
    """Close a login session so its cookie is worthless from now on."""
    if token:
        session.execute(delete(LoginSession).where(LoginSession.id == token))
        session.commit()


def user_for_login(session: Session, token: str, max_age: timedelta | None = None) -> User | None:
    """The active user behind a login session id, when the login is younger than `max_age`."""
    query = select(User).join(LoginSession, LoginSession.user_id == User.id).where(
        LoginSession.id == token, User.is_active.is_(True)
    )
    if max_age is not None:
        query = query.where(LoginSession.created_at >= _now() - max_age)
    user = session.scalar(query)
    if user is not None:
        user.login_token = token
    return user


def _now() -> datetime:
    return datetime.now(UTC)


def user_by_email(session: Session, email: str) -> User | None:
    """The user with this email (compared case-insensitively), or None."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def user_name(session: Session, user_id: int) -> str | None:
    """A user's display name (None when there is no such user)."""
    return session.scalar(select(User.name).where(User.id == user_id))


def engagement_members(session: Session, engagement_id: int) -> list[Membership]:
    """The engagement's memberships, by the member's email."""
    return session.scalars(
        select(Membership).join(User).where(Membership.engagement_id == engagement_id).order_by(User.email)
    ).all()


def set_membership(session: Session, engagement: Engagement, email: str, role: str) -> Membership:
    """Give a user (by email) a role in an engagement, or change it."""
    if role not in MEMBER_ROLES:
        raise ValidationError({"role": f"Role must be one of {', '.join(MEMBER_ROLES)}."})
    user = session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise ValidationError({"email": "No user has this email address."})
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.engagement_id == engagement.id)
    )
    if membership is None:
        membership = Membership(user_id=user.id, engagement_id=engagement.id, role=role)
        session.add(membership)
    else:
        if membership.role == "owner" and role != "owner":
            _ensure_another_owner(session, engagement.id, membership.id)
        membership.role = role
    session.commit()
    return membership


def remove_membership(session: Session, engagement: Engagement, membership_id: int) -> None:
    """Take a user out of an engagement; the last owner cannot be removed."""
    membership = session.get(Membership, membership_id)
    if membership is None or membership.engagement_id != engagement.id:
        raise NotFound("No such member.")
    if membership.role == "owner":
        _ensure_another_owner(session, engagement.id, membership.id)
    session.delete(membership)
    session.commit()


def _ensure_another_owner(session: Session, engagement_id: int, membership_id: int) -> None:
    others = session.scalar(
        select(Membership.id).where(
            Membership.engagement_id == engagement_id,
            Membership.role == "owner",
            Membership.id != membership_id,
        )
    )
    if others is None:
        raise ValidationError({"role": "An engagement needs at least one owner."})
