def test_the_login_page_is_served(app):
    resp = app.test_client().get("/login")
    assert resp.status_code == 200
    assert b"Log in to Throughline" in resp.data
