"""ReqIF 1.2 export: the file validates (XSD and semantics, with the `reqif` package), values and relations come
back through its parser, hostile and non-ASCII text survives, `.reqifz` is a zip holding a valid `.reqif`."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from reqif.cli.cli_arg_parser import ValidateCommandConfig
from reqif.commands.validate.validate import ValidateCommand
from reqif.parser import ReqIFParser

from app.services.demo import load_demo
from app.services.interchange import documents as documents
from exports.records import DecisionRecord, DocumentSnapshot, LinkRecord, RequirementRecord
from exports.reqif import write_reqif, write_reqifz
from models import vocab

HOSTILE_TITLE = 'Stock & <visible> "now" — ü 東京'
HOSTILE_TEXT = "Line one & <b>not bold</b>\nline two\n\nSecond paragraph ]]> \x07bell"


def snapshot() -> DocumentSnapshot:
    return DocumentSnapshot(
        engagement_id=7, engagement_name="Acme & <Co>", client="Ácme Retail",
        exported_at=datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
        channels={1: "Web", 2: 'Store "flagship" & <outlet>'},
        requirement_types=vocab.REQUIREMENT_TYPES, priorities=vocab.PRIORITIES,
        requirement_statuses=vocab.REQUIREMENT_STATUSES, decision_statuses=vocab.DECISION_STATUSES,
        requirements=(
            RequirementRecord(10, "REQ-1", HOSTILE_TITLE, HOSTILE_TEXT, type="non_functional", priority="must",
                              status="agreed", channel_ids=(1, 2), source="Dana Ruiz",
                              acceptance="freshness(inventory, web) <= 60s", tags=("stock", "web"), version=3,
                              satisfied_by=("Fluent OMS",)),
            RequirementRecord(11, "REQ-2", "Refined detail", "", type="data", priority="could"),
        ),
        decisions=(DecisionRecord(20, 1, "ADR-1", "Centralise ATP", status="accepted", context="Why & how",
                                  decided_on=date(2026, 2, 1)),),
        links=(LinkRecord(1, "refines", 11, 10), LinkRecord(2, "addresses", 10, 20),
               LinkRecord(3, "satisfied_by", 10, 99), LinkRecord(4, "addresses", 10, 404)),
    )


def validate(path) -> list[str]:
    """Every problem the `reqif` package finds: XML, strict XSD schema, and semantic (dangling references)."""
    problems = ValidateCommand._validate(ValidateCommandConfig(str(path), True))
    return ([str(e) for e in problems.xml_errors] + [e.get_description() for e in problems.schema_errors]
            + [e.get_description() for e in problems.semantic_warnings])


def parsed(tmp_path, data: bytes, name: str = "out.reqif"):
    path = tmp_path / name
    path.write_bytes(data)
    assert validate(path) == []
    bundle = ReqIFParser.parse(str(path))
    assert bundle.exceptions == []
    return bundle.core_content.req_if_content


def values_of(spec_object) -> dict[str, object]:
    out = {}
    for attribute in spec_object.attributes:
        value = attribute.value
        if attribute.value_stripped_xhtml is not None:  # XHTML: the text a reader sees, with our line breaks
            value = re.sub(r"<br/>", "\n", attribute.value_stripped_xhtml)
            value = "\n\n".join(re.sub(r"<[^>]+>", "", p).strip()
                                for p in re.findall(r"<p>(.*?)</p>", value, flags=re.S))
            value = value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        out[attribute.definition_ref] = value
    return out


@pytest.mark.parametrize("group_by", ["type", "channel"])
def test_the_export_validates_against_the_reqif_schema_and_semantics(tmp_path, group_by):
    parsed(tmp_path, write_reqif(snapshot(), group_by=group_by))


def test_requirement_values_come_back_with_hostile_and_non_ascii_text_intact(tmp_path):
    content = parsed(tmp_path, write_reqif(snapshot()))
    objects = {o.identifier: o for o in content.spec_objects}
    req = objects["req-10"]
    assert req.long_name == HOSTILE_TITLE and req.spec_object_type == "sot-requirement"
    values = values_of(req)
    assert values["ad-req-foreign-id"] == "REQ-1"
    assert values["ad-req-name"] == HOSTILE_TITLE
    assert values["ad-req-text"] == "Line one & <b>not bold</b>\nline two\n\nSecond paragraph ]]> bell"
    assert values["ad-req-type"] == ["ev-requirement-type-non_functional"]
    assert values["ad-req-priority"] == ["ev-priority-must"]
    assert values["ad-req-status"] == ["ev-requirement-status-agreed"]
    assert values["ad-req-channels"] == ["ev-channel-1", "ev-channel-2"]
    assert values["ad-req-source"] == "Dana Ruiz"
    assert values["ad-req-acceptance"] == "freshness(inventory, web) <= 60s"
    assert values["ad-req-tags"] == "stock, web"
    assert values["ad-req-satisfied-by"] == "Fluent OMS"
    assert values["ad-req-version"] == "3"
    assert objects["adr-20"].spec_object_type == "sot-decision"
    assert values_of(objects["adr-20"])["ad-adr-context"] == "Why & how"
    labels = {v.identifier: v.long_name for d in content.data_types if getattr(d, "values", None) for v in d.values}
    assert labels["ev-channel-2"] == 'Store "flagship" & <outlet>' and labels["ev-priority-must"] == "Must"


def test_trace_links_become_spec_relations_and_links_outside_the_file_are_left_out(tmp_path):
    content = parsed(tmp_path, write_reqif(snapshot()))
    relations = {(r.identifier, r.source, r.target, r.relation_type_ref) for r in content.spec_relations}
    assert relations == {("rel-1", "req-11", "req-10", "srt-refines"), ("rel-2", "req-10", "adr-20", "srt-addresses")}


def test_the_hierarchy_groups_requirements_by_type_or_by_channel(tmp_path):
    def tree(group_by):
        content = parsed(tmp_path, write_reqif(snapshot(), group_by=group_by), f"{group_by}.reqif")
        specs = {s.identifier: s for s in content.specifications}
        return {h.spec_object: [c.spec_object for c in (h.children or [])]
                for h in specs["spec-requirements"].children}, [h.spec_object for h in specs["spec-decisions"].children]

    by_type, decisions = tree("type")
    assert by_type == {"head-type-non_functional": ["req-10"], "head-type-data": ["req-11"]}
    assert decisions == ["adr-20"]
    by_channel, _ = tree("channel")
    assert by_channel == {"head-channel-1": ["req-10"], "head-channel-2": ["req-10"], "head-channel-none": ["req-11"]}


def test_requirements_whose_type_priority_and_status_are_unknown_export_under_their_own_heading(tmp_path):
    unknown = RequirementRecord(12, "REQ-3", "Imported without a type", "", type=None, priority=None, status=None)
    snap = snapshot()
    snap = DocumentSnapshot(**{**snap.__dict__, "requirements": (*snap.requirements, unknown)})
    content = parsed(tmp_path, write_reqif(snap, group_by="type"))
    names = {o.identifier: values_of(o) for o in content.spec_objects}
    assert names["head-type-unknown"]["ad-heading-name"] == "Type not stated"
    imported = next(v for v in names.values() if v.get("ad-req-foreign-id") == "REQ-3")
    assert imported["ad-req-name"] == "Imported without a type" and "ad-req-status" not in imported


def test_identifiers_are_stable_and_the_output_deterministic():
    first, second = write_reqif(snapshot()), write_reqif(snapshot())
    assert first == second
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b'IDENTIFIER="req-10"' in first


def test_a_reqifz_is_a_zip_holding_one_valid_reqif(tmp_path):
    data = write_reqifz(snapshot(), stem="acme-requirements")
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == ["acme-requirements.reqif"]
    parsed(tmp_path, archive.read("acme-requirements.reqif"))
    with pytest.raises(ValueError):
        write_reqifz(snapshot(), stem="../evil")


def test_an_unknown_grouping_is_refused():
    with pytest.raises(ValueError):
        write_reqif(snapshot(), group_by="colour")


def test_the_demo_engagement_exports_every_requirement_and_link(session, user, tmp_path):
    demo = load_demo(session, owner=user)
    session.commit()
    snap = documents.snapshot(session, demo)
    content = parsed(tmp_path, documents.export_reqif(session, demo, group_by="channel"))
    exported = {o.identifier for o in content.spec_objects if o.spec_object_type == "sot-requirement"}
    assert exported == {f"req-{r.id}" for r in snap.requirements} and len(exported) >= 10
    kinds = {link.kind for link in snap.links}
    expected = sum(1 for link in snap.links if link.kind in ("refines", "addresses"))
    assert len(content.spec_relations) == expected > 0, kinds


def test_the_snapshot_takes_the_same_few_queries_for_an_empty_and_a_full_engagement(session, user, engagement):
    from sqlalchemy import event

    demo = load_demo(session, owner=user)
    session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", count)
    try:
        counts = []
        for target in (engagement, demo):
            session.expire_all()
            statements.clear()
            snap = documents.snapshot(session, target)
            counts.append(len(statements))
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert snap.requirements and snap.decisions and snap.links
    assert counts[0] == counts[1] <= 10, counts
