"""Stakeholder questionnaires: a link per stakeholder (made, listed, revoked, resolved like review links), the
stakeholder's answers (pain points, expectations per area, the priority of each requirement naming them), and
a member's accept or reject of each proposed priority, logged as previous → new with who and when.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.catalog.elements import save_element
from app.services.errors import NotFound, ValidationError
from app.services.review.events import record_event
from app.services.review.links import DEFAULT_DAYS, GONE, aware, now, parse_days, token_hash
from models import Requirement, Stakeholder, User
from models.engagement import Engagement
from models.questionnaires import PriorityProposal, QuestionnaireLink, QuestionnaireResponse
from models.vocab import PRIORITIES, STAKEHOLDER_AREAS

MAX_TEXT = 4000


@dataclass(frozen=True)
class Questionnaire:
    """What the stakeholder is asked: who they are and the requirements that name them as their source."""

    link: QuestionnaireLink
    stakeholder: Stakeholder
    requirements: list[Requirement]


def create_invite(session: Session, engagement: Engagement, stakeholder_id: object, *, days: object = DEFAULT_DAYS,
                  by: User | None = None) -> tuple[QuestionnaireLink, str]:
    """A questionnaire link for one stakeholder of the engagement; return it and its raw token (shown once)."""
    errors: dict[str, str] = {}
    text = str(stakeholder_id or "").strip()
    stakeholder = session.get(Stakeholder, int(text)) if text.isdigit() else None
    if stakeholder is None or stakeholder.engagement_id != engagement.id:
        errors["stakeholder"] = "Choose a stakeholder of this engagement."
    lifetime = parse_days(days, errors)
    if errors:
        raise ValidationError(errors)
    token = secrets.token_urlsafe(32)
    link = QuestionnaireLink(engagement_id=engagement.id, stakeholder_id=stakeholder.id, token_hash=token_hash(token),
                             created_by_id=by.id if by is not None else None, expires_at=now() + lifetime)
    session.add(link)
    session.commit()
    return link, token


def list_invites(session: Session, engagement_id: int) -> list[QuestionnaireLink]:
    """The engagement's questionnaire links, newest first."""
    return list(session.scalars(select(QuestionnaireLink).where(QuestionnaireLink.engagement_id == engagement_id)
                                .order_by(QuestionnaireLink.id.desc())))


def revoke_invite(session: Session, engagement_id: int, link_id: int) -> None:
    """End a questionnaire link now."""
    link = session.get(QuestionnaireLink, link_id)
    if link is None or link.engagement_id != engagement_id:
        raise NotFound("No such questionnaire link in this engagement.")
    link.revoked_at = link.revoked_at or now()
    session.commit()


def invite_state(link: QuestionnaireLink) -> str:
    """active, expired or revoked."""
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if aware(link.expires_at) <= now() else "active"


def open_questionnaire(session: Session, token: str) -> Questionnaire:
    """The questionnaire behind a live token; the same NotFound for unknown, expired and revoked ones."""
    link = session.scalar(select(QuestionnaireLink).where(QuestionnaireLink.token_hash == token_hash(token or "")))
    if link is None or invite_state(link) != "active":
        raise NotFound(GONE)
    return Questionnaire(link, link.stakeholder, _requirements(session, link))


def submit(session: Session, questionnaire: Questionnaire, pain_points: str, expectations: dict[str, str],
           priorities: dict[str, str]) -> QuestionnaireResponse:
    """Store the answers and a pending proposal for each requirement whose priority the stakeholder changed."""
    errors: dict[str, str] = {}
    pain_points = (pain_points or "").strip()
    if len(pain_points) > MAX_TEXT:
        errors["pain_points"] = f"At most {MAX_TEXT} characters."
    kept = {}
    for area, text in expectations.items():
        if area not in STAKEHOLDER_AREAS:
            errors[f"expectation_{area}"[:60]] = "Not an area of this questionnaire."
        elif len(text or "") > MAX_TEXT:
            errors[f"expectation_{area}"] = f"{STAKEHOLDER_AREAS[area]}: at most {MAX_TEXT} characters."
        elif (text or "").strip():
            kept[area] = text.strip()
    by_id = {str(r.id): r for r in questionnaire.requirements}
    proposals = []
    for key, value in priorities.items():
        requirement = by_id.get(key)
        if requirement is None:
            errors[f"priority_{key}"[:60]] = "Not a requirement of this questionnaire."
        elif value and value not in PRIORITIES:
            errors[f"priority_{key}"] = f"{requirement.ref}: choose one of {', '.join(PRIORITIES.values())}."
        elif value and value != requirement.priority:
            proposals.append(PriorityProposal(requirement_id=requirement.id, proposed=value, seen=requirement.priority))
    if not errors and not (pain_points or kept or proposals):
        errors["answers"] = "Answer at least one question."
    if errors:
        raise ValidationError(errors)
    link = questionnaire.link
    response = QuestionnaireResponse(engagement_id=link.engagement_id, link_id=link.id,
                                     stakeholder_id=link.stakeholder_id, pain_points=pain_points, expectations=kept,
                                     proposals=proposals)
    session.add(response)
    who = link.stakeholder.name if link.stakeholder is not None else "A stakeholder"
    asked = f", proposing {len(proposals)} priority change{'s' if len(proposals) != 1 else ''}" if proposals else ""
    record_event(session, link.engagement_id, "answer", f"{who} answered the questionnaire{asked}",
                 actor_name=f"{who} (questionnaire)")
    session.commit()
    return response


def list_responses(session: Session, engagement_id: int) -> list[QuestionnaireResponse]:
    """The engagement's answers, newest first, with their proposals."""
    return list(session.scalars(select(QuestionnaireResponse)
                                .where(QuestionnaireResponse.engagement_id == engagement_id)
                                .order_by(QuestionnaireResponse.id.desc())))


def response_log(session: Session, engagement_id: int) -> list[tuple[PriorityProposal, str]]:
    """Decided proposals, newest first, with the name of the member who decided."""
    rows = session.execute(
        select(PriorityProposal, User.name).join(QuestionnaireResponse)
        .outerjoin(User, User.id == PriorityProposal.decided_by_id)
        .where(QuestionnaireResponse.engagement_id == engagement_id, PriorityProposal.state != "pending")
        .order_by(PriorityProposal.decided_at.desc(), PriorityProposal.id.desc())
    ).all()
    return [(proposal, name or "a former member") for proposal, name in rows]


def decide(session: Session, engagement: Engagement, proposal_id: int, decision: str, *, by: User) -> PriorityProposal:
    """Accept (the requirement takes the proposed priority, recorded in its history too) or reject a proposal."""
    proposal = session.get(PriorityProposal, proposal_id)
    if proposal is None or proposal.response.engagement_id != engagement.id:
        raise NotFound("No such proposal in this engagement.")
    if decision not in ("accept", "reject"):
        raise ValidationError({"decision": "Choose accept or reject."})
    accept = decision == "accept"
    if proposal.state != "pending":
        raise ValidationError({"proposal": f"This proposal was already {proposal.state}."})
    requirement = proposal.requirement
    proposal.previous = requirement.priority
    if accept:
        save_element(session, engagement, "requirement", {"priority": proposal.proposed}, requirement, partial=True,
                     user_id=by.id, commit=False)
    proposal.state = "accepted" if accept else "rejected"
    proposal.decided_by_id, proposal.decided_at = by.id, now()
    session.commit()
    return proposal


def _requirements(session: Session, link: QuestionnaireLink) -> list[Requirement]:
    return list(session.scalars(select(Requirement).where(Requirement.engagement_id == link.engagement_id,
                                                          Requirement.source_id == link.stakeholder_id)
                                .order_by(Requirement.number)))
