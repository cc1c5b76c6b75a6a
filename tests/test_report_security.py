"""The report renderer fetches nothing from outside (canary server), embeds no file, escapes user text and
stops a render that overruns."""

from __future__ import annotations

import http.server
import io
import os
import threading

import pytest
from pypdf import PdfReader

from app.services import reports as svc
from app.services.catalog import elements as elements
from exports.report import inline_svg, render_html, report_css
from exports.report.fetcher import FetchRefused, safe_url_fetcher
from exports.report.model import ReportInput
from exports.report.pdf import ReportError, render_pdf
from exports.report_model import Branding


class Canary:
    """A loopback HTTP server that counts every request it gets."""

    def __init__(self):
        hits = self.hits = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary():
    with Canary() as server:
        yield server


def hostile(port: int) -> str:
    return (f'Stock <img src="http://127.0.0.1:{port}/img"> '
            f'<link rel=attachment href="file:///etc/passwd"> '
            f'<div style="background: url(file:///etc/hostname)">x</div> '
            f'<link rel=stylesheet href="http://127.0.0.1:{port}/css">')


def embedded_files(pdf: bytes) -> bool:
    reader = PdfReader(io.BytesIO(pdf))
    names = reader.trailer["/Root"].get("/Names")
    return bool(names and "/EmbeddedFiles" in names.get_object()) or b"/EmbeddedFile" in pdf


def test_hostile_requirement_text_fetches_nothing_embeds_nothing_and_shows_as_text(session, engagement, canary):
    text = hostile(canary.port)
    elements.save_element(session, engagement, "requirement",
                          {"title": f"Title {text}", "text": text, "priority": "must"})
    pdf = svc.make_pdf(session, engagement, svc.parse_options(sections="requirements,traceability"))
    assert canary.hits == []
    assert not embedded_files(pdf)
    extracted = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert f"<img src=\"http://127.0.0.1:{canary.port}/img\">" in extracted.replace("\n", " ")
    assert "url(file:///etc/hostname)" in extracted.replace("\n", "")


def test_the_fetcher_blocks_network_and_files_even_in_raw_html(canary, tmp_path):
    # Bypass the escaping entirely: the fetcher alone must keep WeasyPrint from loading anything.
    static = tmp_path / "static"
    static.mkdir()
    (static / "ok.css").write_text("p { color: red }")
    html = f"<html><body><p>hi</p>{hostile(canary.port)}<a rel=attachment href='file:///etc/passwd'>a</a></body></html>"
    origin = f"http://127.0.0.1:{canary.port}"
    css = f"@import url({origin}/import.css); body {{ background: url({origin}/bg) }}"
    pdf = render_pdf(html, css=css, static_dir=static, timeout=60)
    assert canary.hits == []
    assert not embedded_files(pdf)


def test_the_fetcher_allows_only_data_static_files_and_registered_images(tmp_path):
    static = tmp_path / "static"
    (static / "img").mkdir(parents=True)
    (static / "img" / "logo.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, static / "img" / "leak.txt")
    fetch = safe_url_fetcher(static, {"chart.png": b"\x89PNG"})
    assert fetch((static / "img" / "logo.svg").as_uri()).read().startswith(b"<svg")
    data = fetch("data:text/plain,hello")
    assert data.read() == b"hello" and data.content_type == "text/plain"
    assert fetch("memory:chart.png").read() == b"\x89PNG"
    for url in ("http://127.0.0.1:9/x.png", "https://example.com/a.css", "ftp://example.com/f",
                "file:///etc/passwd", secret.as_uri(), (static / "img" / "leak.txt").as_uri(),
                (static / ".." / "secret.txt").as_uri(), "file://evil.example/etc/passwd", "memory:missing.png",
                "relative/path.png"):
        with pytest.raises(FetchRefused):
            fetch(url)


def test_a_render_that_overruns_its_time_limit_fails_with_a_clear_message():
    big = "<table>" + "".join(f"<tr><td>{i}</td><td>row</td></tr>" for i in range(20000)) + "</table>"
    with pytest.raises(ReportError, match="longer than 0.5 s"):
        render_pdf(big, timeout=0.5)


def test_a_report_job_that_fails_records_why(session, engagement, user):
    job = svc.start_job(session, engagement, svc.parse_options(sections="summary"), user=user)
    done = svc.execute_job(session, job.id, timeout=0.01)
    assert done.status == "failed" and "longer than" in done.error and done.pdf is None


def test_user_text_is_escaped_in_the_html_and_branding_cannot_inject_css():
    report = ReportInput(
        engagement='Acme </title><script>alert(1)</script>', client="<b>Client</b>", date="2026-11-26",
        version="v1", scenario="Current state", sections=("cover",),
        branding=Branding(firm_name='Firm"; } body { display: none } @page { x: "', primary_colour="red; }",
                          accent_colour="#00ff00", footer_text="Line\nbreak \\ back"),
    )
    html = render_html(report)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;Client&lt;/b&gt;" in html
    css = report_css(report)
    assert "var(--" not in css.split("*/", 1)[1] and "red; }" not in css
    assert "background: #1f3a5f" in css and "color: #00ff00" in css  # bad colour falls back; good one is used
    assert 'content: "Firm\\"; } body { display: none } @page { x: \\"";' in css
    assert "\n" not in css.split("@bottom-left")[1].split(";")[0]


def test_only_svg_documents_are_inlined_as_markup():
    assert inline_svg('<img src="http://x/">') == ""
    assert str(inline_svg('<?xml version="1.0"?>\n<svg width="100pt" height="50pt"></svg>')).startswith(
        '<svg width="70.0pt" height="35.0pt"')
