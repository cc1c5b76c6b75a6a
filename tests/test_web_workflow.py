"""A consultant's first steps through the minimal UI, on both databases."""

from sqlalchemy import func, select

from models import DataFlow, Element, System


def _system_payload(**overrides):
    data = {"name": "Shopify Plus", "category": "ecommerce", "hosting": "saas", "lifecycle": "active"}
    data.update(overrides)
    return data


def test_a_consultant_logs_in_and_sees_their_engagements(browser, engagement):
    page = browser.get("/")
    assert page.status_code == 200
    assert engagement.name in page.get_data(as_text=True)


def test_a_wrong_password_is_refused_with_a_message(anonymous, user):
    resp = anonymous.login(user.email, password="wrong password")
    assert resp.status_code == 422
    assert "Email or password is wrong." in resp.get_data(as_text=True)
    assert anonymous.get("/").status_code == 302


def test_creating_an_engagement_seeds_the_current_state_channels_and_entities(browser, session):
    resp = browser.post("/engagements/new", data={"name": "Globex discovery", "client": "Globex"})
    assert resp.status_code == 302
    dashboard = browser.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Globex discovery" in dashboard
    assert "Current state" in dashboard
    assert session.scalar(select(func.count()).select_from(Element).where(Element.kind == "entity")) == 9


def test_a_system_is_created_shown_edited_and_deleted(browser, engagement, session):
    base = f"/e/{engagement.id}/systems"
    created = browser.post(f"{base}/new", data=_system_payload())
    assert created.status_code == 302
    system = session.scalar(select(System).where(System.name == "Shopify Plus"))
    assert [s.name for s in system.scenarios] == ["Current state"]

    detail = browser.get(f"{base}/{system.id}").get_data(as_text=True)
    assert "E-commerce platform" in detail

    edit = browser.post(f"{base}/{system.id}/edit", data=_system_payload(vendor="Shopify", version=system.version))
    assert edit.status_code == 302
    assert session.get(System, system.id).vendor == "Shopify"
    assert session.get(System, system.id).version == 2

    system_id = system.id
    gone = browser.post(f"{base}/{system_id}/delete")
    assert gone.status_code == 302
    assert session.get(System, system_id) is None


def test_an_invalid_system_form_returns_field_errors_and_saves_nothing(browser, engagement, session):
    resp = browser.post(f"/e/{engagement.id}/systems/new", data={"name": "", "category": "mainframe"}, htmx=True)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "This field is required." in body or "required" in body.lower()
    assert "Not a valid choice" in body or "Must be one of" in body
    assert session.scalar(select(func.count()).select_from(System)) == 0


def test_a_duplicate_system_name_differing_only_in_case_is_refused(browser, engagement, session):
    browser.post(f"/e/{engagement.id}/systems/new", data=_system_payload())
    resp = browser.post(f"/e/{engagement.id}/systems/new", data=_system_payload(name="shopify  PLUS"))
    assert resp.status_code == 422
    assert "already exists" in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(System)) == 1


def test_a_flow_from_a_system_to_itself_is_refused(browser, engagement, session):
    browser.post(f"/e/{engagement.id}/systems/new", data=_system_payload())
    system = session.scalar(select(System))
    inventory = session.scalar(select(Element).where(Element.kind == "entity", Element.name == "Inventory"))
    resp = browser.post(
        f"/e/{engagement.id}/flows/new",
        data={"source_id": system.id, "target_id": system.id, "entity_ids": [inventory.id], "pattern": "api"},
    )
    assert resp.status_code == 422
    assert "Target must differ from source." in resp.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(DataFlow)) == 0


def test_an_edit_over_a_newer_version_is_a_conflict_showing_both_values(browser, engagement, session):
    browser.post(f"/e/{engagement.id}/systems/new", data=_system_payload())
    system = session.scalar(select(System))
    url = f"/e/{engagement.id}/systems/{system.id}/edit"
    first = browser.post(url, data=_system_payload(vendor="Shopify Inc.", version=1))
    assert first.status_code == 302
    stale = browser.post(url, data=_system_payload(vendor="Shopify Canada", version=1))
    assert stale.status_code == 409
    body = stale.get_data(as_text=True)
    assert "Shopify Inc." in body and "Shopify Canada" in body
    assert session.get(System, system.id).vendor == "Shopify Inc."


def test_every_list_page_renders(browser, engagement):
    for slug in ("systems", "channels", "entities", "stakeholders", "flows", "ownerships", "requirements",
                 "decisions", "scenarios", "members", "history", "settings"):
        resp = browser.get(f"/e/{engagement.id}/{slug}")
        assert resp.status_code == 200, slug
    fragment = browser.get(f"/e/{engagement.id}/channels?q=web", htmx=True)
    assert fragment.status_code == 200
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "Web" in body and "Marketplace" not in body


def test_a_decision_with_a_date_opens_in_its_edit_form(browser, session, engagement):
    from app.services.catalog.elements import save_element

    adr = save_element(session, engagement, "decision", {"title": "Central OMS", "decided_on": "2025-03-10"})
    resp = browser.get(f"/e/{engagement.id}/decisions/{adr.id}/edit")
    assert resp.status_code == 200 and 'value="2025-03-10"' in resp.get_data(as_text=True)
