"""Titles and names are one line: typed with a line break they are refused with the field named, nothing saved;
long text fields keep their lines; the shared rule (exports.text) turns imported breaks into spaces."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.services.catalog.elements import save_element
from app.services.engagements import create_engagement
from app.services.errors import ValidationError
from exports.text import LINE_BREAK_ERROR, has_line_break, single_line
from models import Element


@pytest.mark.parametrize(("kind", "data", "field"), [
    ("requirement", {"title": "Stock\nvisible"}, "title"),
    ("decision", {"title": "Centralise\r\nATP"}, "title"),
    ("system", {"name": "SAP\u2028ECC", "category": "erp"}, "name"),
    ("stakeholder", {"name": "Dana Ruiz", "role": "Head of\nIT"}, "role"),
])
def test_a_title_or_name_with_a_line_break_is_refused_naming_the_field(session, engagement, kind, data, field):
    before = session.scalar(select(func.count(Element.id)))
    with pytest.raises(ValidationError) as refused:
        save_element(session, engagement, kind, data)
    assert LINE_BREAK_ERROR in str(refused.value.errors[field])
    session.rollback()
    assert session.scalar(select(func.count(Element.id))) == before


def test_long_text_keeps_its_line_breaks(session, engagement):
    requirement = save_element(session, engagement, "requirement", {"title": "Stock visible",
                                                                    "text": "Line one\nLine two"})
    assert requirement.text == "Line one\nLine two"


def test_an_engagement_name_with_a_line_break_is_refused(session, user):
    with pytest.raises(ValidationError) as refused:
        create_engagement(session, "Acme\nRetail", client="Acme", owner=user)
    assert LINE_BREAK_ERROR in str(refused.value.errors["name"])


def test_the_shared_rule_makes_every_kind_of_line_break_one_space():
    assert single_line("  Stock \r\n\n visible\u2028now\x85and\u2029then\vend  ") == "Stock visible now and then end"
    assert not has_line_break("one line\twith a tab") and has_line_break("a\u2028b")
