"""The OpenAPI document: served at /api/v1/openapi.json, valid OpenAPI 3.1, covering every API route; and the
reference page that renders it from vendored files only."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.api.test_api_access import api_routes


def test_the_openapi_document_is_valid_openapi_3_1(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_the_document_describes_every_api_route_and_method(app):
    paths = app.test_client().get("/api/v1/openapi.json").get_json()["paths"]
    for method, url in api_routes(app):
        assert method.lower() in paths.get(url, {}), (method, url)


def test_the_document_requires_a_bearer_token(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert document["security"] == [{"bearer": []}]


def test_the_reference_page_loads_its_script_from_this_server_only(app):
    page = app.test_client().get("/api/v1/docs")
    assert page.status_code == 200
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.get_data(as_text=True))
    assert scripts == ["/static/vendor/redoc/redoc.standalone.js"]
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    assert app.test_client().get(scripts[0]).status_code == 200
