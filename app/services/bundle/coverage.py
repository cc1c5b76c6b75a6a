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
    "report_brandings": "report_branding (with its logo)",
    "engine_runs": "engine_runs: finished runs whose every dataset version is a carried latest version (runs on "
                   "older versions, queued and running ones stay behind; `flask backup` keeps them all)",
}

# Table -> why the bundle leaves it behind.
EXCLUDED: dict[str, str] = {
    "memberships": "who may open an engagement is a fact of the installation: the importing user (or --owner) "
                   "becomes its owner; `flask backup` keeps memberships",
    "changes": "the history log belongs to the installation; the import records its own 'created' entries",
    "report_jobs": "generated PDFs and their progress: made again on demand; `flask backup` keeps them",
    "webhooks": "where an installation sends events (URLs and signing secrets) is its own integration, not the "
                "model; a copy must not start calling the original's receivers",
    "webhook_deliveries": "the log of events sent by this installation",
}

# Tables that hold no engagement's data at all (reached from no engagement by foreign keys).
NOT_ENGAGEMENT_DATA = ACCOUNT_TABLES
