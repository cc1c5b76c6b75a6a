"""Which tables the bundle carries and which it leaves behind, and why (docs/bundle-format.md).

tests/test_bundle_everything.py reads every engagement-scoped table from the models' metadata and fails,
naming the table, when one is in neither list: a new table must be carried or excluded with a reason.
"""

from __future__ import annotations

from models.accounts import ACCOUNT_TABLES

# Table -> where its rows travel in the bundle.
CARRIED: dict[str, str] = {
    "engagements": "engagement (name, client, dates, counters); settings as rule_settings and diagram_layouts",
    "scenarios": "scenarios (ArchiMate identifiers in archimate_ids)",
    "scenario_members": "scenario_ids of each object",
    "scenario_values": "scenario_values",
    "elements": "the element collections (channels … generic_elements); ArchiMate identifiers in archimate_ids",
    "element_tags": "tags of each object",
    "element_channels": "channel_ids of systems",
    "channels": "channels",
    "data_entities": "entities",
    "stakeholders": "stakeholders",
    "systems": "systems",
    "data_flows": "flows",
    "flow_entities": "entity_ids of flows",
    "ownerships": "ownerships",
    "requirements": "requirements",
    "decisions": "decisions",
    "decision_participants": "decider_ids / consulted_ids / informed_ids of decisions",
    "generic_elements": "generic_elements",
    "archimate_relationships": "archimate_relationships",
    "archimate_models": "archimate_model (an imported model's identifier, metadata, properties, folders)",
    "archimate_views": "archimate_model.views (an imported model's views, nodes and connections)",
    "trace_links": "trace_links",
    "datasets": "datasets (name, kind, system)",
    "dataset_versions": "datasets: the latest version's rows only (older versions stay behind)",
    "atp_rules": "atp_rules",
    "routing_cost_models": "routing_cost_models",
    "return_policies": "return_policies",
    "report_brandings": "report_branding (with its logo)",
    "signoffs": "signoffs (authors by name; whether each was stale, not the versions)",
    "engine_runs": "engine_runs: finished runs whose every dataset version is a carried latest version (runs on "
                   "older versions, queued and running ones stay behind; `flask backup` keeps them all)",
    "comments": "comments (threads and replies, anchors by bundle id; writers by name: their user and share-link "
                "ids stay behind, as do mentions of members, which keep their marked words)",
}

# Table -> why the bundle leaves it behind.
EXCLUDED: dict[str, str] = {
    "memberships": "who may open an engagement is a fact of the installation: the importing user (or --owner) "
                   "becomes its owner; `flask backup` keeps memberships",
    "changes": "the history log belongs to the installation; the import records its own 'created' entries",
    "review_events": "the digest's feed of what happened in a review belongs to the installation, like the history "
                     "log; the comments themselves travel",
    "report_jobs": "generated PDFs and their progress: made again on demand; `flask backup` keeps them",
    "share_links": "review links are secrets handed to one client by one installation: a copy of the bundle must "
                   "open nothing; `flask backup` keeps them",
    "share_link_scenarios": "the scenarios of a review link, which stays behind (see share_links)",
    "share_link_uses": "the access log of review links, which stay behind (see share_links)",
    "questionnaire_links": "a stakeholder's questionnaire link is a secret, like share_links; `flask backup` keeps it",
    "questionnaire_responses": "answers hang off their questionnaire links, which stay behind; what a member accepted "
                               "is in the requirements, which travel; `flask backup` keeps the answers",
    "priority_proposals": "the proposals and response log of questionnaire answers, which stay behind",
    "webhooks": "where an installation sends events (URLs and signing secrets) is its own integration, not the "
                "model; a copy must not start calling the original's receivers",
    "webhook_deliveries": "the log of events sent by this installation",
}

# Tables that hold no engagement's data at all (reached from no engagement by foreign keys).
NOT_ENGAGEMENT_DATA = ACCOUNT_TABLES
