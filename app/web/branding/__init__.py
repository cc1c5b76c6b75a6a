"""Report branding per engagement: the firm name, colours, footer and logo the PDF report uses (owners/editors
change it; every member sees it). The logo is served back for the preview with a sandboxing CSP."""

from __future__ import annotations

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from app.extensions import db
from app.services import accounts, transactions
from app.services.errors import ValidationError
from app.services.reports import branding as branding
from app.web.render import render
from app.web.tenancy import engagement_blueprint, read_view

bp = engagement_blueprint("branding", __name__)
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}


@bp.route("/report/branding", methods=["GET", "POST"])
@read_view
def edit():
    """The branding form; a POST saves it (422 with the form and its errors when something is refused)."""
    errors: dict[str, list[str]] = {}
    current = branding.branding_for(db.session, g.engagement)
    fields = {"firm_name": current.firm_name, "primary_colour": current.primary_colour,
              "accent_colour": current.accent_colour, "footer_text": current.footer_text}
    if request.method == "POST":
        fields = {k: request.form.get(k, "") for k in fields}
        upload = request.files.get("logo")
        try:
            branding.save_branding(db.session, g.engagement, {**fields, "remove_logo": request.form.get("remove_logo")},
                                   upload.stream if upload and upload.filename else None, user_id=current_user.id)
        except ValidationError as exc:
            transactions.discard(db.session)
            errors = exc.errors
        else:
            return redirect(url_for("branding.edit", saved=1))
    row = branding.stored_branding(db.session, g.engagement)
    updated_by = accounts.user_name(db.session, row.updated_by_id) if row is not None and row.updated_by_id else None
    body, status = render("branding/edit.html", fields=fields, errors=errors, row=row, updated_by=updated_by,
                          has_logo=current.logo is not None, saved=request.args.get("saved"),
                          max_kb=branding.MAX_LOGO_BYTES // 1024)
    return body, 422 if errors else status


@bp.route("/report/branding/logo")
def logo():
    """The stored logo with its sniffed type; an SVG is sandboxed so it can never run anything."""
    found = branding.logo_of(db.session, g.engagement)
    if found is None:
        abort(404)
    data, media_type = found
    headers = {"Content-Type": media_type, "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache",
               "Content-Disposition": f'inline; filename="logo.{EXTENSIONS[media_type]}"'}
    if media_type == "image/svg+xml":
        headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return data, 200, headers
