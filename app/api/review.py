"""The review loop as resources: comment threads on any anchor (members with the reviewer role may write them)
and sign-offs of decisions and requirements, through the same review services the web pages use."""

from __future__ import annotations

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from app.api import auth
from app.api.represent import json_response
from app.api.schemas import Problem
from app.extensions import db
from app.services.errors import ValidationError
from app.services.review import comments as comment_svc
from app.services.review import signoffs as signoff_svc
from app.services.review.author import Author
from models import ANCHOR_KINDS

bp = Blueprint("api_review", __name__, url_prefix="/api/v1", description="Comments and sign-offs")
bp.before_request(auth.authenticate)
EID = "/engagements/<int(max=2147483647):eid>"
BIG = "int(max=2147483647)"

CommentOut = Schema.from_dict({
    "id": fields.Integer(), "anchor_kind": fields.String(), "anchor_key": fields.String(),
    "scenario_id": fields.Integer(allow_none=True), "body": fields.String(), "author": fields.String(),
    "created_at": fields.String(), "resolved_at": fields.String(allow_none=True),
    "replies": fields.List(fields.Dict())}, name="CommentThread")
CommentIn = Schema.from_dict({
    "anchor_kind": fields.String(metadata={"description": ", ".join(ANCHOR_KINDS)}),
    "anchor_key": fields.String(metadata={"description": "An id, 'system id:entity id', a finding key…"}),
    "body": fields.String(required=True), "scenario_id": fields.Integer(allow_none=True),
    "parent_id": fields.Integer(allow_none=True, metadata={"description": "Reply to this thread instead"}),
}, name="CommentIn")
SignOffIn = Schema.from_dict({
    "target_kind": fields.String(required=True, metadata={"description": "decision or requirement"}),
    "target_id": fields.Integer(required=True), "verdict": fields.String(required=True),
    "note": fields.String(), "version": fields.Integer(allow_none=True),
}, name="SignOffIn")
StatusOut = Schema.from_dict({"target_id": fields.Integer(), "version": fields.Integer(), "overall": fields.String(),
                              "verdicts": fields.List(fields.Dict())}, name="SignOffStatus")


def _member() -> Author:
    return signoff_svc.member_author(g.membership)


def _comment_json(comment) -> dict:
    def one(c) -> dict:
        return {"id": c.id, "body": c.body, "author": c.author_name, "created_at": c.created_at.isoformat()}

    return {**one(comment), "anchor_kind": comment.anchor_kind, "anchor_key": comment.anchor_key,
            "scenario_id": comment.scenario_id,
            "resolved_at": comment.resolved_at.isoformat() if comment.resolved_at else None,
            "replies": [one(r) for r in comment.replies]}


def _status_json(status) -> dict:
    return {"target_id": status.target_id, "version": status.version, "overall": status.overall,
            "verdicts": [{"author": v.author, "verdict": v.verdict, "note": v.note, "version": v.version,
                          "stale": v.stale, "signed_at": v.signed_at.isoformat()} for v in status.verdicts]}


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"body": "Send a JSON object."})
    return data


def _text(data: dict, name: str, required: bool = True) -> str:
    value = data.get(name, "" if not required else None)
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError({name: "Required text." if required else "Must be text."})
    return value


def _int(data: dict, name: str) -> int | None:
    value = data.get(name)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31):
        raise ValidationError({name: "Must be a positive whole number."})
    return value


@bp.route(f"{EID}/comments")
class Comments(MethodView):
    review_action = True

    @bp.alt_response(200, schema=CommentOut(many=True), success=True, description="Threads, open first")
    @bp.doc(operationId="list_comments", summary="List comment threads (all, or those on one anchor)",
            parameters=[{"in": "query", "name": "kind", "schema": {"type": "string"}},
                        {"in": "query", "name": "key", "schema": {"type": "string"}}])
    def get(self, eid: int):
        engagement = auth.engagement(eid)
        kind, key = request.args.get("kind"), request.args.get("key")
        if kind and key:
            _anchor, threads = comment_svc.thread(db.session, engagement, kind, key[:200])
        else:
            threads = [t.comment for t in comment_svc.inbox(db.session, engagement, g.api_user.id, "all",
                                                            request.args.get("page", 1, type=int)).threads]
        return json_response([_comment_json(c) for c in threads])

    @bp.doc(operationId="create_comment", summary="Start a thread on an anchor, or reply to one (reviewers too)",
            requestBody={"required": True, "content": {"application/json": {"schema": CommentIn}}})
    @bp.alt_response(201, schema=CommentOut, success=True, description="The thread as saved")
    @bp.alt_response(422, schema=Problem, description="A missing body or an unknown anchor")
    def post(self, eid: int):
        engagement = auth.engagement(eid, review=True)
        data = _body()
        body, parent = _text(data, "body"), _int(data, "parent_id")
        if parent is not None:
            comment_svc.reply(db.session, engagement, _member(), parent, body)
            comment = comment_svc.get_comment(db.session, engagement, parent)
        else:
            comment = comment_svc.add_comment(db.session, engagement, _member(), _text(data, "anchor_kind")[:30],
                                              _text(data, "anchor_key")[:200], body,
                                              scenario_id=_int(data, "scenario_id"))
        return json_response(_comment_json(comment), 201)


def _change_state(eid: int, comment_id: int, change):
    """Resolve or reopen a thread as the calling member; the thread as JSON."""
    engagement = auth.engagement(eid, review=True)
    return json_response(_comment_json(change(db.session, engagement, _member(), comment_id)))


@bp.route(f"{EID}/comments/<{BIG}:comment_id>/resolve")
class CommentResolve(MethodView):
    review_action = True

    @bp.doc(operationId="resolve_comment", summary="Resolve a thread")
    @bp.alt_response(200, schema=CommentOut, success=True, description="The thread")
    @bp.alt_response(404, schema=Problem, description="No such comment in this engagement")
    def post(self, eid: int, comment_id: int):
        return _change_state(eid, comment_id, comment_svc.resolve)


@bp.route(f"{EID}/comments/<{BIG}:comment_id>/reopen")
class CommentReopen(MethodView):
    review_action = True

    @bp.doc(operationId="reopen_comment", summary="Reopen a resolved thread")
    @bp.alt_response(200, schema=CommentOut, success=True, description="The thread")
    @bp.alt_response(404, schema=Problem, description="No such comment in this engagement")
    def post(self, eid: int, comment_id: int):
        return _change_state(eid, comment_id, comment_svc.reopen)


@bp.route(f"{EID}/signoffs")
class SignOffs(MethodView):
    review_action = True

    @bp.alt_response(200, schema=StatusOut(many=True), success=True, description="Each signed target's status")
    @bp.doc(operationId="list_signoffs", summary="The sign-off status of every signed decision and requirement")
    def get(self, eid: int):
        auth.engagement(eid)
        statuses = signoff_svc.statuses(db.session, eid)
        return json_response([_status_json(s) for _id, s in sorted(statuses.items())])

    @bp.doc(operationId="sign_off", summary="Approve or reject a decision or requirement (owners and reviewers)",
            requestBody={"required": True, "content": {"application/json": {"schema": SignOffIn}}})
    @bp.alt_response(201, schema=StatusOut, success=True, description="The target's status after the sign-off")
    @bp.alt_response(422, schema=Problem, description="A bad verdict, a rejection without a note")
    def post(self, eid: int):
        engagement = auth.engagement(eid, review=True)
        data = _body()
        target = _int(data, "target_id")
        if target is None:
            raise ValidationError({"target_id": "Required."})
        signoff_svc.sign_off(db.session, engagement, _member(), _text(data, "target_kind")[:20], target,
                             _text(data, "verdict")[:20], _text(data, "note", required=False)[:4000],
                             version=_int(data, "version"))
        return json_response(_status_json(signoff_svc.statuses(db.session, eid, [target])[target]), 201)
