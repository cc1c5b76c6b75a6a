"""No raw code reaches a person: the report and the main pages of an engagement holding every requirement and
decision status show labels ("Not met"), never the stored codes (`not_met`)."""

from __future__ import annotations

import html
import re

import pytest

from app.graph import criteria, freshness
from app.services import reports as svc
from app.services.catalog.elements import save_element
from app.services.demo import load_demo
from app.services.labels import label
from exports.report import render_html
from models import vocab


def snake_codes() -> set[str]:
    """Every snake_case code of the vocabularies (models.vocab) and of the analyses' verdicts."""
    codes = {code for value in vars(vocab).values() if isinstance(value, dict) for code in value
             if isinstance(code, str) and "_" in code}
    codes |= {value for module in (freshness, criteria) for name, value in vars(module).items()
              if name.isupper() and isinstance(value, str) and re.fullmatch(r"[a-z]+(?:_[a-z]+)+", value)}
    return codes


def visible_text(document: str) -> str:
    """What a reader sees: text outside tags (SVG labels and tooltips included), no scripts or styles."""
    document = re.sub(r"<(script|style)\b.*?</\1>", " ", document, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", document))


def leaked(document: str) -> list[str]:
    """Codes standing as words; a rule's id (`channel.no_path`, shown as code for rule settings) is a name."""
    text = visible_text(document)
    return sorted(code for code in snake_codes() if re.search(rf"(?<![\w.-]){re.escape(code)}(?![\w-])", text))


@pytest.fixture
def every_status(session, user):
    engagement = load_demo(session, owner=user)
    for number, status in enumerate(vocab.REQUIREMENT_STATUSES):
        for kind in vocab.REQUIREMENT_TYPES:
            save_element(session, engagement, "requirement",
                         {"title": f"Every status {number} {len(kind)}", "status": status, "type": kind})
    for number, status in enumerate(vocab.DECISION_STATUSES):
        save_element(session, engagement, "decision", {"title": f"Decision {number}", "status": status})
    return engagement


def test_the_label_of_a_code_is_its_vocabulary_label_and_unknown_codes_read_as_words():
    assert label("not_met") == "Not met" and label("on_prem") == "On-premises"
    assert label("partially_met") == "Partially met" and label(None) == "" and label("Already words") == "Already words"


def test_the_report_shows_no_code(session, every_status):
    report = svc.build_input(session, every_status, svc.parse_options())
    assert leaked(render_html(report)) == []


@pytest.mark.parametrize("page", ["", "systems", "flows", "requirements", "decisions", "stakeholders", "analysis",
                                  "analysis/freshness", "analysis/criteria", "traceability", "ownership-matrix",
                                  "scenarios", "history"])
def test_the_main_pages_show_no_code(browser, every_status, page):
    response = browser.get(f"/e/{every_status.id}/{page}")
    assert response.status_code == 200
    assert leaked(response.get_data(as_text=True)) == []

