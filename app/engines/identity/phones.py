"""E.164 for a column of phone numbers, read from phonenumbers' own metadata where the number is plain digits.

A full `phonenumbers.parse` costs ~0.1 ms, a million of them minutes; numbers written with digits and punctuation
only are checked against the metadata patterns directly, anything else goes through `normalise_phone`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import phonenumbers

from .normalise import normalise_phone

PHONE_CHARS = re.compile(r"[\d\s()+.\-/]+")


@lru_cache(maxsize=512)
def _phone_rules(region: str) -> tuple[int, Any, tuple[str, ...]] | None:
    """(country code, national-prefix pattern, regions sharing the code) of a region, or None when its
    national prefix needs a transformation (then only phonenumbers' own parser is right)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper()) if region else None
    if metadata is None or metadata.national_prefix_transform_rule:
        return None
    prefix = metadata.national_prefix_for_parsing or metadata.national_prefix
    pattern = re.compile(f"(?:{prefix})") if prefix else None
    if pattern is not None and pattern.groups:
        return None
    return metadata.country_code, pattern, tuple(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(
        metadata.country_code, ()))


@lru_cache(maxsize=512)
def _number_patterns(region: str) -> tuple[Any, tuple[Any, ...]] | None:
    """The general pattern of a region's numbers and one pattern per number type (mobile, fixed line, …)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        return None

    def desc(d):
        if d is None or not d.national_number_pattern:
            return None
        lengths = frozenset(d.possible_length or ())
        return re.compile(d.national_number_pattern), lengths

    kinds = ("mobile", "fixed_line", "toll_free", "premium_rate", "shared_cost", "voip", "personal_number", "pager",
             "uan", "voicemail")  # validity is "any type": the common types first
    general = desc(metadata.general_desc)
    types = tuple(t for t in (desc(getattr(metadata, k, None)) for k in kinds) if t is not None)
    return (general, types) if general else None


def _valid_pattern(nsn: str, regions: Sequence[str]) -> bool:
    """phonenumbers' validity (a known number type of one of the regions), by pattern, without parsing."""
    for region in regions:
        patterns = _number_patterns(region)
        if patterns is None:
            continue
        (general, general_lengths), types = patterns
        if general_lengths and len(nsn) not in general_lengths or not general.fullmatch(nsn):
            continue
        for pattern, lengths in types:
            if (not lengths or len(nsn) in lengths or lengths == frozenset((-1,))) and pattern.fullmatch(nsn):
                return True
    return False


def _valid_national(nsn: str, regions: Sequence[str], valid: dict[tuple[str, Any], bool] | None) -> bool:
    """_valid_pattern, remembered in `valid` (when given) per (national number, regions)."""
    if valid is None:
        return _valid_pattern(nsn, regions)
    known = valid.get((nsn, regions))
    if known is None:
        known = valid[(nsn, regions)] = _valid_pattern(nsn, regions)
    return known


def _fast_phone(key: str, region: str, valid: dict[tuple[str, Any], bool] | None = None) -> str | None:
    """E.164 of a number written with digits only ('+4479…' or national '079…'), when it is valid; None means
    "ask phonenumbers" (also for anything unusual), never "invalid". `valid` (optional) keeps validity per
    (national number, regions): '07911 123456' and '+44 7911 123456' are checked once."""
    if key.startswith("+"):
        digits = key[1:]
        if not digits.isdigit() or digits.startswith("0"):
            return None
        for size in (1, 2, 3):
            regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(digits[:size] or 0))
            if regions:
                nsn = digits[size:]
                return key if nsn and _valid_national(nsn, regions, valid) else None
        return None
    rules = _phone_rules(region)
    if rules is None or not key.isdigit():
        return None
    code, prefix, regions = rules
    nsn = key
    if prefix is not None and (match := prefix.match(key)) and match.end():
        nsn = key[match.end():]
        if not _valid_national(nsn, regions, valid):
            return None  # the unstripped reading might be the valid one: phonenumbers decides
    elif not _valid_national(nsn, regions, valid):
        return None
    return f"+{code}{nsn}"


def read_phone(text: str, region: str, fast_cache: dict[tuple[str, str], str | None],
           valid: dict[tuple[str, Any], bool] | None = None) -> tuple[str | None, bool]:
    """normalise_phone of one value: digits-and-punctuation numbers are read from phonenumbers' metadata
    patterns directly (a full parse costs ~0.1 ms, a million of them minutes); anything the fast reading does
    not accept goes through phonenumbers itself. `fast_cache` holds the fast reading per digit string (one
    number is written several ways: '07700 900123', '+44 7700 900123', '(07700) 900-123')."""
    if text and PHONE_CHARS.fullmatch(text) and not text.startswith("+0"):
        key = _NOT_DIGIT_OR_PLUS.sub("", text)
        if key.startswith("00"):
            key = "+" + key[2:]
        if key.count("+") <= 1 and 6 <= len(key) <= 17:
            fast = fast_cache.get((key, region), False)
            if fast is False:
                fast = fast_cache[(key, region)] = _fast_phone(key, region, valid)
            if fast:
                return fast, True
    return normalise_phone.__wrapped__(text, region)  # distinct values already: no need to fill the LRU cache


_NOT_DIGIT_OR_PLUS = re.compile(r"[^\d+]")


def _phones(raw: Sequence[str], regions: Sequence[str]) -> list[tuple[str | None, bool]]:
    """normalise_phone for a column, once per distinct (text, region) (see `read_phone`)."""
    fast_cache: dict[tuple[str, str], str | None] = {}
    valid: dict[tuple[str, Any], bool] = {}
    out = {(text, region): read_phone(text, region, fast_cache, valid)
           for text, region in set(zip(raw, regions, strict=True))}
    return [out[(t, r)] for t, r in zip(raw, regions, strict=True)]
