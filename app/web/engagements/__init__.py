"""Engagements: the list, create, dashboard, settings, members, bundle download and upload."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.extensions import db
from app.services import accounts, engagements, transactions
from app.services.bundle import transfer as bundle
from app.services.catalog import traceability as traceability
from app.services.errors import ValidationError
from app.web.form_errors import attach_errors
from app.web.render import render
from app.web.tenancy import engagement_blueprint, read_view
from models.vocab import MEMBER_ROLES

bp = Blueprint("engagements", __name__)
scoped = engagement_blueprint("engagement", __name__)


class EngagementForm(FlaskForm):
    """Name, client, description and dates of an engagement."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    client = StringField("Client", validators=[Optional(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=20000)])
    start_date = DateField("Start date", validators=[Optional()])
    end_date = DateField("End date", validators=[Optional()])


class MemberForm(FlaskForm):
    """Add a user to the engagement, or change their role."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=list(MEMBER_ROLES.items()))


class BundleForm(FlaskForm):
    """Upload of a JSON bundle."""

    file = FileField("Bundle (.json)", validators=[FileRequired()])


def _fields(form: EngagementForm) -> dict:
    return {
        "client": form.client.data or "",
        "description": form.description.data or "",
        "start_date": form.start_date.data,
        "end_date": form.end_date.data,
    }


@bp.route("/")
@login_required
def index():
    """The engagements the user is a member of, and a form to create one."""
    form = EngagementForm(formdata=None)
    return render_template(
        "engagements/index.html",
        memberships=engagements.memberships_of(db.session, current_user),
        form=form,
        bundle_form=BundleForm(formdata=None),
    )


@bp.route("/engagements/new", methods=["POST"])
@login_required
def create():
    """Create an engagement owned by the current user."""
    form = EngagementForm()
    if form.validate():
        try:
            engagement = engagements.create_engagement(
                db.session, form.name.data, owner=current_user, **_fields(form)
            )
        except ValidationError as exc:
            transactions.discard(db.session)
            attach_errors(form, exc)
        else:
            flash(f"Engagement “{engagement.name}” created.")
            return redirect(url_for("engagement.dashboard", eid=engagement.id))
    return (
        render_template(
            "engagements/index.html",
            memberships=engagements.memberships_of(db.session, current_user),
            form=form,
            bundle_form=BundleForm(formdata=None),
        ),
        422,
    )


@bp.route("/engagements/import", methods=["POST"])
@login_required
def import_bundle():
    """Import a JSON bundle as a new engagement owned by the current user; all or nothing."""
    form = BundleForm()
    errors: list[str] = []
    if form.validate():
        try:
            document = bundle.parse_bundle(form.file.data.read())
            engagement = bundle.import_bundle(db.session, document, owner=current_user)
        except ValidationError as exc:
            transactions.discard(db.session)
            errors = [f"{where}: {m}" for where, ms in exc.errors.items() for m in ms][:20]
        else:
            flash(f"Imported “{engagement.name}”.")
            return redirect(url_for("engagement.dashboard", eid=engagement.id))
    else:
        errors = [m for ms in form.errors.values() for m in ms]
    return (
        render_template(
            "engagements/index.html",
            memberships=engagements.memberships_of(db.session, current_user),
            form=EngagementForm(formdata=None),
            bundle_form=form,
            import_errors=errors,
        ),
        422,
    )


@scoped.route("/")
def dashboard():
    """Counts per kind and per scenario."""
    return render_template(
        "engagements/dashboard.html",
        stats=engagements.dashboard(db.session, g.engagement),
        coverage=traceability.coverage(db.session, g.engagement),
    )


@scoped.route("/settings", methods=["GET", "POST"])
def settings():
    """Edit the engagement's name, client, description and dates."""
    form = EngagementForm(obj=g.engagement)
    if request.method == "POST" and form.validate():
        try:
            engagements.update_engagement(db.session, g.engagement, name=form.name.data, **_fields(form))
        except ValidationError as exc:
            transactions.discard(db.session)
            attach_errors(form, exc)
        else:
            flash("Engagement saved.")
            return redirect(url_for("engagement.dashboard"))
    status = 422 if request.method == "POST" else 200
    return render("engagements/settings.html", None, status, form=form)


@scoped.route("/delete", methods=["POST"])
def delete():
    """Delete the whole engagement (owners only); the name must be typed to confirm."""
    _require_owner()
    if (request.form.get("confirm_name") or "").strip() != g.engagement.name:
        flash("Type the engagement's exact name to delete it.", "error")
        return redirect(url_for("engagement.settings"))
    name = g.engagement.name
    engagements.delete_engagement(db.session, g.engagement)
    flash(f"Engagement “{name}” deleted.")
    return redirect(url_for("engagements.index"))


@scoped.route("/members", methods=["GET", "POST"])
@read_view
def members():
    """Who has access, with which role; owners add, change and remove members."""
    form = MemberForm()
    if request.method == "POST":
        _require_owner()
        if form.validate():
            try:
                accounts.set_membership(db.session, g.engagement, form.email.data, form.role.data)
            except ValidationError as exc:
                transactions.discard(db.session)
                attach_errors(form, exc)
            else:
                flash("Member saved.")
                return redirect(url_for("engagement.members"))
    rows = accounts.engagement_members(db.session, g.engagement.id)
    status = 422 if request.method == "POST" else 200
    return render("engagements/members.html", None, status, form=form, rows=rows)


@scoped.route("/members/<int:membership_id>/remove", methods=["POST"])
def member_remove(membership_id: int):
    """Remove a member (owners only; never the last owner)."""
    _require_owner()
    try:
        accounts.remove_membership(db.session, g.engagement, membership_id)
        flash("Member removed.")
    except ValidationError as exc:
        transactions.discard(db.session)
        flash("; ".join(m for ms in exc.errors.values() for m in ms), "error")
    return redirect(url_for("engagement.members"))


@scoped.route("/search")
def search():
    """Jump to any object by name or ref (the global search box)."""
    q = (request.args.get("q") or "").strip()[:200]
    results = engagements.search(db.session, g.engagement, q) if q else []
    return render("engagements/search.html", "engagements/_search_results.html", q=q, results=results)


@scoped.route("/bundle.json")
def export_bundle():
    """Download the whole engagement as a JSON bundle."""
    document = bundle.export_bundle(db.session, g.engagement)
    body = bundle.dumps_bundle(document)
    filename = bundle.filename_for(g.engagement)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _require_owner() -> None:
    if g.membership.role != "owner":
        abort(403)
