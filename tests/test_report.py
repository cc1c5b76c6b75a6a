"""The client PDF report on the demo engagement: sections, key figures, contents with page numbers, options, CLI."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.services import reports as svc
from app.services.demo import load_demo
from app.services.errors import NotFound, ValidationError
from exports.report import SECTION_TITLES, ReportError, render_html
from models import Decision, Requirement, Scenario, System, scenario_members

TARGET = "Target A — central OMS"


@pytest.fixture
def demo(session, user):
    return load_demo(session, owner=user)


def pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).casefold()


def test_the_full_report_has_every_section_key_figures_and_a_contents_page_with_page_numbers(session, demo):
    data = svc.make_pdf(session, demo, svc.parse_options(), prepared_by="Casey Consultant")
    pages = pdf_pages(data)
    text = flat(" ".join(pages))
    assert len(pages) >= 15
    numbered = [t for k, t in SECTION_TITLES.items() if k not in ("cover", "toc", "engines")]
    for title in numbered:
        assert title.casefold() in text, title
    assert not re.search(r"\d+ engine results", text)  # no run picked: no empty numbered section
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == demo.id, Scenario.is_baseline))
    systems = session.scalar(select(func.count(System.id)).where(
        System.id.in_(select(scenario_members.c.element_id).where(scenario_members.c.scenario_id == baseline.id))))
    assert f"{systems} systems" in text
    first_req = session.scalar(select(Requirement).where(Requirement.engagement_id == demo.id)
                               .order_by(Requirement.number))
    adr = session.scalar(select(Decision).where(Decision.engagement_id == demo.id).order_by(Decision.number))
    assert first_req.ref.casefold() in text and flat(adr.name) in text
    assert "northwind living" in flat(pages[0]) and "architecture discovery report" in flat(pages[0])
    assert f"recommendation {TARGET}".casefold() in text
    # Contents: each numbered section with the page it starts on, and that page really opens with it.
    contents = flat(pages[1])
    assert contents.startswith("contents")
    for number, title in enumerate(numbered, start=1):
        found = re.search(rf"{number} {re.escape(title.casefold())} \.+ (\d+)", contents)
        assert found, title
        page = int(found.group(1))
        assert flat(pages[page - 1]).find(f"{number} {title.casefold()}") >= 0, (title, page)
    # Header and footer on inner pages: engagement, firm and "page X of Y".
    assert f"page 3 of {len(pages)}" in flat(pages[2])
    assert "northwind living" in flat(pages[2]) and "throughline" in flat(pages[2])


def test_only_the_selected_sections_are_in_the_pdf(session, demo):
    options = svc.parse_options(sections="decisions,summary")
    pages = pdf_pages(svc.make_pdf(session, demo, options))
    text = flat(" ".join(pages))
    assert "1 executive summary" in text and "2 decision log" in text
    for absent in ("System inventory", "Integration inventory", "Data freshness", "Scenario comparison",
                   "Contents", "Glossary", "Architecture discovery report"):
        assert absent.casefold() not in text, absent


def test_the_recommendation_names_the_target_and_says_why(session, demo):
    report = svc.build_input(session, demo, svc.parse_options(sections="summary"))
    rec = report.summary.recommendation
    assert rec.scenario == TARGET
    assert "Must requirements" in rec.reason and "high-severity" in rec.reason
    assert "Today's landscape (Current state) passes 0 of 2" in rec.reason
    assert rec.ranking.rows[0][0] == TARGET


def test_the_comparison_shows_model_findings_and_criteria_changes_against_the_current_state(session, demo):
    report = svc.build_input(session, demo, svc.parse_options(scenario=TARGET, sections="comparison"))
    c = report.comparison
    assert (c.before, c.after) == ("Current state", TARGET)
    assert any(row[0] == "Added" and row[1] == "System" for row in c.model.rows)
    assert c.resolved and c.criteria.rows
    assert c.diagram is not None and c.diagram.svg.lstrip().startswith(("<?xml", "<svg", "<!DOCTYPE"))
    assert "Inventory freshness on Web" in [row[0] for row in c.metrics.rows]


def test_requirements_carry_a_verdict_per_scenario(session, demo):
    report = svc.build_input(session, demo, svc.parse_options(sections="requirements"))
    assert set(report.scenarios) >= {"Current state", TARGET}
    verdicts = {q.ref: dict(zip(report.scenarios, q.verdicts, strict=True)) for q in report.requirements}
    assert verdicts["REQ-1"][TARGET] == "pass" and verdicts["REQ-1"]["Current state"] == "fail"


def test_freshness_cells_are_coloured_by_staleness(session, demo):
    report = svc.build_input(session, demo, svc.parse_options(sections="freshness"))
    heat = report.freshness
    levels = {cell.level for _channel, cells in heat.rows for cell in cells}
    assert levels & {"stale", "hours"} and "unknown" in levels
    assert all(len(cells) == len(heat.columns) for _channel, cells in heat.rows)


def test_bad_options_are_refused_with_the_field_named(session, demo):
    with pytest.raises(ValidationError) as exc:
        svc.parse_options(sections="summary,blurb")
    assert "blurb" in exc.value.errors["sections"][0]
    with pytest.raises(ValidationError):
        svc.parse_options(runs="3,x")
    with pytest.raises(NotFound):
        svc.build_input(session, demo, svc.parse_options(scenario="Target Z"))
    with pytest.raises(ValidationError) as exc:
        svc.build_input(session, demo, svc.parse_options(scenario=TARGET, compare=TARGET, sections="comparison"))
    assert "compare" in exc.value.errors


def test_render_html_refuses_an_unknown_section(session, demo):
    report = svc.build_input(session, demo, svc.parse_options(sections="appendix"))
    object.__setattr__(report, "sections", ("appendix", "gossip"))
    with pytest.raises(ReportError):
        render_html(report)


def test_the_cli_writes_a_pdf_and_refuses_unknown_sections(app, session, demo, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", str(demo.id), "--scenario", TARGET, "--sections", "cover,summary,appendix",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = flat(" ".join(pdf_pages(out.read_bytes())))
    assert "glossary" in text and "executive summary" in text and "decision log" not in text
    bad = runner.invoke(args=["report", str(demo.id), "--sections", "summary,nope", "-o", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and "nope" in bad.output
    assert not (tmp_path / "x.pdf").exists()


def test_the_cli_writes_html_with_its_stylesheet_next_to_it(app, session, demo, tmp_path):
    out = tmp_path / "report.html"
    result = app.test_cli_runner().invoke(args=["report", demo.name, "--sections", "systems", "--html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert 'href="report.css"' in html and "Salesforce Commerce Cloud" in html
    assert "@page" in (tmp_path / "report.css").read_text(encoding="utf-8")


def test_the_engagements_branding_is_on_the_cover_and_in_every_page_footer(session, engagement, user):
    from app.services.reports.branding import save_branding

    logo = (b'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="30"><rect width="120" height="30" '
            b'fill="#0a7"/></svg>')
    save_branding(session, engagement, {"firm_name": "Blue Harbour Consulting", "primary_colour": "#0b5394",
                                        "accent_colour": "#e69138", "footer_text": "Confidential — Acme Retail"},
                  logo, user_id=user.id)
    report = svc.build_input(session, engagement, svc.parse_options(sections="cover,toc,summary,appendix"))
    html = render_html(report)
    assert 'src="data:image/svg+xml;base64,' in html and 'alt="Blue Harbour Consulting"' in html
    pages = pdf_pages(svc.make_pdf(session, engagement, svc.parse_options(sections="cover,toc,summary,appendix")))
    assert "confidential — acme retail" not in flat(pages[0].split("Prepared by")[0])
    for number, page in enumerate(pages[1:], start=2):
        assert "confidential — acme retail" in flat(page) and "blue harbour consulting" in flat(page)
        assert f"page {number} of {len(pages)}" in flat(page)


def test_chosen_engine_runs_appear_with_their_headline_figures(session, engagement):
    from app.services.engines.runs import run_now
    from app.services.reports.engines import engine_results
    from app.services.scenarios import list_scenarios
    from tests.support.datasets import load_small_network

    load_small_network(session, engagement)
    run = run_now(session, engagement, list_scenarios(session, engagement.id)[0], "atp")
    assert run.status == "done", run.error
    expected = engine_results(session, engagement, [run.id])[0]
    options = svc.parse_options(sections="summary,engines", runs=str(run.id))
    report = svc.build_input(session, engagement, options)
    assert report.engines[0].run_label == expected.run_label
    assert report.summary.engines[0][0] == expected.title
    text = flat(" ".join(pdf_pages(svc.make_pdf(session, engagement, options))))
    assert flat(expected.title) in text and flat(expected.run_label) in text
    label, value = expected.headline[0]
    assert flat(label) in text and flat(value) in text
    with pytest.raises(NotFound):
        svc.start_job(session, engagement, svc.parse_options(runs="987654"))
