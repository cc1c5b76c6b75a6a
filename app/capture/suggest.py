"""Closest catalog names for a name that is not in the catalog, and a category guess for a new system.

Pure: the caller passes the candidate names. Scoring is rapidfuzz's WRatio on case- and
punctuation-folded text, which forgives typos (“Shopfy Plus” ~ “Shopify Plus”), plurals and
partial names (“Fluent” ~ “Fluent OMS”).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

SCORE_CUTOFF = 80.0
LIMIT = 3


@dataclass(frozen=True)
class Match:
    """A candidate name and how close it is (0–100)."""

    name: str
    score: float


def closest(query: str, candidates: Iterable[str], limit: int = LIMIT, cutoff: float = SCORE_CUTOFF) -> list[Match]:
    """The candidates closest to `query`, best first; candidates equal to it (ignoring case and spacing) are left
    out, since they are not suggestions but matches."""
    key = " ".join(query.split()).casefold()
    pool = [c for c in candidates if " ".join(c.split()).casefold() != key]
    if not key or not pool:
        return []
    found = process.extract(
        query, pool, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=cutoff
    )
    return [Match(name, round(score, 1)) for name, score, _index in found]


# Words in a new system's name that give its category away (SYSTEM_CATEGORIES codes). Whole words,
# case-insensitive; the first hint in the name wins; no hint means "custom". Documented in
# docs/quick-capture.md; the preview always shows the category, and the consultant can change it.
CATEGORY_HINTS: dict[str, str] = {
    "oms": "oms",
    "erp": "erp",
    "s/4": "erp",
    "s/4hana": "erp",
    "s4hana": "erp",
    "pos": "pos",
    "wms": "wms",
    "crm": "crm",
    "cdp": "cdp",
    "pim": "pim",
    "dwh": "dwh",
    "snowflake": "dwh",
    "bigquery": "dwh",
    "3pl": "3pl",
    "esb": "ipaas",
    "ipaas": "ipaas",
    "mulesoft": "ipaas",
    "boomi": "ipaas",
    "shopify": "ecommerce",
    "magento": "ecommerce",
    "commercetools": "ecommerce",
    "ecommerce": "ecommerce",
    "e-commerce": "ecommerce",
    "webshop": "ecommerce",
    "storefront": "ecommerce",
    "pricing": "pricing",
    "promotions": "promotions",
    "promo": "promotions",
    "loyalty": "loyalty",
    "marketplace": "marketplace",
    "mirakl": "marketplace",
    "payment": "payment",
    "payments": "payment",
    "psp": "payment",
    "adyen": "payment",
    "stripe": "payment",
}
DEFAULT_CATEGORY = "custom"


def guess_category(name: str, default: str = DEFAULT_CATEGORY) -> str:
    """Category for a new system called `name`: the first hint word in it, else `default`."""
    for word in re.split(r"[\s,;:()\[\]]+", name.casefold()):
        if word in CATEGORY_HINTS:
            return CATEGORY_HINTS[word]
    return default
