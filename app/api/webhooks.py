"""An engagement's webhooks (owners manage them): subscribe a URL to events, read the delivery log, re-send;
and `emit`, which the API's writes call to queue an event and send it on the job queue."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from werkzeug.exceptions import Forbidden

from app.api import auth
from app.api.represent import json_response, no_content
from app.api.schemas import Problem
from app.extensions import db
from app.jobs import jobs
from app.services import webhooks as svc
from app.services.errors import ValidationError

bp = Blueprint("api_webhooks", __name__, url_prefix="/api/v1", description="Webhooks")
bp.before_request(auth.authenticate)
EID = "/engagements/<int(max=2147483647):eid>"
BIG = "int(max=2147483647)"

WebhookIn = Schema.from_dict({"url": fields.Url(required=True),
                              "events": fields.List(fields.String(), required=True,
                                                    metadata={"description": ", ".join(svc.EVENTS)})},
                             name="WebhookIn")
WebhookOut = Schema.from_dict({"id": fields.Integer(), "url": fields.String(), "events": fields.List(fields.String()),
                               "active": fields.Boolean(),
                               "secret": fields.String(metadata={"description": "Only in the answer to a create"})},
                              name="Webhook")
Delivery = Schema.from_dict({"id": fields.Integer(), "event": fields.String(), "status": fields.String(),
                             "attempts": fields.Integer(), "response_status": fields.Integer(allow_none=True),
                             "error": fields.String(), "payload": fields.Dict()}, name="WebhookDelivery")


def emit(eid: int, name: str, data: dict[str, Any]) -> None:
    """Queue event `name` for the engagement's webhooks and send each delivery on the job queue."""
    allow = bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))
    for delivery_id in svc.queue_event(db.session, eid, name, data):
        jobs(current_app).submit(f"webhook-{delivery_id}", svc.deliver_job, delivery_id, allow)


def _owner(eid: int):
    engagement = auth.engagement(eid)
    if g.membership.role != "owner":
        raise Forbidden("Only an owner manages the engagement's webhooks.")
    return engagement


def _hook_json(hook, secret: bool = False) -> dict:
    return {"id": hook.id, "url": hook.url, "events": hook.events, "active": hook.active,
            **({"secret": hook.secret} if secret else {})}


@bp.route(f"{EID}/webhooks")
class Webhooks(MethodView):
    @bp.alt_response(200, schema=WebhookOut(many=True), success=True, description="The webhooks (no secrets)")
    @bp.doc(operationId="list_webhooks", summary="List the engagement's webhooks (owners)")
    def get(self, eid: int):
        _owner(eid)
        return json_response([_hook_json(h) for h in svc.webhooks_of(db.session, eid)])

    @bp.doc(operationId="create_webhook", summary="Subscribe a URL to events; the signing secret is in the answer",
            requestBody={"required": True, "content": {"application/json": {"schema": WebhookIn}}})
    @bp.alt_response(201, schema=WebhookOut, success=True, description="Created, with its secret")
    @bp.alt_response(422, schema=Problem, description="A bad or internal URL, or unknown events")
    def post(self, eid: int):
        engagement = _owner(eid)
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not isinstance(data.get("url"), str) \
                or not isinstance(data.get("events"), list) or not all(isinstance(e, str) for e in data["events"]):
            raise ValidationError({"body": "Send {\"url\": \"https://…\", \"events\": [\"object.created\", …]}."})
        hook = svc.create_webhook(db.session, engagement, data["url"], data["events"], user_id=g.api_user.id,
                                  allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
        return json_response(_hook_json(hook, secret=True), 201)


@bp.route(f"{EID}/webhooks/<{BIG}:webhook_id>")
class WebhookItem(MethodView):
    @bp.doc(operationId="delete_webhook", summary="Remove a webhook and its delivery log")
    @bp.alt_response(204, success=True, description="Removed")
    def delete(self, eid: int, webhook_id: int):
        _owner(eid)
        svc.delete_webhook(db.session, eid, webhook_id)
        return no_content()


@bp.route(f"{EID}/webhooks/<{BIG}:webhook_id>/deliveries")
class Deliveries(MethodView):
    @bp.alt_response(200, schema=Delivery(many=True), success=True, description="Latest deliveries, newest first")
    @bp.doc(operationId="list_webhook_deliveries", summary="A webhook's delivery log")
    def get(self, eid: int, webhook_id: int):
        _owner(eid)
        return json_response([{"id": d.id, "event": d.event, "status": d.status, "attempts": d.attempts,
                               "response_status": d.response_status, "error": d.error, "payload": d.payload}
                              for d in svc.deliveries_of(db.session, eid, webhook_id)])


@bp.route(f"{EID}/webhooks/deliveries/<{BIG}:delivery_id>/resend")
class Resend(MethodView):
    @bp.doc(operationId="resend_webhook_delivery", summary="Send a delivery's event again (a new delivery)")
    @bp.alt_response(202, schema=Delivery, success=True, description="Queued")
    @bp.alt_response(422, schema=Problem, description="Never: the answer is 202 or 404")
    def post(self, eid: int, delivery_id: int):
        _owner(eid)
        again = svc.resend(db.session, eid, delivery_id)
        jobs(current_app).submit(f"webhook-{again.id}", svc.deliver_job, again.id,
                                 bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
        return json_response({"id": again.id, "event": again.event, "status": again.status, "attempts": 0,
                              "response_status": None, "error": "", "payload": again.payload}, 202)
