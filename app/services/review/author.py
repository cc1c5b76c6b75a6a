"""Who writes in a review: a member of the engagement, or the holder of a share link."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Author:
    """A comment's or sign-off's writer: exactly one of user_id (a member) or link_id (a share link) is set."""

    name: str
    user_id: int | None = None
    link_id: int | None = None
    can_comment: bool = True
    can_sign_off: bool = False

    def __post_init__(self):
        if (self.user_id is None) == (self.link_id is None):
            raise ValueError("an author is either a member or a share link, not both or neither")

    @property
    def label(self) -> str:
        """The name shown beside what this author wrote; link holders are marked as such."""
        return self.name if self.user_id is not None else f"{self.name} (review link)"
