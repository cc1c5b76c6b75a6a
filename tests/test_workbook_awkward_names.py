"""Awkward text survives the workbook both ways: names holding the list and flow-reference separators
(`;` `,` `|` `->` `[ ]`, backslashes), formula-like starts (`=` `-` `+` `@` `'`), quotes, CJK, emoji, RTL,
150-character names and newlines in text fields — export -> import into an empty engagement -> export gives
the same cells, and every name comes back exactly as typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services.catalog.elements import save_element
from app.services.catalog.trace import add_link
from app.services.engagements import create_engagement
from app.services.scenarios import save_scenario
from app.services.workbook.export import export_tables, export_workbook
from app.services.workbook.importer import import_workbook
from exports.workbook import read_cells, read_workbook
from exports.workbook.lists import flow_ref_text, join_list, parse_flow_ref, split_entities, split_list, unescape
from models import Channel, DataEntity, Decision, Requirement, Scenario, Stakeholder, System
from tests.support.workbooks import errors_of

LONG = ("Ünïcode-long system name " * 10)[:149] + "Z"  # 150 characters
SYSTEM_NAMES = [
    "Acme; Retail", "Pipe | Co", "-dash", "=SUM(A1)", "+plus", "@at", "'quoted", "''=twice", 'Say "hi"',
    "日本語のシステム", "Shop 🛒", "نظام عربي", "Back\\slash; and\\;more", "A -> B arrow", "[brackets]", "Comma, Inc",
    LONG,
]
ENTITIES = ["Stock; level", "Price, net", "Pipe|d", "-Neg", "在庫", "]odd[", "→arrow"]


def _awkward(session):
    """An engagement whose every kind of object is named awkwardly, with scenarios, values and links."""
    eng = create_engagement(session, "Awkward", seed=False)
    target = save_scenario(session, eng, "Target; phase 2", "Line one\nline two")
    baseline = session.scalar(select(Scenario).where(Scenario.engagement_id == eng.id, Scenario.is_baseline))
    both = [baseline.id, target.id]
    channels = [save_element(session, eng, "channel", {"name": n}) for n in ("Web; app", "=Store", "店舗")]
    entities = [save_element(session, eng, "entity", {"name": n}) for n in ENTITIES]
    people = [
        save_element(session, eng, "stakeholder", {"name": n, "role": "-Lead", "team": "@ops"})
        for n in ("Ann; Archer", "-Bob", "李雷")
    ]
    systems = []
    for i, name in enumerate(SYSTEM_NAMES):
        systems.append(save_element(session, eng, "system", {
            "name": name, "category": "erp" if i % 2 else "ipaas", "vendor": "=cmd|' /C calc'!A0",
            "owner_id": people[i % 3].id, "channel_ids": [channels[i % 3].id], "scenario_ids": both,
            "tags": ["semi;colon", "-tag", "絵文字🎉"], "notes": "First line\nSecond line; with = and \"quotes\"",
        }))
    flows = []
    for i in range(len(systems) - 1):
        for pattern in ("batch", "event"):  # two flows per pair: references need the [detail]
            flows.append(save_element(session, eng, "flow", {
                "source_id": systems[i].id, "target_id": systems[i + 1].id, "pattern": pattern,
                "entity_ids": [entities[i % len(entities)].id, entities[(i + 3) % len(entities)].id],
                "via_id": systems[(i + 5) % len(systems)].id if pattern == "event" and i < 10 else None,
                "frequency": "-nightly", "notes": "multi\nline", "scenario_ids": both,
            }))
    save_element(session, eng, "ownership", {"system_id": systems[0].id, "entity_id": entities[0].id, "role": "sor"})
    reqs = [
        save_element(session, eng, "requirement", {
            "title": title, "text": "Needs\nnewlines; semicolons", "priority": "must",
            "channel_ids": [channels[0].id], "source_id": people[0].id, "tags": ["a;b"],
        })
        for title in ("=Stock; visible", "-Returns | refunds", "日本語の要件 2")
    ]
    decision = save_element(session, eng, "decision", {
        "title": "@Use events; not files", "context": "Context\nover lines", "decider_ids": [people[0].id],
        "consulted_ids": [people[1].id], "informed_ids": [people[2].id], "scenario_id": target.id,
    })
    add_link(session, eng, "satisfied_by", reqs[0].id, systems[0].id)
    add_link(session, eng, "satisfied_by", reqs[0].id, flows[0].id)
    add_link(session, eng, "satisfied_by", reqs[1].id, flows[7].id)
    add_link(session, eng, "refines", reqs[1].id, reqs[0].id)
    add_link(session, eng, "addresses", reqs[2].id, decision.id)
    add_link(session, eng, "affects", decision.id, flows[21].id)
    add_link(session, eng, "affects", decision.id, systems[12].id)
    session.commit()
    return eng


@pytest.mark.parametrize("fmt", ["xlsx", "zip"])
def test_awkward_names_round_trip_with_zero_differences(session, fmt):
    source = _awkward(session)
    first = export_workbook(session, source, fmt)
    copy = create_engagement(session, "Copy", seed=False)

    report = import_workbook(session, copy, first, dry_run=False)

    assert report.ok and report.applied, errors_of(report)
    assert read_cells(export_workbook(session, copy, fmt)) == read_cells(first)
    assert export_tables(session, copy) == export_tables(session, source)
    again = import_workbook(session, copy, first, dry_run=True)
    assert again.ok and (again.count("created"), again.count("updated")) == (0, 0), errors_of(again)


def test_every_awkward_name_comes_back_exactly_as_typed(session):
    copy = create_engagement(session, "Copy", seed=False)
    report = import_workbook(session, copy, export_workbook(session, _awkward(session)), dry_run=False)
    assert report.ok, errors_of(report)

    def names(model):
        return sorted(session.scalars(select(model.name).where(model.engagement_id == copy.id)))

    assert names(System) == sorted(SYSTEM_NAMES)
    assert names(DataEntity) == sorted(ENTITIES)
    assert names(Channel) == sorted(["Web; app", "=Store", "店舗"])
    assert names(Stakeholder) == sorted(["Ann; Archer", "-Bob", "李雷"])
    assert "Target; phase 2" in names(Scenario)
    shop = session.scalar(select(System).where(System.engagement_id == copy.id, System.name == "-dash"))
    assert shop.vendor == "=cmd|' /C calc'!A0"
    assert shop.tags == sorted(["semi;colon", "-tag", "絵文字🎉"], key=str.casefold)
    assert shop.notes == "First line\nSecond line; with = and \"quotes\""
    req = session.scalar(select(Requirement).where(Requirement.engagement_id == copy.id, Requirement.ref == "REQ-1"))
    assert (req.name, req.text) == ("=Stock; visible", "Needs\nnewlines; semicolons")
    assert session.scalar(select(Decision.name).where(Decision.engagement_id == copy.id)) == "@Use events; not files"


def test_the_xlsx_export_writes_names_as_typed_and_the_csv_export_guards_them():
    from exports.workbook import write_csv_zip, write_xlsx

    rows = {"systems": [{"name": "-dash", "category": "ERP", "channels": join_list(["Web; app", "Store"])}]}
    assert read_cells(write_xlsx(rows))["systems"][1][:8] == ["-dash", "ERP", None, None, None, None, None,
                                                             "Web\\; app; Store"]
    assert read_cells(write_csv_zip(rows))["systems.csv"][1][0] == "'-dash"
    for data in (write_xlsx(rows), write_csv_zip(rows)):
        cells = read_workbook(data).sheets["systems"].rows[0].cells
        assert cells["name"] == "-dash" and split_list(cells["channels"]) == ["Web; app", "Store"]


# --- the escaping itself --------------------------------------------------------------------------


@pytest.mark.parametrize("items", [["a;b", "c"], ["back\\slash", "x\\;y"], ["\\", ";"], ["plain", "C:\\temp"]])
def test_a_list_cell_gives_back_the_items_it_was_written_from(items):
    assert split_list(join_list(items)) == items


def test_a_backslash_before_an_ordinary_character_is_read_as_typed():
    assert split_list("C:\\temp; D:\\data") == ["C:\\temp", "D:\\data"]
    assert unescape("a\\;b") == "a;b" and unescape("a\\b") == "a\\b"


def test_a_flow_reference_gives_back_its_names_whatever_they_hold():
    text = flow_ref_text("A -> B", "x [1]", (["Price, net", "Pipe|d"], "Batch file", "Mule; soft"))
    source, target, parts = parse_flow_ref(text)
    assert (source, target) == ("A -> B", "x [1]")
    assert split_entities(parts[0]) == ["Price, net", "Pipe|d"]
    assert [unescape(p).strip() for p in parts[1:]] == ["Batch file", "via Mule; soft"]
    assert parse_flow_ref("A \\-\\> B") is None  # an escaped arrow names a system
