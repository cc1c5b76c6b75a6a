"""Durations are typed as people say them and printed one way everywhere: the parser, the formatter, the forms and
the inline editors that use them, and the service that cleans a typed latency."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.durations import format_duration, parse_duration
from app.services.catalog import elements as svc
from app.services.errors import ValidationError
from app.web.templating import human_seconds
from models import DataFlow
from tests.support.capture import add_system


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [("30s", 30), ("30 s", 30), ("5 min", 300), ("5m", 300), ("1h", 3600), ("1 d", 86400), ("1h30", 5400),
     ("1 h 30 min", 5400), ("5m30", 330), ("1.5h", 5400), ("1,5 h", 5400), ("200ms", 0.2), ("2 weeks", 1209600),
     ("90", 90), ("  2   HOURS ", 7200)],
)
def test_a_typed_duration_is_read_as_seconds(typed, seconds):
    assert parse_duration(typed) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("typed", "why"),
    [("", "Write a duration"), ("soon", "“soon” is not a duration"), ("5 parsecs", "Unknown unit “parsecs”"),
     ("30 1h", "Add a unit to “30”"), ("1h 2h", "larger unit first"), ("5 10", "Add a unit to “5”")],
)
def test_a_text_that_is_no_duration_is_refused_saying_why(typed, why):
    with pytest.raises(ValueError, match=why):
        parse_duration(typed)


@pytest.mark.parametrize(
    ("seconds", "printed"),
    [(87305, "24 h 15 min"), (1455 * 60, "24 h 15 min"), (43650, "12 h 8 min"), (86400, "24 h"), (172800, "2 d"),
     (3 * 86400 + 7200, "3 d 2 h"), (3599.7, "1 h"), (59.6, "1 min"), (330, "5 min 30 s"), (300, "5 min"),
     (7.25, "7.25 s"), (45, "45 s"), (0.2, "200 ms"), (0, "0 s"), (None, "unknown")],
)
def test_every_duration_prints_in_one_rounded_style(seconds, printed):
    assert format_duration(seconds) == printed


def test_what_is_printed_reads_back_as_the_same_duration_rounded():
    for seconds in (30, 330, 5400, 87300, 3 * 86400 + 7200):
        assert parse_duration(format_duration(seconds)) == seconds


def test_pages_show_durations_in_the_same_style_and_a_dash_when_unknown():
    assert human_seconds(87305) == "24 h 15 min"
    assert human_seconds(None) == "—"


def flow_data(session, engagement, **values):
    source, target = add_system(session, engagement, "Shop"), add_system(session, engagement, "OMS")
    entity = svc.save_element(session, engagement, "entity", {"name": "Parcel"})
    return {"source_id": source.id, "target_id": target.id, "entity_ids": [entity.id], "pattern": "api", **values}


def test_the_service_reads_typed_latencies_on_every_entry_path(session, engagement):
    svc.save_element(session, engagement, "flow",
                     flow_data(session, engagement, latency_seconds="5 min", worst_latency_seconds="1h30"))

    flow = session.scalar(select(DataFlow))
    assert (flow.latency_seconds, flow.worst_latency_seconds) == (300, 5400)


def test_a_latency_that_is_no_duration_names_the_field_and_saves_nothing(session, engagement):
    data = flow_data(session, engagement, latency_seconds="soonish")

    with pytest.raises(ValidationError) as raised:
        svc.save_element(session, engagement, "flow", data)
    assert "“soonish” is not a duration" in " ".join(raised.value.errors["latency_seconds"])
    assert session.scalar(select(DataFlow)) is None


def test_the_form_field_reads_1h_and_shows_it_back_in_words(app):
    from werkzeug.datastructures import MultiDict

    from app.web.element_forms import form_class

    with app.test_request_context():
        form = form_class("flow", ("latency_seconds",))(formdata=MultiDict({"latency_seconds": "1h"}),
                                                       meta={"csrf": False})
        assert form.validate() and form.latency_seconds.data == 3600
        assert 'value="1 h"' in str(form.latency_seconds())
        bad = form_class("flow", ("latency_seconds",))(formdata=MultiDict({"latency_seconds": "1 hr 2 hr"}),
                                                      meta={"csrf": False})
        assert not bad.validate() and "larger unit first" in bad.latency_seconds.errors[0]
