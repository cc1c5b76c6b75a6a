"""Report branding per engagement: read it (defaults when none is saved), validate and save it, check logos.

A logo is stored as uploaded bytes, but only after its type has been sniffed from the bytes themselves (PNG or
JPEG signature, or an SVG that parses as XML) — the file name and the browser's content type are ignored. An SVG
is embedded in the PDF and served to browsers, so it must be inert: no scripts, no event handlers, no foreign
HTML, no external references (only `#fragment` and `data:image/…` links), no DTD or entities.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, BinaryIO

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.services.errors import ValidationError
from exports.report_model import Branding
from models import Engagement
from models.base import utcnow
from models.report import ReportBranding

MAX_LOGO_BYTES = 512 * 1024
MAX_FIRM_NAME = 120
MAX_FOOTER = 300
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
MEDIA_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
# Elements that run code or pull in other documents even without an href.
FORBIDDEN_SVG_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
ANIMATIONS = {"animate", "set", "animatemotion", "animatetransform"}
CSS_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import|@font-face|image-set\s*\(", re.IGNORECASE)


def default_branding(engagement: Engagement | None = None) -> Branding:
    """The look used until the engagement saves its own."""
    return Branding()


def stored_branding(session: Session, engagement: Engagement) -> ReportBranding | None:
    """The engagement's saved branding row, if any."""
    return session.scalar(select(ReportBranding).where(ReportBranding.engagement_id == engagement.id))


def branding_for(session: Session, engagement: Engagement) -> Branding:
    """The engagement's branding as the report renderer consumes it (defaults when none is saved)."""
    row = stored_branding(session, engagement)
    if row is None:
        return default_branding(engagement)
    return Branding(firm_name=row.firm_name, primary_colour=row.primary_colour.lower(),
                    accent_colour=row.accent_colour.lower(), logo=row.logo, logo_media_type=row.logo_media_type,
                    footer_text=row.footer_text)


def save_branding(session: Session, engagement: Engagement, form_fields: Mapping[str, Any],
                  logo_upload: bytes | BinaryIO | None, *, user_id: int | None) -> Branding:
    """Validate and store the engagement's branding; ValidationError names each bad field.

    `form_fields`: firm_name, primary_colour, accent_colour, footer_text, remove_logo (truthy to drop the logo).
    `logo_upload`: the new logo's bytes or a readable file (None or empty keeps the current logo)."""
    defaults = default_branding(engagement)
    errors: dict[str, str] = {}
    firm_name = " ".join(str(form_fields.get("firm_name") or "").split())
    if not firm_name:
        errors["firm_name"] = "Firm name is required."
    elif len(firm_name) > MAX_FIRM_NAME:
        errors["firm_name"] = f"Firm name must be at most {MAX_FIRM_NAME} characters."
    colours = {}
    for field, label, default in (("primary_colour", "Primary colour", defaults.primary_colour),
                                  ("accent_colour", "Accent colour", defaults.accent_colour)):
        value = str(form_fields.get(field) or default).strip()
        if not COLOUR.fullmatch(value):
            errors[field] = f"{label} must be a colour written #rrggbb (for example #1f3a5f), not {value[:20]!r}."
        colours[field] = value.lower()
    footer = " ".join(str(form_fields.get("footer_text") or "").split())
    if len(footer) > MAX_FOOTER:
        errors["footer_text"] = f"Footer text must be at most {MAX_FOOTER} characters."
    logo: tuple[bytes, str] | None = None
    data = _read(logo_upload)
    if data:
        try:
            logo = (data, sniff_logo(data))
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.errors.items()})
    if errors:
        raise ValidationError(errors)
    row = stored_branding(session, engagement)
    if row is None:
        row = ReportBranding(engagement_id=engagement.id)
        session.add(row)
    row.firm_name, row.footer_text = firm_name, footer
    row.primary_colour, row.accent_colour = colours["primary_colour"], colours["accent_colour"]
    if logo is not None:
        row.logo, row.logo_media_type = logo
    elif _truthy(form_fields.get("remove_logo")):
        row.logo, row.logo_media_type = None, None
    row.updated_by_id = user_id
    row.updated_at = utcnow()  # also when nothing changed: the page says who saved last
    session.commit()
    return branding_for(session, engagement)


def logo_of(session: Session, engagement: Engagement) -> tuple[bytes, str] | None:
    """The stored logo bytes and media type, or None."""
    row = stored_branding(session, engagement)
    if row is None or not row.logo or row.logo_media_type not in MEDIA_TYPES:
        return None
    return row.logo, row.logo_media_type


def sniff_logo(data: bytes) -> str:
    """The logo's media type judged from its bytes; ValidationError({"logo": why}) when it is refused."""
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError({"logo": f"The logo is larger than {MAX_LOGO_BYTES // 1024} KB."})
    if data.startswith(PNG_SIGNATURE):
        return "image/png"
    if data.startswith(JPEG_SIGNATURE):
        return "image/jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--") or b"<svg" in head:
        problem = svg_problem(data)
        if problem:
            raise ValidationError({"logo": f"The SVG logo was refused: {problem}"})
        return "image/svg+xml"
    raise ValidationError({"logo": "The logo must be a PNG, JPEG or SVG image (the file's content is none of "
                                   "these)."})


def svg_problem(data: bytes) -> str | None:
    """Why an SVG is unsafe or invalid, or None when it is a plain, self-contained image."""
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return "it declares a DOCTYPE or entities, which a logo does not need."
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return f"it is not well-formed XML ({exc.msg})."
    if etree.QName(root).localname != "svg" or etree.QName(root).namespace not in (None, SVG_NS):
        return "its root element is not <svg>."
    for node in root.iter():
        if isinstance(node, etree._ProcessingInstruction):
            return f"it contains a processing instruction (<?{node.target} …?>)."
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node).localname
        if name.lower() in FORBIDDEN_SVG_ELEMENTS:
            return f"it contains a <{name}> element."
        if name.lower() in ANIMATIONS:  # an animation may rewrite a link or a handler after the checks below
            target = node.get("attributeName", "").strip().lower()
            if target.endswith("href") or target.startswith("on"):
                return f"<{name}> animates the {target} attribute."
        for attribute, value in node.attrib.items():
            local = etree.QName(attribute).localname
            if local.lower().startswith("on"):
                return f"<{name}> has an event handler attribute ({local})."
            if local == "href" and not _inert_link(value):
                return f"<{name}> links to {value[:60]!r}; only #fragment and data:image links are allowed."
            # presentation attributes (fill, filter, mask…) take url() too, not only style
            if problem := _css_problem(value):
                return f"<{name}> {local} {problem}"
        if name == "style" and (problem := _css_problem(node.text or "")):
            return f"its <style> {problem}"
    for pi in root.itersiblings(preceding=True):
        if isinstance(pi, etree._ProcessingInstruction):
            return f"it contains a processing instruction (<?{pi.target} …?>)."
    return None


def _inert_link(value: str) -> bool:
    link = "".join(value.split()).lower()
    return link.startswith("#") or link.startswith("data:image/")


def _css_problem(css: str) -> str | None:
    if found := CSS_IMPORT.search(css):
        return f"uses {found.group(0).rstrip('( ')} (it may load other files)."
    for target in CSS_URL.findall(css):
        if not _inert_link(target):
            return f"refers to an external resource ({target[:60]!r})."
    return None


def _read(upload: bytes | BinaryIO | None) -> bytes:
    """Up to one byte beyond the limit (enough to refuse a too-large logo without reading it all)."""
    if upload is None:
        return b""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    return upload.read(MAX_LOGO_BYTES + 1) or b""


def _truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in ("1", "on", "true", "yes", "y")
