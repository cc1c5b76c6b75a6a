"""MADR decision records: one numbered file per ADR in the zip, every file parses back to the decision's fields,
and hostile text (front-matter fences, headings, fences, HTML) cannot change the file's structure."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest

from app.services.demo import load_demo
from app.services.interchange import documents as documents
from exports.madr import MadrError, fields_of, file_name, parse_madr, render_madr, write_adr_zip, write_adrs
from exports.records import DecisionRecord, DocumentSnapshot, LinkRecord, RequirementRecord
from models import vocab

HOSTILE_TITLE = "---\n# x"
HOSTILE_BODY = "\n".join([
    "First line",
    "---",
    "# Not a heading",
    "## Decision Outcome",
    "   ### indented heading",
    "===",
    "```",
    "~~~ fence",
    "<!-- swallow everything",
    "\\ a backslash line",
    "\\# already escaped-looking",
    "status: hacked",
    "* a real bullet stays",
])


def snapshot(title: str = HOSTILE_TITLE, body: str = HOSTILE_BODY) -> DocumentSnapshot:
    decisions = (
        DecisionRecord(20, 1, "ADR-1", "Keep SAP as stock master", status="superseded", context="Old context",
                       decided_on=date(2025, 1, 10), deciders=("Dana Ruiz",)),
        DecisionRecord(21, 2, "ADR-2", title, status="accepted", context=body, options="1. OMS\n2. ERP",
                       outcome=body, consequences="Good, because x.\nBad, because y.", decided_on=date(2026, 2, 1),
                       supersedes_id=20, deciders=('Ana "the boss" Lima', "Bo, Jr."), consulted=("Cy: ops",),
                       informed=("---",), scenario="Target A", affects=("Fluent OMS",)),
        DecisionRecord(22, 12, "ADR-12", "Ünïcödé decision — 東京", status="proposed"),
    )
    return DocumentSnapshot(
        engagement_id=3, engagement_name="Acme", client="", exported_at=datetime(2026, 3, 2, tzinfo=UTC),
        decision_statuses=vocab.DECISION_STATUSES,
        requirements=(RequirementRecord(10, "REQ-1", "Stock [visible](javascript:x)"),
                      RequirementRecord(11, "REQ-3", "Checkout up")),
        decisions=decisions,
        links=(LinkRecord(1, "addresses", 11, 21), LinkRecord(2, "addresses", 10, 21)),
    )


def test_the_zip_has_one_numbered_file_per_adr_and_an_index():
    archive = zipfile.ZipFile(io.BytesIO(write_adr_zip(snapshot())))
    assert archive.namelist() == ["decisions/0001-keep-sap-as-stock-master.md", "decisions/0002-x.md",
                                  "decisions/0012-unicode-decision.md", "decisions/README.md"]
    readme = archive.read("decisions/README.md").decode()
    assert "[ADR-12](0012-unicode-decision.md)" in readme


def test_every_file_parses_back_to_the_decisions_fields():
    snap = snapshot()
    files = write_adrs(snap)
    for decision in snap.decisions:
        assert parse_madr(files[file_name(decision)]) == fields_of(decision, snap)


def test_the_fields_are_the_decisions_own():
    snap = snapshot()
    fields = parse_madr(render_madr(snap.decisions[1], snap))
    assert fields.title == "--- # x"  # one line: the break became a space
    assert fields.status == "accepted" and fields.date == "2026-02-01"
    assert fields.deciders == ('Ana "the boss" Lima', "Bo, Jr.") and fields.consulted == ("Cy: ops",)
    assert fields.informed == ("---",)
    assert fields.context == HOSTILE_BODY and fields.outcome == HOSTILE_BODY
    assert fields.options == "1. OMS\n2. ERP"
    assert fields.addresses == ("REQ-1", "REQ-3") and fields.supersedes == "ADR-1"


def test_hostile_text_does_not_change_the_structure():
    snap = snapshot()
    text = render_madr(snap.decisions[1], snap)
    lines = text.split("\n")
    assert lines[0] == "---" and lines.index("---", 1) == 8  # the front matter ends where ours does
    assert [line for line in lines if line.startswith("#")] == [
        "# --- \\# x", "## Context and Problem Statement", "## Considered Options",
        "## Decision Outcome", "### Consequences", "## More Information"]
    assert not [line for line in lines[9:] if line.strip() in ("---", "===", "```")]
    assert "\\<!-- swallow everything" in lines and "* a real bullet stays" in lines
    assert "* Supersedes [ADR-1](0001-keep-sap-as-stock-master.md) Keep SAP as stock master" in lines
    assert "* Addresses REQ-1 Stock \\[visible\\](javascript:x)" in lines  # no live link from a title


def test_requirement_links_point_at_the_app_when_asked():
    snap = snapshot()
    text = render_madr(snap.decisions[1], snap, requirement_url="https://tl.example/e/3/requirements/{id}")
    assert "* Addresses [REQ-3](https://tl.example/e/3/requirements/11) Checkout up" in text
    assert parse_madr(text).addresses == ("REQ-1", "REQ-3")


def test_a_superseded_adr_links_to_its_successor():
    snap = snapshot()
    text = render_madr(snap.decisions[0], snap)
    assert "* Superseded by [ADR-2](0002-x.md)" in text


def test_front_matter_values_are_quoted_yaml():
    snap = snapshot()
    text = render_madr(snap.decisions[1], snap)
    assert 'title: "--- # x"' in text
    assert 'decision-makers: ["Ana \\"the boss\\" Lima", "Bo, Jr."]' in text
    assert "status: hacked" not in text.split("---\n")[1]


def test_a_madr_4_file_written_by_hand_parses_too():
    text = "---\nstatus: accepted\ndate: 2024-05-01\ndecision-makers: Ana, Bo\n---\n\n# Use Kafka\n\n" \
           "## Context and Problem Statement\n\nWe need events.\n"
    fields = parse_madr(text)
    assert (fields.title, fields.status, fields.deciders, fields.context) == ("Use Kafka", "accepted", ("Ana", "Bo"),
                                                                            "We need events.")


def test_the_front_matter_follows_madr_4():
    snap = snapshot()
    text = render_madr(snap.decisions[0], snap)
    front = text.split("---\n")[1].splitlines()
    assert [line.split(":")[0] for line in front] == [
        "status", "date", "decision-makers", "consulted", "informed", "title", "adr"]
    assert front[0] == 'status: "superseded by ADR-2"' and "deciders" not in text


def test_the_readme_says_which_madr_version_the_files_follow():
    archive = zipfile.ZipFile(io.BytesIO(write_adr_zip(snapshot())))
    assert "MADR 4.0.0" in archive.read("decisions/README.md").decode()


def test_no_exported_title_or_name_spans_two_lines():
    snap = snapshot(title="Centralise\r\nATP\u2028in the OMS")
    text = render_madr(snap.decisions[1], snap)
    assert 'title: "Centralise ATP in the OMS"' in text and "# Centralise ATP in the OMS" in text.splitlines()


def test_a_madr_3_file_with_deciders_parses_like_a_madr_4_one():
    madr3 = "---\nstatus: superseded by [ADR-0005](0005-example.md)\ndeciders: [Ana, Bo]\n---\n\n# Use Kafka\n"
    madr4 = "---\nstatus: superseded by ADR-0005\ndecision-makers: [\"Ana\", \"Bo\"]\n---\n\n# Use Kafka\n"
    for text in (madr3, madr4):
        fields = parse_madr(text)
        assert (fields.deciders, fields.status, fields.superseded_by) == (("Ana", "Bo"), "superseded", "ADR-0005")


def test_a_hand_written_block_list_of_decision_makers_parses():
    text = "---\n# optional elements\nstatus: accepted\ndecision-makers:\n  - Ana\n  - 'Bo'\n---\n\n# Use Kafka\n"
    assert parse_madr(text).deciders == ("Ana", "Bo")


def test_line_breaks_in_an_imported_title_become_spaces_and_are_reported():
    text = '---\ntitle: "Use\\nKafka"\nadr: ADR-4\ndecision-makers: ["Ana\\nLima"]\n---\n\n# Use Kafka\n'
    fields = parse_madr(text)
    assert (fields.title, fields.deciders) == ("Use Kafka", ("Ana Lima",))
    assert fields.notes == ("title: line breaks read as spaces",
                            "decision-makers: line breaks in a name read as spaces")


def test_the_adr_number_comes_from_the_heading_when_the_front_matter_has_none():
    assert parse_madr("---\nstatus: accepted\n---\n\n# ADR-7: Use Kafka\n").ref == "ADR-7"


def test_text_without_front_matter_is_refused():
    with pytest.raises(MadrError):
        parse_madr("# Just a heading\n")


def test_the_demo_decisions_export_and_parse_back(session, user):
    demo = load_demo(session, owner=user)
    session.commit()
    snap = documents.snapshot(session, demo)
    archive = zipfile.ZipFile(io.BytesIO(documents.export_adrs(session, demo)))
    names = [n for n in archive.namelist() if not n.endswith("README.md")]
    assert len(names) == len(snap.decisions) >= 3
    for decision in snap.decisions:
        assert parse_madr(archive.read(f"decisions/{file_name(decision)}").decode()) == fields_of(decision, snap)
    assert any(fields_of(d, snap).addresses for d in snap.decisions)
