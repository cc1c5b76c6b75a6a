"""The model's controlled vocabularies as the workbook reads them: every choice field of every sheet, read
tolerantly (exports/workbook/labels.py) with the synonyms clients commonly write.

The vocabularies are taken from the element kinds' choice fields (`fields.KINDS`, which take them from
models/vocab.py), so a value added there is read without a change here; the synonyms below only add
spellings, keyed by the name of the vocabulary in models/vocab.py.
"""

from __future__ import annotations

from functools import cache

import models.vocab as vocab
from app.services.catalog.fields import KINDS, Field
from app.services.workbook.mapping import FIELDS, SHEET_KIND
from exports.workbook.labels import Vocabulary

# vocabulary (its name in models/vocab.py) -> code -> other spellings clients use.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "SYSTEM_CATEGORIES": {
        "ecommerce": ("ecom", "webshop", "web shop", "online shop", "storefront"),
        "oms": ("order management", "order management system"),
        "erp": ("enterprise resource planning",),
        "pos": ("point of sale", "till", "tills"),
        "wms": ("warehouse management", "warehouse management system"),
        "crm": ("customer relationship management",),
        "cdp": ("customer data platform",),
        "pim": ("product information management",),
        "ipaas": ("ipaas", "esb", "middleware", "integration platform", "enterprise service bus"),
        "payment": ("payments", "psp", "payment service provider"),
        "3pl": ("third party logistics", "logistics"),
        "dwh": ("dwh", "bi", "data lake", "datawarehouse", "edw"),
        "custom": ("bespoke", "in house", "homegrown", "other"),
    },
    "HOSTING": {
        "saas": ("software as a service", "cloud saas"),
        "cloud": ("iaas", "paas", "public cloud", "aws", "azure", "gcp"),
        "on_prem": ("on premise", "on premises", "onprem", "on prem", "self hosted", "data centre", "data center"),
    },
    "LIFECYCLE": {
        "active": ("live", "in use", "production", "current", "in production"),
        "planned": ("future", "proposed", "to be", "new"),
        "retiring": ("phasing out", "sunsetting", "being retired", "to retire", "sunset"),
        "retired": ("decommissioned", "switched off", "gone", "legacy retired"),
    },
    "FLOW_PATTERNS": {
        "api": ("api", "rest", "soap", "request response", "request/reply", "sync api", "graphql"),
        "event": ("event", "events", "stream", "streaming", "message", "messaging", "queue", "pub sub", "kafka"),
        "webhook": ("webhooks", "callback"),
        "batch": ("batch", "file", "file transfer", "sftp", "ftp", "csv export", "flat file", "nightly batch"),
        "db_link": ("database", "db link", "db", "direct database", "shared database", "jdbc", "odbc"),
        "manual": ("by hand", "manually", "spreadsheet", "email", "e mail"),
    },
    "FLOW_DIRECTIONS": {
        "one_way": ("one way", "oneway", "unidirectional", "uni directional", "single"),
        "two_way": ("two way", "bidirectional", "bi directional", "both", "both ways", "sync both ways"),
    },
    "OWNERSHIP_ROLES": {
        "sor": ("sor", "master", "golden source", "source of truth", "owner", "system of record"),
        "authoritative": ("authoritative", "authoritative source"),
        "replica": ("copy", "cache", "mirror"),
        "reads": ("read", "reader", "consumer", "consumes"),
        "writes": ("write", "writer", "updates", "producer"),
    },
    "STAKEHOLDER_AREAS": {
        "ecommerce": ("ecom", "digital", "online"),
        "stores": ("store", "retail stores", "shops"),
        "operations": ("ops", "supply chain", "logistics"),
        "it": ("information technology", "technology", "tech"),
        "finance": ("accounting",),
        "customer_service": ("customer care", "support", "cs"),
    },
    "LEVELS": {"low": ("l", "lo"), "medium": ("m", "med", "mid"), "high": ("h", "hi")},
    "REQUIREMENT_TYPES": {
        "business": ("biz", "business requirement"),
        "functional": ("fr", "func", "functional requirement"),
        "non_functional": ("nfr", "non functional", "nonfunctional", "quality"),
        "data": ("data requirement",),
        "integration": ("interface", "integration requirement"),
    },
    "PRIORITIES": {
        "must": ("m", "must have", "mandatory"),
        "should": ("s", "should have"),
        "could": ("c", "could have", "nice to have"),
        "wont": ("w", "wont have", "won't have", "will not", "will not have"),
    },
    "REQUIREMENT_STATUSES": {
        "draft": ("new", "open"),
        "agreed": ("approved", "accepted", "signed off"),
        "met": ("done", "satisfied", "fulfilled"),
        "not_met": ("failed", "unmet", "not satisfied"),
        "dropped": ("cancelled", "canceled", "withdrawn", "removed"),
    },
    "DECISION_STATUSES": {
        "proposed": ("draft", "open", "pending"),
        "accepted": ("approved", "agreed", "decided"),
        "rejected": ("declined",),
        "deprecated": ("obsolete",),
        "superseded": ("replaced",),
    },
}


def vocabulary_name(choices: dict[str, str]) -> str | None:
    """The name models/vocab.py gives this vocabulary (None for one defined elsewhere)."""
    return next((name for name, value in vars(vocab).items() if value is choices), None)


@cache
def _vocabulary(kind: str, field: str) -> Vocabulary:
    f = KINDS[kind].field(field)
    return Vocabulary(f.choices or {}, SYNONYMS.get(vocabulary_name(f.choices or {}) or "", {}))


def vocabulary(kind: str, f: Field) -> Vocabulary:
    """The tolerant reader of a choice field of an element kind."""
    return _vocabulary(kind, f.name)


def choice_columns() -> list[tuple[str, str, str]]:
    """Every (sheet, column, field) of the workbook that holds a choice (what the loose-label test covers)."""
    out = []
    for sheet, columns in FIELDS.items():
        spec = KINDS[SHEET_KIND[sheet]]
        out.extend((sheet, c, f) for c, f in columns.items() if spec.field(f).type == "choice")
    return out
