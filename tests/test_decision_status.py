"""Decisions follow their own links: a decision superseded by an accepted one shows and exports as "Superseded by
ADR-n" whatever status it stored, and the stored status survives every export and import unchanged."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from typing import NamedTuple

import pytest
from lxml import etree
from sqlalchemy import select

from app.graph.decision_status import effective_status, effective_statuses
from app.services.bundle.transfer import export_bundle, import_bundle
from app.services.catalog import decision_status
from app.services.catalog.elements import save_element
from app.services.demo import load_demo
from app.services.engagements import create_engagement
from app.services.interchange import documents
from app.services.reports.sections import decision_items
from app.services.workbook.export import export_tables, export_workbook
from app.services.workbook.importer import import_workbook
from exports.madr import parse_madr, render_madr
from exports.records import DecisionRecord, DocumentSnapshot
from models import Decision, Element
from models.vocab import DECISION_STATUSES
from tests.support.bundles import demo_document, without_timestamp


class D(NamedTuple):
    id: int
    number: int
    ref: str
    status: str
    supersedes_id: int | None = None


# --- the rule -------------------------------------------------------------------------------------


def test_a_decision_superseded_by_an_accepted_one_is_superseded_whatever_it_stored():
    for stored in DECISION_STATUSES:
        shown = effective_status(stored, [("ADR-3", "accepted")])
        assert (shown.status, shown.by, shown.stored) == ("superseded", "ADR-3", stored)
        assert shown.text() == "superseded by ADR-3" and shown.text(DECISION_STATUSES) == "Superseded by ADR-3"


@pytest.mark.parametrize("superseder", ["proposed", "rejected", "deprecated"])
def test_a_decision_superseded_by_one_not_in_force_keeps_its_own_status(superseder):
    shown = effective_status("accepted", [("ADR-3", superseder)])
    assert (shown.status, shown.by, shown.derived) == ("accepted", None, False)
    assert shown.text(DECISION_STATUSES) == "Accepted"


def test_in_a_chain_each_decision_replaced_by_one_in_force_is_superseded_by_it():
    chain = [D(1, 1, "ADR-1", "accepted"), D(2, 2, "ADR-2", "accepted", 1), D(3, 3, "ADR-3", "accepted", 2)]
    shown = effective_statuses(chain)
    assert [(shown[i].status, shown[i].by) for i in (1, 2, 3)] == [
        ("superseded", "ADR-2"), ("superseded", "ADR-3"), ("accepted", None)]
    # Recording ADR-2 as superseded (as a careful user does) keeps ADR-1 superseded: ADR-2 was in force once.
    chain[1] = chain[1]._replace(status="superseded")
    assert effective_statuses(chain)[1].by == "ADR-2"


def test_a_stored_superseded_status_stays_even_without_a_successor_in_force():
    shown = effective_statuses([D(1, 1, "ADR-1", "superseded"), D(2, 2, "ADR-2", "proposed", 1)])
    assert (shown[1].status, shown[1].by, shown[2].status) == ("superseded", None, "proposed")


def test_madr_names_no_successor_for_a_decision_superseded_by_a_mere_proposal():
    snap = DocumentSnapshot(
        engagement_id=1, engagement_name="Acme", client="", exported_at=datetime(2026, 3, 2, tzinfo=UTC),
        decision_statuses=DECISION_STATUSES,
        decisions=(DecisionRecord(1, 1, "ADR-1", "Files", status="accepted"),
                   DecisionRecord(2, 2, "ADR-2", "Events", status="proposed", supersedes_id=1)))
    text = render_madr(snap.decisions[0], snap)
    assert 'status: "accepted"' in text and "* Superseded by [ADR-2](0002-events.md) Events" in text
    assert (parse_madr(text).status, parse_madr(text).superseded_by) == ("accepted", None)


def test_madr_3s_linked_status_line_reads_back_too():
    text = "---\nstatus: superseded by [ADR-0005](0005-example.md)\nadr: ADR-2\n---\n\n# Example\n"
    assert (parse_madr(text).status, parse_madr(text).superseded_by) == ("superseded", "ADR-0005")


# --- the demo: ADR-3 (accepted) supersedes ADR-1 ------------------------------------------------------


@pytest.fixture
def demo(session, user):
    """The demo with ADR-1 recorded as still accepted, as the issue found it: only ADR-3's link says otherwise."""
    engagement = load_demo(session, owner=user)
    save_element(session, engagement, "decision", {"status": "accepted"}, adr(session, engagement, "ADR-1"),
                 partial=True)
    session.commit()
    return engagement


def adr(session, engagement, ref: str) -> Decision:
    return session.scalar(select(Decision).where(Decision.engagement_id == engagement.id, Decision.ref == ref))


def row_texts(html: str) -> dict[int, str]:
    """Each list row's visible text by element id."""
    rows = re.finditer(r'<tr id="decision-(\d+)-row".*?</tr>', html, re.S)
    return {int(m.group(1)): " ".join(re.sub(r"<[^>]+>", " ", m.group(0)).split()) for m in rows}


def test_on_the_demo_adr1_shows_superseded_by_adr3_on_the_list(browser, session, demo):
    rows = row_texts(browser.get(f"/e/{demo.id}/decisions").get_data(as_text=True))
    adr1, adr3 = rows[adr(session, demo, "ADR-1").id], rows[adr(session, demo, "ADR-3").id]
    assert "Superseded by ADR-3" in adr1
    assert "Accepted" in adr3 and "Superseded" not in adr3


def test_on_the_demo_adr1_shows_superseded_by_adr3_on_its_page_and_what_was_recorded(browser, session, demo):
    adr1 = adr(session, demo, "ADR-1")
    html = browser.get(f"/e/{demo.id}/decisions/{adr1.id}").get_data(as_text=True)
    fields = " ".join(re.sub(r"<[^>]+>", " ", re.search(r'<dl class="fields".*?</dl>', html, re.S).group(0)).split())
    assert "Status Superseded by ADR-3 (recorded as Accepted)" in fields


def test_the_list_filters_and_sorts_on_the_status_the_rows_show(browser, session, demo):
    adr1, adr3 = adr(session, demo, "ADR-1").id, adr(session, demo, "ADR-3").id
    superseded = row_texts(browser.get(f"/e/{demo.id}/decisions?status=superseded").get_data(as_text=True))
    accepted = row_texts(browser.get(f"/e/{demo.id}/decisions?status=accepted").get_data(as_text=True))
    assert list(superseded) == [adr1]
    assert adr3 in accepted and adr1 not in accepted
    by_status = row_texts(browser.get(f"/e/{demo.id}/decisions?sort=status").get_data(as_text=True))
    assert list(by_status)[-1] == adr1  # accepted, proposed, then superseded


def test_on_the_demo_adr1_exports_as_superseded_by_adr3_in_the_madr_zip(browser, demo):
    archive = zipfile.ZipFile(io.BytesIO(browser.get(f"/e/{demo.id}/exports/decisions.zip").data))
    name = next(n for n in archive.namelist() if n.startswith("decisions/0001-"))
    text = archive.read(name).decode()
    assert 'status: "superseded by ADR-3"' in text
    assert (parse_madr(text).status, parse_madr(text).superseded_by) == ("superseded", "ADR-3")
    index = archive.read("decisions/README.md").decode()
    assert re.search(r"\[ADR-1\]\(0001-[^)]+\) .* \(superseded by ADR-3\)", index)
    adr3 = archive.read(next(n for n in archive.namelist() if n.startswith("decisions/0003-"))).decode()
    assert 'status: "accepted"' in adr3


def test_reqif_carries_the_effective_status(session, demo):
    root = etree.fromstring(documents.export_reqif(session, demo))
    adr1 = adr(session, demo, "ADR-1")
    refs = root.xpath(f"//*[local-name()='SPEC-OBJECT'][@IDENTIFIER='adr-{adr1.id}']//*[local-name()='ENUM-VALUE-REF']")
    assert [r.text for r in refs] == ["ev-decision-status-superseded"]


def test_the_traceability_matrix_and_the_report_show_the_effective_status(browser, session, demo):
    html = browser.get(f"/e/{demo.id}/traceability").get_data(as_text=True)
    assert "Keep SAP ECC as stock master during the transition (Superseded by ADR-3)" in html
    item = next(i for i in decision_items(session, demo) if i.ref == "ADR-1")
    assert (item.status, item.superseded_by) == ("superseded", "ADR-3")


def test_a_chain_of_accepted_decisions_shows_each_replaced_one_superseded(browser, session, engagement):
    a = save_element(session, engagement, "decision", {"title": "Nightly files", "status": "accepted"})
    b = save_element(session, engagement, "decision", {"title": "Hourly deltas", "status": "accepted",
                                                       "supersedes_id": a.id})
    c = save_element(session, engagement, "decision", {"title": "Events", "status": "accepted",
                                                       "supersedes_id": b.id})
    proposal = save_element(session, engagement, "decision", {"title": "Streams", "status": "proposed",
                                                              "supersedes_id": c.id})
    rows = row_texts(browser.get(f"/e/{engagement.id}/decisions").get_data(as_text=True))
    assert "Superseded by ADR-2" in rows[a.id] and "Superseded by ADR-3" in rows[b.id]
    assert "Accepted" in rows[c.id] and "Superseded" not in rows[c.id]  # a mere proposal replaces nothing
    assert "Proposed" in rows[proposal.id]


def test_accepting_a_superseding_decision_in_place_refreshes_the_list(browser, session, engagement):
    old = save_element(session, engagement, "decision", {"title": "Nightly files", "status": "accepted"})
    new = save_element(session, engagement, "decision", {"title": "Events", "supersedes_id": old.id})
    resp = browser.post(f"/e/{engagement.id}/decisions/{new.id}/edit", htmx=True,
                        data={"_inline": "1", "title": "Events", "status": "accepted", "version": new.version})
    assert resp.status_code == 200 and resp.headers.get("HX-Trigger") == "elements-changed"
    rows = row_texts(browser.get(f"/e/{engagement.id}/decisions").get_data(as_text=True))
    assert "Superseded by ADR-2" in rows[old.id]


# --- the stored status is kept ---------------------------------------------------------------------


def stored(session, engagement) -> dict[str, str]:
    """Each decision's stored status by ref."""
    session.expire_all()
    rows = session.execute(select(Decision.ref, Decision.status).where(Decision.engagement_id == engagement.id))
    return dict(rows.all())


def versions(session, engagement) -> dict[int, int]:
    rows = session.execute(select(Element.id, Element.version).where(Element.engagement_id == engagement.id))
    return dict(rows.all())


def test_exports_leave_the_stored_status_as_it_was(browser, session, demo):
    before = stored(session, demo)
    for url in ("exports/decisions.zip", "exports/requirements.reqif", "bundle.json", "workbook/export.xlsx",
                "export/archimate", "traceability", "decisions"):
        assert browser.get(f"/e/{demo.id}/{url}").status_code == 200, url
    assert stored(session, demo) == before and before["ADR-1"] == "accepted"


def test_the_bundle_carries_the_stored_status_and_round_trips_exactly(session):
    model = import_bundle(session, demo_document())  # the demo's model (its datasets are not the point here)
    save_element(session, model, "decision", {"status": "accepted"}, adr(session, model, "ADR-1"), partial=True)
    first = export_bundle(session, model)
    assert next(d for d in first["decisions"] if d["ref"] == "ADR-1")["status"] == "accepted"
    copy = import_bundle(session, first)
    assert stored(session, copy) == stored(session, model) and stored(session, copy)["ADR-1"] == "accepted"
    assert without_timestamp(export_bundle(session, copy)) == without_timestamp(first)
    shown = decision_status.statuses(session, copy.id)
    assert (shown[adr(session, copy, "ADR-1").id].status, shown[adr(session, copy, "ADR-1").id].by) == (
        "superseded", "ADR-3")


def test_the_workbook_carries_the_stored_status_and_reimporting_it_flips_nothing(session, demo):
    tables = export_tables(session, demo)
    assert next(r for r in tables["decisions"] if r["ref"] == "ADR-1")["status"] == "Accepted"
    data = export_workbook(session, demo)
    before = stored(session, demo)
    before_versions = versions(session, demo)

    report = import_workbook(session, demo, data, dry_run=False)

    assert report.ok and (report.count("created"), report.count("updated")) == (0, 0)
    assert stored(session, demo) == before
    assert versions(session, demo) == before_versions
    copy = create_engagement(session, "Copy", seed=False)
    assert import_workbook(session, copy, data, dry_run=False).ok
    assert stored(session, copy) == before and export_tables(session, copy)["decisions"] == tables["decisions"]
