"""The engagement navigation: four menus, every area reachable, the menu holding the page marked."""

import re

from app.web.navigation import MENUS, menus


def test_the_menu_holding_a_page_is_marked_by_its_own_link_before_its_area():
    marked = [m.label for m in menus("matrices.traceability_view") if m.current]
    assert marked == ["Design"]  # the matrices area also serves Ownership, under Landscape
    assert [m.label for m in menus("catalog.system_detail") if m.current] == ["Landscape"]
    assert [m.label for m in menus("identity.run_detail") if m.current] == ["Analyse"]
    assert not any(m.current for m in menus("engagement.dashboard"))
    assert not any(m.current for m in menus(None))


def test_links_to_areas_the_app_does_not_serve_are_left_out():
    shown = menus("report.index", available={"report.index", "catalog.system_list"})
    assert {m.label: [e for e, _ in m.links] for m in shown} == {
        "Landscape": ["catalog.system_list"], "Design": [], "Analyse": [], "Deliver": ["report.index"]}


def test_every_page_of_the_engagement_is_one_menu_away(browser, engagement):
    page = browser.get(f"/e/{engagement.id}/identity").get_data(as_text=True)
    summaries = re.findall(r'<details class="nav-menu( current)?">\s*<summary>(\w+)</summary>', page)
    assert summaries == [("", "Landscape"), ("", "Design"), (" current", "Analyse"), ("", "Deliver")]
    for _, links, _ in MENUS:
        for _endpoint, text in links:
            assert re.search(rf'<a href="/e/{engagement.id}/[^"]*"[^>]*>{text}</a>', page), text
    assert 'aria-current="page">Customers</a>' in page
