"""The common-password list new passwords are checked against: zxcvbn's 30,000 most used passwords (from
leaked password dumps), shipped with the maintained `zxcvbn` package, so nothing is fetched at run time."""

from __future__ import annotations

from functools import cache


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def is_common(password: str) -> bool:
    """Whether the password (compared case-insensitively) is one of the commonly used ones."""
    return password.casefold() in _common()
