"""The workbook page: upload, dry run, apply, downloads; bad input gets a clear 4xx and saves nothing."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import select

from app.services.accounts import set_membership
from app.services.engagements import create_engagement
from app.web import pending_uploads
from exports import workbook as wb
from exports.workbook import read_cells
from models import System
from tests.support.bundles import row_counts
from tests.support.workbooks import SYSTEMS, csv_zip, inventory, xlsx


def _upload(browser, engagement, data: bytes, name: str = "inventory.xlsx"):
    return browser.post(
        f"/e/{engagement.id}/workbook/dry-run",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _token(resp) -> str:
    match = re.search(r'name="token" value="([^"]+)"', resp.get_data(as_text=True))
    assert match, "no apply form on the report"
    return match.group(1)


def _systems(session, engagement) -> list[str]:
    session.commit()
    return sorted(session.scalars(select(System.name).where(System.engagement_id == engagement.id)))


def test_the_dashboard_links_to_the_workbook_page_with_template_and_export_downloads(browser, engagement):
    dashboard = browser.get(f"/e/{engagement.id}/").get_data(as_text=True)
    assert f'href="/e/{engagement.id}/workbook"' in dashboard
    page = browser.get(f"/e/{engagement.id}/workbook")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for link in ("template.xlsx", "export.xlsx", "export.zip"):
        assert f"/e/{engagement.id}/workbook/{link}" in body
    assert 'enctype="multipart/form-data"' in body and 'name="csrf_token"' in body


def test_a_dry_run_lists_the_changes_and_saves_nothing_then_apply_imports_and_goes_to_the_dashboard(
    browser, engagement, session
):
    before = row_counts(session)
    resp = _upload(browser, engagement, inventory())
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Ready to import" in body and "7 to create, 0 to update" in body
    assert "SAP ECC" in body and "Shopify Plus → SAP ECC: Order" in body
    assert row_counts(session) == before

    applied = browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": _token(resp)})
    assert applied.status_code == 302 and applied.headers["Location"].endswith(f"/e/{engagement.id}/")
    assert _systems(session, engagement) == ["MuleSoft", "SAP ECC", "Shopify Plus"]
    dashboard = browser.get(applied.headers["Location"]).get_data(as_text=True)
    assert "Workbook “inventory.xlsx” imported: 7 created, 0 updated, 0 unchanged." in dashboard

    again = _upload(browser, engagement, inventory())
    assert "0 to create, 0 to update, 7 unchanged" in " ".join(again.get_data(as_text=True).split())


def test_an_upload_token_works_once_and_only_for_its_engagement_and_user(
    browser, make_browser, make_user, user, engagement, session
):
    token = _token(_upload(browser, engagement, inventory()))
    colleague = make_user(email="ed@example.com", name="Ed")
    set_membership(session, engagement, colleague.email, "editor")
    assert make_browser(colleague).post(f"/e/{engagement.id}/workbook/apply", data={"token": token}).status_code == 400
    other = create_engagement(session, "Other", owner=user)
    assert browser.post(f"/e/{other.id}/workbook/apply", data={"token": token}).status_code == 400
    assert browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": "../../secret_key"}).status_code == 400
    assert _systems(session, engagement) == []

    assert browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": token}).status_code == 302
    second = browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": token})
    assert second.status_code == 400
    assert "expired or was already imported" in second.get_data(as_text=True)


def test_an_upload_older_than_an_hour_has_expired(browser, engagement, session, monkeypatch):
    token = _token(_upload(browser, engagement, inventory()))
    real = pending_uploads.time.time
    monkeypatch.setattr(pending_uploads.time, "time", lambda: real() + pending_uploads.TTL_SECONDS + 5)
    assert browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": token}).status_code == 400
    assert _systems(session, engagement) == []


def test_apply_checks_everything_again_and_saves_nothing_when_the_engagement_changed_meanwhile(
    browser, engagement, session
):
    from app.services.catalog.elements import delete_element, save_element

    ann = save_element(session, engagement, "stakeholder", {"name": "Ann Archer"})
    data = xlsx({"systems": SYSTEMS})  # SAP ECC is owned by ann archer
    resp = _upload(browser, engagement, data)
    assert resp.status_code == 200
    delete_element(session, engagement, ann)
    applied = browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": _token(resp)})
    assert applied.status_code == 422
    assert "Unknown stakeholder “ann archer”" in applied.get_data(as_text=True)
    assert _systems(session, engagement) == []


# --- bad input ------------------------------------------------------------------------------------


def _zip_bomb() -> bytes:
    return csv_zip({"systems.csv": b"0" * (wb.MAX_UNCOMPRESSED_BYTES + 1)})


BAD_INPUT = [
    pytest.param(
        b"just some text", "notes.txt", "is not an .xlsx workbook or a .zip of CSV files", id="not-a-workbook"
    ),
    pytest.param(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old.xls", "old-format .xls", id="old-xls"),
    pytest.param(b"PK\x03\x04broken", "broken.xlsx", "damaged", id="damaged-zip"),
    pytest.param(_zip_bomb(), "bomb.zip", "unpacks to 50 MB", id="zip-bomb"),
    pytest.param(
        xlsx({"Sheet1": [["Application", "Owner"], ["SAP", "Ann"]]}),
        "x.xlsx",
        "None of the known sheets",
        id="no-sheet",
    ),
    pytest.param(
        xlsx({"systems": [["name", "vendor"], ["SAP", "SAP"]]}),
        "x.xlsx",
        "required column category",
        id="missing-required-column",
    ),
    pytest.param(inventory(systems=[SYSTEMS[0], ["=1+1", "erp"]]), "x.xlsx", "Holds a formula (=1+1)", id="formula"),
    pytest.param(
        xlsx({"systems": [["name", "category", "notes"], ["SAP", "erp", "x" * 10_000_000]]}),
        "x.xlsx",
        "Longer than 20000 characters",
        id="10-MB-cell",
    ),
    pytest.param(
        csv_zip({"systems.csv": b"name,category\nSAP,erp\nCaf\xe9,pos\n"}),
        "x.zip",
        "not valid UTF-8",
        id="invalid-utf8",
    ),
    pytest.param(inventory(systems=[SYSTEMS[0], ["SAP", "mainframe"]]), "x.xlsx", "Must be one of", id="bad-choice"),
    pytest.param(
        inventory(systems=[SYSTEMS[0], ["SAP", "erp", "", "", "", "", "Kiosk"]]),
        "x.xlsx",
        "Unknown channel “Kiosk”",
        id="unknown-channel",
    ),
]


@pytest.mark.parametrize(("data", "name", "message"), BAD_INPUT)
def test_bad_input_gets_a_clear_4xx_report_and_saves_nothing(browser, engagement, session, data, name, message):
    before = row_counts(session)
    resp = _upload(browser, engagement, data, name)
    body = resp.get_data(as_text=True)
    assert 400 <= resp.status_code < 500
    assert message in body
    assert 'name="token"' not in body  # nothing to apply
    assert row_counts(session) == before


def test_errors_are_listed_with_sheet_row_and_column(browser, engagement):
    data = xlsx({"systems": [SYSTEMS[0], ["SAP", "erp"], ["=1+1", "erp"], ["POS", "mainframe"]]})
    resp = _upload(browser, engagement, data)
    assert resp.status_code == 422
    rows = re.findall(
        r'<tr class="problem"><td>(.*?)</td><td class="num">(.*?)</td><td>(.*?)</td><td>(.*?)</td>',
        resp.get_data(as_text=True),
    )
    assert [row[:3] for row in rows] == [("systems", "3", "name"), ("systems", "4", "category")]
    assert "formula (=1+1)" in rows[0][3] and "Must be one of" in rows[1][3]


def test_no_file_is_a_400_with_the_form_again(browser, engagement):
    resp = browser.post(f"/e/{engagement.id}/workbook/dry-run", data={}, content_type="multipart/form-data")
    assert resp.status_code == 400
    assert "Choose a workbook file" in resp.get_data(as_text=True)


def test_an_upload_over_the_size_limit_is_a_413(app, browser, engagement, session):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    before = row_counts(session)
    resp = _upload(browser, engagement, xlsx({"systems": [["name", "category", "notes"], ["A", "erp", "y" * 9000]]}))
    assert resp.status_code == 413
    assert row_counts(session) == before


def test_unknown_columns_are_warnings_the_rest_of_the_row_imports(browser, engagement, session):
    resp = _upload(browser, engagement, xlsx({"systems": [["name", "category", "Comments"], ["SAP", "erp", "hi"]]}))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Warnings" in body and "Unknown column “Comments”: it was ignored" in body
    assert browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": _token(resp)}).status_code == 302
    assert _systems(session, engagement) == ["SAP"]


def test_a_csv_with_a_byte_order_mark_imports(browser, engagement, session):
    resp = _upload(browser, engagement, csv_zip({"systems.csv": "\ufeffName*,Category*\r\nSAP ECC,ERP\r\n"}), "x.zip")
    assert resp.status_code == 200
    browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": _token(resp)})
    assert _systems(session, engagement) == ["SAP ECC"]


# --- downloads ------------------------------------------------------------------------------------


def test_exports_download_as_xlsx_and_csv_zip_and_the_template_is_empty(browser, engagement, session):
    browser.post(
        f"/e/{engagement.id}/workbook/apply", data={"token": _token(_upload(browser, engagement, inventory()))}
    )
    xlsx_resp = browser.get(f"/e/{engagement.id}/workbook/export.xlsx")
    assert xlsx_resp.status_code == 200
    assert xlsx_resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="acme-retail-discovery.workbook.xlsx"' in xlsx_resp.headers["Content-Disposition"]
    assert [row[0] for row in read_cells(xlsx_resp.data)["systems"]] == ["name*", "MuleSoft", "SAP ECC", "Shopify Plus"]

    zip_resp = browser.get(f"/e/{engagement.id}/workbook/export.zip")
    assert zip_resp.mimetype == "application/zip"
    assert "systems.csv" in zipfile.ZipFile(io.BytesIO(zip_resp.data)).namelist()

    template = browser.get(f"/e/{engagement.id}/workbook/template.xlsx")
    sheets = read_cells(template.data)
    assert list(sheets)[0] == "Instructions" and sheets["systems"] == [sheets["systems"][0]]


# --- roles ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_reviewers_and_viewers_may_download_but_get_403_on_upload_and_apply(
    browser, make_browser, make_user, engagement, session, role
):
    token = _token(_upload(browser, engagement, inventory()))
    reader = make_user(email=f"{role}@example.com", name=role.title())
    set_membership(session, engagement, reader.email, role)
    b = make_browser(reader)
    page = b.get(f"/e/{engagement.id}/workbook").get_data(as_text=True)
    assert "Check (dry run)" not in page
    assert b.get(f"/e/{engagement.id}/workbook/export.xlsx").status_code == 200
    assert _upload(b, engagement, inventory()).status_code == 403
    assert b.post(f"/e/{engagement.id}/workbook/apply", data={"token": token}).status_code == 403
    assert _systems(session, engagement) == []


def test_a_non_member_gets_404_for_every_workbook_url(make_browser, make_user, engagement, session):
    stranger = make_browser(make_user(email="stranger@example.com", name="Stranger"))
    base = f"/e/{engagement.id}/workbook"
    for url in (base, f"{base}/export.xlsx", f"{base}/export.zip", f"{base}/template.xlsx"):
        assert stranger.get(url).status_code == 404
    assert _upload(stranger, engagement, inventory()).status_code == 404
    assert stranger.post(f"{base}/apply", data={"token": "x" * 43}).status_code == 404
    assert _systems(session, engagement) == []


def test_the_dry_run_page_shows_how_loose_labels_were_read_and_which_scenarios_it_will_create(
    browser, engagement, session
):
    systems = [["Application", "Type", "Scenarios"], ["MuleSoft", "iPaaS/ESB", "Current state; Target"]]
    resp = _upload(browser, engagement, xlsx({"Applications list": systems}))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "How the workbook was read" in body
    assert "read &#39;iPaaS/ESB&#39; as iPaaS / ESB (row 2)" in body
    assert "read the sheet “Applications list” as systems" in body
    assert "the scenario “Target” is not on a scenarios sheet: it will be created" in body
    assert browser.post(f"/e/{engagement.id}/workbook/apply", data={"token": _token(resp)}).status_code == 302
    assert _systems(session, engagement) == ["MuleSoft"]
