"""The report pages: the form, the HTML preview under the app's CSP, a background job to a PDF download, and who
may do what."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.jobs import jobs
from app.services.accounts import set_membership
from app.services.catalog import elements as elements
from app.services.demo import load_demo
from app.services.engagements import create_engagement
from models.report import ReportJob


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def wait_for(app, job_id: int) -> None:
    future = jobs(app).futures.get(f"report-{job_id}")
    if future is not None:
        future.result(timeout=120)


def latest_job(session, engagement_id: int) -> ReportJob:
    session.commit()
    return session.scalar(select(ReportJob).where(ReportJob.engagement_id == engagement_id)
                          .order_by(ReportJob.id.desc()))


def test_the_form_offers_scenarios_sections_and_engine_runs(browser, demo):
    page = browser.get(f"/e/{demo.id}/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="sections" value="summary"' in html and 'name="sections" value="engines"' in html
    assert "Target A — central OMS" in html and "Make the PDF" in html
    assert "Preview in the browser" in html
    assert f"/e/{demo.id}/report/branding" in html  # the firm's look is one click away


def test_every_engagement_page_links_to_the_report(browser, demo):
    assert f'href="/e/{demo.id}/report"' in browser.get(f"/e/{demo.id}/").get_data(as_text=True)


def test_the_preview_is_html_with_its_own_stylesheet_and_keeps_the_csp(browser, demo, session):
    elements.save_element(session, demo, "requirement", {"title": "<script>alert(1)</script> on the web"})
    page = browser.get(f"/e/{demo.id}/report/preview?chosen=1&sections=summary&sections=requirements")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert f'href="/e/{demo.id}/report/report.css"' in html
    assert "Executive summary" in html and "Requirements" in html and "Decision log" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert " style=" not in html and "<style" not in html
    css = browser.get(f"/e/{demo.id}/report/report.css")
    assert css.mimetype == "text/css" and "background: #1f3a5f" in css.get_data(as_text=True)


def test_a_bad_choice_shows_the_form_again_with_the_reason(browser, demo):
    page = browser.get(f"/e/{demo.id}/report/preview?chosen=1")
    assert page.status_code == 422 and "Choose at least one section" in page.get_data(as_text=True)
    page = browser.post(f"/e/{demo.id}/report/jobs", data={"chosen": "1", "sections": "summary", "runs": "999999"})
    assert page.status_code == 422


def test_a_job_makes_the_pdf_in_the_background_then_offers_the_download(app, browser, demo, session):
    start = browser.post(f"/e/{demo.id}/report/jobs", data={"chosen": "1", "sections": ["cover", "summary"]})
    assert start.status_code == 303
    job = latest_job(session, demo.id)
    assert start.headers["Location"].endswith(f"/e/{demo.id}/report/jobs/{job.id}")
    wait_for(app, job.id)
    fragment = browser.get(f"/e/{demo.id}/report/jobs/{job.id}", htmx=True)
    assert "Download the PDF" in fragment.get_data(as_text=True) and fragment.headers.get("HX-Refresh") == "true"
    pdf = browser.get(f"/e/{demo.id}/report/jobs/{job.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    name = f"northwind-living-omnichannel-discovery-report-{job.id}.pdf"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Executive summary" in text and "Decision log" not in text
    assert "Report" in browser.get(f"/e/{demo.id}/report").get_data(as_text=True)


def test_a_running_job_polls_with_a_progress_bar_and_has_no_download_yet(browser, demo, session, user):
    job = ReportJob(engagement_id=demo.id, created_by_id=user.id, status="running", progress=0.4,
                    options={"sections": ["summary"]})
    session.add(job)
    session.commit()
    page = browser.get(f"/e/{demo.id}/report/jobs/{job.id}").get_data(as_text=True)
    assert '<progress max="100" value="40">' in page and "hx-trigger=\"every 1s\"" in page
    assert browser.get(f"/e/{demo.id}/report/jobs/{job.id}/pdf").status_code == 404


def test_viewers_download_but_cannot_start_and_strangers_see_nothing(app, browser, demo, session, make_user,
                                                                     make_browser):
    job = ReportJob(engagement_id=demo.id, status="done", progress=1.0, options={}, pdf=b"%PDF-1.7 test")
    session.add(job)
    session.commit()
    viewer = make_user(email="viewer@example.com", name="Vic Viewer")
    set_membership(session, demo, viewer.email, "viewer")
    as_viewer = make_browser(viewer)
    assert as_viewer.get(f"/e/{demo.id}/report/jobs/{job.id}/pdf").data == b"%PDF-1.7 test"
    assert as_viewer.post(f"/e/{demo.id}/report/jobs", data={"sections": "summary"}).status_code == 403
    assert "Make the PDF" not in as_viewer.get(f"/e/{demo.id}/report").get_data(as_text=True)
    stranger = make_user(email="stranger@example.com", name="Stranger")
    other = create_engagement(session, "Other", owner=stranger)
    as_stranger = make_browser(stranger)
    assert as_stranger.get(f"/e/{demo.id}/report/jobs/{job.id}/pdf").status_code == 404
    assert as_stranger.get(f"/e/{demo.id}/report/preview").status_code == 404
    # A job id of another engagement is not found through one's own engagement either.
    assert as_stranger.get(f"/e/{other.id}/report/jobs/{job.id}/pdf").status_code == 404
