"""Report branding per engagement: defaults, validation, logo sniffing and SVG safety, the page and the logo URL."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from sqlalchemy import select

from app.services.accounts import set_membership
from app.services.engagements import create_engagement
from app.services.errors import ValidationError
from app.services.reports.branding import MAX_LOGO_BYTES, branding_for, save_branding, sniff_logo, svg_problem
from exports.report_model import Branding
from models import ReportBranding

GOOD = {"firm_name": "Northwind Partners", "primary_colour": "#0A3D62", "accent_colour": "#e58e26",
        "footer_text": "Confidential — prepared for Acme Retail"}
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
       b'viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs><rect width="10" height="10" fill="url(#g)"/>'
       b'<use xlink:href="#g"/><image href="data:image/png;base64,iVBORw0KGgo="/></svg>')


def png(width: int = 2, height: int = 1) -> bytes:
    """A real, tiny PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def test_an_engagement_without_saved_branding_gets_the_defaults(session, engagement):
    assert branding_for(session, engagement) == Branding()
    assert session.scalar(select(ReportBranding)) is None


def test_saved_branding_is_read_back_with_who_saved_it(session, engagement, user):
    saved = save_branding(session, engagement, GOOD, png(), user_id=user.id)
    assert saved.firm_name == "Northwind Partners" and saved.primary_colour == "#0a3d62"
    assert saved.logo == png() and saved.logo_media_type == "image/png"
    assert branding_for(session, engagement) == saved
    row = session.scalar(select(ReportBranding).where(ReportBranding.engagement_id == engagement.id))
    assert row.updated_by_id == user.id and row.updated_at is not None
    # saving again without a file keeps the logo; another engagement still has the defaults
    again = save_branding(session, engagement, {**GOOD, "firm_name": "Northwind"}, None, user_id=user.id)
    assert again.firm_name == "Northwind" and again.logo == png()
    assert len(session.scalars(select(ReportBranding)).all()) == 1
    other = create_engagement(session, "Other client", owner=user)
    assert branding_for(session, other) == Branding()


def test_the_logo_can_be_removed_and_a_new_upload_wins_over_remove(session, engagement, user):
    save_branding(session, engagement, GOOD, io.BytesIO(JPEG), user_id=user.id)
    assert branding_for(session, engagement).logo_media_type == "image/jpeg"
    kept = save_branding(session, engagement, {**GOOD, "remove_logo": "1"}, png(), user_id=user.id)
    assert kept.logo_media_type == "image/png"
    removed = save_branding(session, engagement, {**GOOD, "remove_logo": "on"}, None, user_id=user.id)
    assert removed.logo is None and removed.logo_media_type is None


@pytest.mark.parametrize("field, value", [("primary_colour", "red"), ("primary_colour", "#12345"),
                                          ("accent_colour", "#12345g"), ("accent_colour", "1f3a5f"),
                                          ("accent_colour", "#1f3a5f; x")])
def test_colours_must_be_written_rrggbb_and_the_error_names_the_field(session, engagement, user, field, value):
    with pytest.raises(ValidationError) as caught:
        save_branding(session, engagement, {**GOOD, field: value}, None, user_id=user.id)
    assert set(caught.value.errors) == {field} and "#rrggbb" in caught.value.errors[field][0]
    assert session.scalar(select(ReportBranding)) is None


def test_firm_name_is_required_and_at_most_120_characters(session, engagement, user):
    with pytest.raises(ValidationError) as caught:
        save_branding(session, engagement, {**GOOD, "firm_name": "x" * 121, "footer_text": "y" * 301}, None,
                      user_id=user.id)
    assert set(caught.value.errors) == {"firm_name", "footer_text"} and "120" in caught.value.errors["firm_name"][0]
    with pytest.raises(ValidationError) as caught:
        save_branding(session, engagement, {**GOOD, "firm_name": "   "}, None, user_id=user.id)
    assert "required" in caught.value.errors["firm_name"][0]
    assert save_branding(session, engagement, {**GOOD, "firm_name": "x" * 120}, None, user_id=user.id).firm_name \
        == "x" * 120


def test_the_logo_type_is_sniffed_from_the_bytes_not_the_name(session, engagement, user):
    assert sniff_logo(png()) == "image/png" and sniff_logo(JPEG) == "image/jpeg" and sniff_logo(SVG) == "image/svg+xml"
    for data in (b"GIF89a\x01\x00", b"%PDF-1.7", b"<html><body>hi</body></html>", b"just text"):
        with pytest.raises(ValidationError) as caught:
            save_branding(session, engagement, GOOD, data, user_id=user.id)
        assert "PNG, JPEG or SVG" in caught.value.errors["logo"][0] or "SVG logo was refused" in \
            caught.value.errors["logo"][0]


def test_a_logo_over_512_kb_is_refused_even_from_a_stream(session, engagement, user):
    big = png() + b"\x00" * MAX_LOGO_BYTES
    with pytest.raises(ValidationError) as caught:
        save_branding(session, engagement, GOOD, io.BytesIO(big), user_id=user.id)
    assert "512 KB" in caught.value.errors["logo"][0]
    exact = png() + b"\x00" * (MAX_LOGO_BYTES - len(png()))
    assert save_branding(session, engagement, GOOD, exact, user_id=user.id).logo == exact


@pytest.mark.parametrize("svg, problem", [
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><s:script xmlns:s="http://www.w3.org/2000/svg"/></svg>', "<script>"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "event handler attribute (onload)"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect ONCLICK="x()"/></svg>', "event handler attribute (ONCLICK)"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>',
     "links to 'https://evil.example/x.png'"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
     b'<a xlink:href="javascript:alert(1)"><rect/></a></svg>', "links to 'javascript:alert(1)'"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><use href="other.svg#logo"/></svg>', "links to 'other.svg#logo'"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><a href="data:text/html,&lt;script&gt;"><rect/></a></svg>',
     "links to"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><a href="#x"><set attributeName="href" to="javascript:alert(1)"/>'
     b'<rect/></a></svg>', "animates the href attribute"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>', "<foreignObject>"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://x.example/a.css);</style></svg>',
     "@import"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.example/p)"/></svg>',
     "style refers to an external resource ('https://x.example/p')"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url( \'//x.example/p#a\')"/></svg>',
     "fill refers to an external resource ('//x.example/p#a')"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@font-face{font-family:a}</style></svg>', "@font-face"),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
     "DOCTYPE"),
    (b'<?xml-stylesheet href="https://x.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
     "processing instruction"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "not well-formed"),
    (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>', "root element is not <svg>"),
])
def test_an_unsafe_or_broken_svg_logo_is_refused_naming_the_problem(session, engagement, user, svg, problem):
    with pytest.raises(ValidationError) as caught:
        save_branding(session, engagement, GOOD, svg, user_id=user.id)
    message = caught.value.errors["logo"][0]
    assert message.startswith("The SVG logo was refused") and problem in message


def test_a_plain_svg_with_fragment_and_data_image_links_is_accepted(session, engagement, user):
    assert svg_problem(SVG) is None
    saved = save_branding(session, engagement, GOOD, SVG, user_id=user.id)
    assert saved.logo == SVG and saved.logo_media_type == "image/svg+xml"


# --- web -----------------------------------------------------------------------------------------------------


def test_the_branding_page_saves_the_form_and_previews_the_logo(browser, session, engagement):
    url = f"/e/{engagement.id}/report/branding"
    page = browser.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="color"' in html and 'value="#1f3a5f"' in html and "Not saved yet" in html
    resp = browser.post(url, data={**GOOD, "logo": (io.BytesIO(png()), "logo.png")},
                        content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/report/branding?saved=1")
    html = browser.get(url + "?saved=1").get_data(as_text=True)
    assert "Branding saved." in html and 'value="Northwind Partners"' in html and 'value="#0a3d62"' in html
    assert f'src="/e/{engagement.id}/report/branding/logo"' in html and "Casey Consultant" in html
    logo = browser.get(f"/e/{engagement.id}/report/branding/logo")
    assert logo.status_code == 200 and logo.headers["Content-Type"] == "image/png" and logo.data == png()
    assert logo.headers["X-Content-Type-Options"] == "nosniff"


def test_an_invalid_form_is_shown_again_with_422_its_errors_and_the_values_typed(browser, session, engagement):
    url = f"/e/{engagement.id}/report/branding"
    resp = browser.post(url, data={**GOOD, "firm_name": "<b>Bad & Co</b>", "primary_colour": "blue",
                                   "logo": (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>"),
                                            "logo.png")},
                        content_type="multipart/form-data")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Primary colour must be a colour written #rrggbb" in html and "event handler attribute" in html
    assert "&lt;b&gt;Bad &amp; Co&lt;/b&gt;" in html and "<b>Bad" not in html
    assert session.scalar(select(ReportBranding)) is None


def test_an_svg_logo_is_served_sandboxed_and_no_logo_is_404(browser, session, engagement, user):
    logo_url = f"/e/{engagement.id}/report/branding/logo"
    assert browser.get(logo_url).status_code == 404
    save_branding(session, engagement, GOOD, SVG, user_id=user.id)
    resp = browser.get(logo_url)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/svg+xml"
    assert resp.headers["Content-Security-Policy"].startswith("sandbox")
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.data == SVG


def test_viewers_see_the_branding_but_cannot_change_it_and_outsiders_get_404(make_browser, make_user, session,
                                                                             engagement, user):
    save_branding(session, engagement, GOOD, png(), user_id=user.id)
    viewer = make_user(email="viewer@example.com", name="Vic Viewer")
    set_membership(session, engagement, viewer.email, "viewer")
    b = make_browser(viewer)
    url = f"/e/{engagement.id}/report/branding"
    page = b.get(url)
    assert page.status_code == 200 and "<fieldset disabled>" in page.get_data(as_text=True)
    assert b.get(url + "/logo").status_code == 200
    assert b.post(url, data={**GOOD, "firm_name": "Hijacked"}).status_code == 403
    assert branding_for(session, engagement).firm_name == "Northwind Partners"
    outsider = make_browser(make_user(email="out@example.com", name="Out Sider"))
    assert outsider.get(url).status_code == 404 and outsider.get(url + "/logo").status_code == 404
