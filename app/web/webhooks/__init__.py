"""An engagement's webhooks page (owners): subscribe a URL to events, see each webhook's deliveries, re-send one,
remove a webhook. The signing secret is shown once, on the page that answers the subscription."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.jobs import jobs
from app.services import transactions
from app.services import webhooks as svc
from app.services.errors import NotFound, ValidationError
from app.web.render import render
from app.web.tenancy import engagement_blueprint

bp = engagement_blueprint("webhooks", __name__)


def _owner_only() -> None:
    if g.membership.role != "owner":
        abort(403)


@bp.route("/webhooks", methods=["GET", "POST"])
def page():
    """The webhooks and their latest deliveries; a POST subscribes a new one."""
    _owner_only()
    if request.method == "GET":
        return _page({})
    try:
        hook = svc.create_webhook(db.session, g.engagement, request.form.get("url", "").strip(),
                                  request.form.getlist("events"), user_id=current_user.id,
                                  allow_private=bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
    except ValidationError as exc:
        transactions.discard(db.session)
        return _page(exc.errors, status=422)
    return _page({}, created=hook)


@bp.post("/webhooks/<int:webhook_id>/delete")
def delete(webhook_id: int):
    """Remove a webhook and its delivery log."""
    _owner_only()
    try:
        svc.delete_webhook(db.session, g.engagement.id, webhook_id)
    except NotFound:
        abort(404)
    flash("Webhook removed.")
    return redirect(url_for("webhooks.page"), 303)


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
def resend(delivery_id: int):
    """Send a delivery's event again, as a new delivery."""
    _owner_only()
    try:
        again = svc.resend(db.session, g.engagement.id, delivery_id)
    except NotFound:
        abort(404)
    jobs(current_app).submit(f"webhook-{again.id}", svc.deliver_job, again.id,
                             bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE")))
    flash("Delivery queued again.")
    return redirect(url_for("webhooks.page"), 303)


def _page(errors: dict, status: int = 200, created=None):
    hooks = svc.webhooks_of(db.session, g.engagement.id)
    log = {h.id: svc.deliveries_of(db.session, g.engagement.id, h.id, limit=10) for h in hooks}
    return render("webhooks/page.html", hooks=hooks, log=log, events=svc.EVENTS, errors=errors, created=created,
                  status=status)
