"""Every script a client may type reaches the PDF and the diagrams: Japanese, Arabic and emoji names are in the
PDF's text, CJK is drawn (not boxes) in PNG diagrams, and a character no font has is named on the appendix page."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from app.services import reports as svc
from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from exports import fonts
from exports.report import render_html

JAPANESE = "日本語の要件 2"
ARABIC = "نظام المخزون"
EMOJI = "Checkout 🚀 fast"
SYSTEM_JP = "在庫管理システム"

needs_fonts = pytest.mark.skipif(not fonts.can_check() or fonts.missing_characters([JAPANESE, ARABIC, EMOJI]),
                                 reason="the Noto fonts are not installed (make system-deps)")


@pytest.fixture
def multilingual(session, user):
    engagement = create_engagement(session, "東京 discovery — مرحبا", client="株式会社 Acme", owner=user)
    save_element(session, engagement, "system", {"name": SYSTEM_JP, "category": "erp"})
    save_element(session, engagement, "system", {"name": ARABIC, "category": "pos"})
    save_element(session, engagement, "requirement", {"title": JAPANESE})
    save_element(session, engagement, "requirement", {"title": EMOJI})
    return engagement


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@needs_fonts
def test_japanese_arabic_and_emoji_names_are_in_the_pdf_text(session, multilingual):
    options = svc.parse_options(sections="cover,summary,systems,requirements,appendix")
    text = pdf_text(svc.make_pdf(session, multilingual, options))
    for name in (JAPANESE, SYSTEM_JP, "東京 discovery", "株式会社 Acme", "Checkout"):
        assert name in text, name
    assert "🚀" in text
    # pypdf gives Arabic in visual order, letters joined; the words are there, not dropped.
    assert all(word in text or word[::-1] in text for word in ARABIC.split())
    assert "Characters that could not be drawn" not in text


@needs_fonts
def test_a_character_no_font_has_is_named_on_the_appendix_page(session, multilingual):
    save_element(session, multilingual, "system", {"name": "Private \ue000 system", "category": "custom"})
    report = svc.build_input(session, multilingual, svc.parse_options(sections="cover,systems"))
    html = render_html(report)
    assert "Characters that could not be drawn" in html
    assert "U+E000 (private use)" in html and "System inventory" in html.split("Characters that could not")[1]
    assert JAPANESE not in html.split("Characters that could not")[1]  # only what cannot be drawn is listed


def test_a_report_whose_text_can_all_be_drawn_has_no_such_list(session, engagement):
    report = svc.build_input(session, engagement, svc.parse_options(sections="cover,summary"))
    assert "could not be drawn" not in render_html(report)


def test_the_css_and_the_graphviz_font_name_the_same_noto_faces():
    for family in ("Noto Sans", "Noto Sans CJK JP", "Noto Sans Arabic"):
        assert f'"{family}"' in fonts.CSS_STACK and family in fonts.GRAPHVIZ_FONT.split(",")
    assert fonts.CSS_STACK.endswith("sans-serif")  # then fontconfig's fallback: emoji, Hebrew, Indic, Thai…


def _png(label: str, env: dict[str, str] | None = None) -> bytes:
    source = f'digraph g {{ node [fontname="{fonts.GRAPHVIZ_FONT}"]; a [label="{label}"]; }}'
    return subprocess.run([shutil.which("dot"), "-Tpng"], input=source.encode(), capture_output=True,  # noqa: S603
                          check=True, env=env, timeout=60).stdout


@needs_fonts
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_cjk_in_a_png_diagram_is_drawn_with_the_cjk_font_not_as_boxes(tmp_path):
    drawn = _png(SYSTEM_JP)
    # The same label with no fonts at all is drawn as boxes (tofu): what a server without Noto CJK did.
    (tmp_path / "fonts.conf").write_text('<?xml version="1.0"?><fontconfig><cachedir>'
                                         f'{tmp_path}/cache</cachedir></fontconfig>')
    tofu = _png(SYSTEM_JP, env={**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf")})
    assert drawn != tofu
    direct = subprocess.run([shutil.which("dot"), "-Tpng"], capture_output=True, check=True, timeout=60,  # noqa: S603
                            input=f'digraph g {{ node [fontname="Noto Sans CJK JP"]; a [label="{SYSTEM_JP}"]; }}'
                            .encode()).stdout
    assert drawn == direct  # the stack reaches Noto Sans CJK for every character of the name
