"""Controlled vocabularies: stored code -> human label. Order is display order."""

from __future__ import annotations

SYSTEM_CATEGORIES = {
    "ecommerce": "E-commerce platform",
    "oms": "OMS",
    "erp": "ERP",
    "pos": "POS",
    "wms": "WMS",
    "crm": "CRM",
    "cdp": "CDP",
    "pim": "PIM",
    "pricing": "Pricing",
    "promotions": "Promotions",
    "loyalty": "Loyalty",
    "marketplace": "Marketplace connector",
    "ipaas": "iPaaS / ESB",
    "payment": "Payment",
    "3pl": "3PL",
    "dwh": "Data warehouse",
    "custom": "Custom",
}
HOSTING = {"saas": "SaaS", "cloud": "Cloud", "on_prem": "On-premises"}
LIFECYCLE = {"active": "Active", "planned": "Planned", "retiring": "Retiring", "retired": "Retired"}
FLOW_PATTERNS = {
    "api": "API request/response",
    "event": "Event / stream",
    "webhook": "Webhook",
    "batch": "Batch file",
    "db_link": "Database link",
    "manual": "Manual",
}
FLOW_DIRECTIONS = {"one_way": "One-way", "two_way": "Two-way"}
OWNERSHIP_ROLES = {
    "sor": "System of record",
    "authoritative": "Authoritative copy",
    "replica": "Replica",
    "reads": "Reads",
    "writes": "Writes",
}
STAKEHOLDER_AREAS = {
    "ecommerce": "E-commerce",
    "stores": "Stores",
    "operations": "Operations",
    "it": "IT",
    "finance": "Finance",
    "marketing": "Marketing",
    "customer_service": "Customer service",
    "other": "Other",
}
LEVELS = {"low": "Low", "medium": "Medium", "high": "High"}
REQUIREMENT_TYPES = {
    "business": "Business",
    "functional": "Functional",
    "non_functional": "Non-functional",
    "data": "Data",
    "integration": "Integration",
}
PRIORITIES = {"must": "Must", "should": "Should", "could": "Could", "wont": "Won't"}
REQUIREMENT_STATUSES = {
    "draft": "Draft",
    "agreed": "Agreed",
    "met": "Met",
    "not_met": "Not met",
    "dropped": "Dropped",
}
DECISION_STATUSES = {
    "proposed": "Proposed",
    "accepted": "Accepted",
    "rejected": "Rejected",
    "deprecated": "Deprecated",
    "superseded": "Superseded",
}
DECISION_PARTICIPATION = {"decider": "Decider", "consulted": "Consulted", "informed": "Informed"}
MEMBER_ROLES = {"owner": "Owner", "editor": "Editor", "reviewer": "Reviewer", "viewer": "Viewer"}
WRITE_ROLES = frozenset({"owner", "editor"})
# Who may comment and sign off (review actions) without being able to edit the model.
REVIEW_ROLES = frozenset({"owner", "editor", "reviewer"})
# Who may sign off a decision or requirement among members: the client's reviewers and the engagement's owner
# (who answers for the deliverable); editors write the model and do not approve their own work.
SIGNOFF_ROLES = frozenset({"owner", "reviewer"})
TRACE_KINDS = {
    "addresses": "addressed by",  # requirement -> decision
    "affects": "affects",  # decision -> system / flow
    "satisfied_by": "satisfied by",  # requirement -> system / flow
    "refines": "refines",  # requirement -> requirement
}
# Which (source kind, target kinds) each trace link kind joins.
TRACE_RULES = {
    "addresses": ("requirement", {"decision"}),
    "affects": ("decision", {"system", "flow"}),
    "satisfied_by": ("requirement", {"system", "flow"}),
    "refines": ("requirement", {"requirement"}),
}

DEFAULT_CHANNELS = [
    ("Web", True),
    ("Mobile app", True),
    ("Store", True),
    ("Marketplace", True),
    ("Call centre", True),
    ("Social", True),
]
DEFAULT_ENTITIES = [
    ("Product", False),
    ("Inventory", True),
    ("Price", True),
    ("Promotion", False),
    ("Order", True),
    ("Customer", False),
    ("Return", False),
    ("Shipment", False),
    ("Payment", False),
]
BASELINE_SCENARIO = "Current state"
