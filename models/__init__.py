"""SQLAlchemy 2 typed models. No Flask imports here: services, the CLI and tests use them directly."""

from models.accounts import AccountToken, LoginSession, Membership, User
from models.api_tokens import ApiToken
from models.archimate import ArchimateModel, ArchimateRelationship, ArchimateView, GenericElement
from models.base import Base, name_key
from models.catalog import Channel, DataEntity, Stakeholder, System
from models.comments import ANCHOR_KINDS, Comment, DigestMark, ReviewEvent
from models.datasets import DATASET_KINDS, Dataset, DatasetVersion
from models.elements import Element, Tag, element_channels
from models.engagement import Engagement, Scenario, ScenarioValue, scenario_members
from models.engines import AtpRules, EngineRun, ReturnPolicy, RoutingCostModel
from models.history import Change
from models.integration import DataFlow, Ownership, flow_entities
from models.questionnaires import PriorityProposal, QuestionnaireLink, QuestionnaireResponse
from models.report import ReportBranding, ReportJob
from models.requirements import Decision, DecisionParticipant, Requirement
from models.review_links import ShareLink, ShareLinkUse, share_link_scenarios
from models.signoffs import SignOff
from models.trace import TraceLink
from models.webhooks import Webhook, WebhookDelivery

__all__ = [
    "ANCHOR_KINDS",
    "Comment",
    "DigestMark",
    "ReviewEvent",
    "DATASET_KINDS",
    "ArchimateModel",
    "ArchimateRelationship",
    "ArchimateView",
    "GenericElement",
    "AtpRules",
    "ReturnPolicy",
    "RoutingCostModel",
    "Base",
    "Change",
    "Channel",
    "DataEntity",
    "DataFlow",
    "Dataset",
    "DatasetVersion",
    "Decision",
    "DecisionParticipant",
    "Element",
    "Engagement",
    "EngineRun",
    "LoginSession",
    "AccountToken",
    "ApiToken",
    "Membership",
    "Ownership",
    "PriorityProposal",
    "QuestionnaireLink",
    "QuestionnaireResponse",
    "ReportBranding",
    "ReportJob",
    "Requirement",
    "Scenario",
    "SignOff",
    "ShareLink",
    "ShareLinkUse",
    "ScenarioValue",
    "Stakeholder",
    "System",
    "Tag",
    "TraceLink",
    "User",
    "Webhook",
    "WebhookDelivery",
    "element_channels",
    "flow_entities",
    "name_key",
    "scenario_members",
    "share_link_scenarios",
]
