"""Errors services raise; views turn them into 4xx responses, the CLI into messages."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: something the user asked for cannot be done."""


class ValidationError(ServiceError):
    """Input rejected; `errors` maps a field (or JSON path, or sheet/row) to its messages."""

    def __init__(self, errors: dict[str, list[str]] | dict[str, str]):
        self.errors = {k: ([v] if isinstance(v, str) else list(v)) for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items()))


class NotFound(ServiceError):
    """The object does not exist in this engagement (or the user may not see it)."""


class Forbidden(ServiceError):
    """The user's role does not allow this change."""


class Conflict(ServiceError):
    """The object changed since the user loaded it."""

    def __init__(self, current_version: int, message: str = "This object was changed by someone else."):
        self.current_version = current_version
        super().__init__(message)
