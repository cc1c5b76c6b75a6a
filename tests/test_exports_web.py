"""The Exports page and its downloads (ReqIF, ADR zip, Mermaid/DOT diagrams), who may fetch them, and the
`flask export reqif|adr|mermaid` and `flask diagram --format mmd` commands."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from reqif.parser import ReqIFParser

from app.services.accounts import set_membership
from app.services.demo import load_demo
from app.services.engagements import create_engagement
from exports.madr import parse_madr


@pytest.fixture
def demo(session, user):
    engagement = load_demo(session, owner=user)
    session.commit()
    return engagement


def attachment_name(resp) -> str:
    match = re.fullmatch(r'attachment; filename="([A-Za-z0-9._-]+)"', resp.headers["Content-Disposition"])
    assert match, resp.headers["Content-Disposition"]
    return match.group(1)


def test_the_exports_page_lists_every_download_and_each_link_works(browser, demo):
    page = browser.get(f"/e/{demo.id}/exports")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for marker in ("download-reqif", "download-reqifz", "download-adr", "download-bundle", "download-xlsx",
                   "download-csv", f'href="/e/{demo.id}/exports"'):
        assert marker in html, marker
    links = set(re.findall(r'href="(/e/\d+/[^"]+)"', html))
    downloads = [link.replace("&amp;", "&") for link in links
                 if re.search(r"\.(zip|json|xlsx|mmd|dot)(\?|$)", link)]
    assert any(".mmd?" in d for d in downloads) and any(".dot?" in d for d in downloads)
    for link in downloads:
        resp = browser.get(link)
        assert resp.status_code == 200, link
        assert attachment_name(resp)


def test_the_engagement_navigation_links_to_the_exports_page(browser, demo):
    html = browser.get(f"/e/{demo.id}/requirements").get_data(as_text=True)
    assert f'<a href="/e/{demo.id}/exports">Exports</a>' in html


def test_links_to_areas_not_installed_are_left_out(app, browser, demo):
    html = browser.get(f"/e/{demo.id}/exports").get_data(as_text=True)
    has = app.jinja_env.globals["has_endpoint"]
    assert has("exports.index") and not has("no_such_area.download")
    assert ("download-archimate" in html) == has("archimate.download")
    assert ("open-report" in html) == has("report.index")


@pytest.mark.parametrize("group_by", ["type", "channel"])
def test_the_reqif_download_parses_with_the_reqif_package(browser, demo, tmp_path, group_by):
    resp = browser.get(f"/e/{demo.id}/exports/requirements.reqif?group_by={group_by}")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    assert attachment_name(resp) == "northwind-living-omnichannel-discovery-requirements.reqif"  # ASCII only
    path = tmp_path / "download.reqif"
    path.write_bytes(resp.data)
    bundle = ReqIFParser.parse(str(path))
    assert bundle.exceptions == []
    spec = {s.identifier: s for s in bundle.core_content.req_if_content.specifications}["spec-requirements"]
    assert all(h.spec_object.startswith(f"head-{group_by}-") for h in spec.children)


def test_the_reqifz_download_is_a_zip_with_the_reqif(browser, demo):
    resp = browser.get(f"/e/{demo.id}/exports/requirements.reqifz")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert names == [attachment_name(resp).replace(".reqifz", ".reqif")]


def test_a_bad_grouping_is_a_422(browser, demo):
    assert browser.get(f"/e/{demo.id}/exports/requirements.reqif?group_by=colour").status_code == 422


def test_the_adr_zip_links_requirements_back_to_the_app(browser, demo):
    resp = browser.get(f"/e/{demo.id}/exports/decisions.zip")
    assert resp.status_code == 200 and attachment_name(resp).endswith("-decisions.zip")
    archive = zipfile.ZipFile(io.BytesIO(resp.data))
    texts = [archive.read(n).decode() for n in archive.namelist() if re.search(r"/\d{4}-.+\.md$", n)]
    assert texts and all(parse_madr(text).title for text in texts)
    assert re.search(rf"\(http://localhost/e/{demo.id}/requirements/\d+\)", "".join(texts))


def test_analysis_diagrams_offer_mermaid_beside_svg_png_and_dot(browser, demo):
    html = browser.get(f"/e/{demo.id}/analysis").get_data(as_text=True)
    assert "/analysis/diagram.mmd?" in html and ">Mermaid</a>" in html
    resp = browser.get(f"/e/{demo.id}/analysis/diagram.mmd?kind=entity&entity=inventory")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    assert attachment_name(resp).endswith(".mmd")
    text = resp.get_data(as_text=True)
    assert text.startswith("---\ntitle: ") and "\nflowchart LR\n" in text and "SAP ECC" in text
    assert "click " not in text  # downloads carry no app links, like PNG and DOT


def test_a_viewer_may_download_and_a_non_member_gets_404(app, session, demo, make_user, make_browser):
    viewer, stranger = make_user("viewer@example.com"), make_user("stranger@example.com")
    set_membership(session, demo, viewer.email, "viewer")
    create_engagement(session, "Stranger's own", owner=stranger)
    session.commit()
    urls = [f"/e/{demo.id}/exports", f"/e/{demo.id}/exports/requirements.reqif",
            f"/e/{demo.id}/exports/requirements.reqifz", f"/e/{demo.id}/exports/decisions.zip",
            f"/e/{demo.id}/analysis/diagram.mmd?kind=landscape"]
    as_viewer, as_stranger = make_browser(viewer), make_browser(stranger)
    for url in urls:
        assert as_viewer.get(url).status_code == 200, url
        assert as_stranger.get(url).status_code == 404, url


def test_anonymous_visitors_are_sent_to_login(anonymous, demo):
    resp = anonymous.get(f"/e/{demo.id}/exports/decisions.zip")
    assert resp.status_code in (302, 401)


# --- command line ----------------------------------------------------------------------------------


def run(app, session, *args):
    session.commit()
    return app.test_cli_runner().invoke(args=[*map(str, args)])


def test_cli_export_reqif_writes_xml_or_a_zip_by_extension(app, session, demo, tmp_path):
    out = tmp_path / "acme.reqif"
    result = run(app, session, "export", "reqif", demo.id, "-o", out, "--group-by", "channel")
    assert result.exit_code == 0, result.output
    assert "by channel" in result.output
    assert ReqIFParser.parse(str(out)).exceptions == []
    packed = tmp_path / "acme.reqifz"
    result = run(app, session, "export", "reqif", demo.name, "-o", packed)
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(packed).namelist() == ["northwind-living-omnichannel-discovery-requirements.reqif"]


def test_cli_export_adr_writes_the_zip(app, session, demo, tmp_path):
    out = tmp_path / "adrs.zip"
    result = run(app, session, "export", "adr", demo.id, "-o", out)
    assert result.exit_code == 0, result.output
    names = zipfile.ZipFile(out).namelist()
    assert "decisions/README.md" in names and any(n.startswith("decisions/0001-") for n in names)
    bad = run(app, session, "export", "adr", demo.id, "-o", out, "--requirement-url", "https://x/")
    assert bad.exit_code != 0 and "{id}" in bad.output


def test_cli_export_mermaid_and_diagram_format_mmd(app, session, demo, tmp_path):
    out = tmp_path / "inventory.mmd"
    result = run(app, session, "export", "mermaid", demo.id, "--kind", "entity", "--entity", "inventory", "-o", out)
    assert result.exit_code == 0, result.output
    assert "flowchart LR" in out.read_text() and "Inventory" in out.read_text()
    same = tmp_path / "same.mmd"
    result = run(app, session, "diagram", demo.id, "--kind", "entity", "--entity", "inventory", "-o", same)
    assert result.exit_code == 0, result.output
    assert same.read_text() == out.read_text()  # the extension picks the format
    result = run(app, session, "export", "mermaid", demo.id, "--kind", "entity", "-o", out)
    assert result.exit_code != 0 and "Name the entity to draw" in result.output


def test_cli_export_of_an_unknown_engagement_fails_cleanly(app, session, tmp_path):
    result = run(app, session, "export", "reqif", "No such engagement", "-o", tmp_path / "x.reqif")
    assert result.exit_code != 0 and not (tmp_path / "x.reqif").exists()


def test_cli_exports_go_to_stdout_for_a_dash_and_name_a_file_they_cannot_write(app, session, demo, tmp_path):
    result = run(app, session, "export", "mermaid", demo.id, "-o", "-")
    assert result.exit_code == 0 and "\nflowchart LR\n" in result.output and "Wrote" not in result.output
    missing = tmp_path / "no-such-folder" / "x.xml"
    result = run(app, session, "export", "archimate", demo.id, "-o", missing)
    assert result.exit_code != 0 and f"Cannot write {missing}" in result.output
