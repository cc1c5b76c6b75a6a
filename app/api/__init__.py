"""The REST API under /api/v1: JSON over the same services as the web, documented by an OpenAPI 3.1 document
(/api/v1/openapi.json, built by flask-smorest from the views and their marshmallow schemas) and a reference page
(/api/v1/docs, Redoc vendored under static/vendor/redoc)."""

from __future__ import annotations

from flask import Flask, make_response, render_template
from flask_smorest import Api as SmorestApi

# Redoc styles itself with inline <style> elements; scripts still load only from this server.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")


class Api(SmorestApi):
    """flask-smorest's Api without its app-wide error handler: the web keeps its pages, and /api/ errors are
    answered as problem details by app.api.problems."""

    def _register_error_handlers(self):
        return None


def register_api(app: Flask) -> None:
    """Mount the API blueprints, the OpenAPI document and the reference page; exempt token requests from CSRF."""
    from app.api import analysis, diagrams, elements, engagements, exports, review, runs, webhooks
    from app.api.problems import register_problem_handlers
    from app.extensions import csrf

    app.config.setdefault("API_TITLE", "Throughline API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = Api(app, spec_kwargs={"info": {"description": "Script an engagement: see docs/api.md."}})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                   "description": "A personal API token (Account → API tokens)"})
    api.spec.options["security"] = [{"bearer": []}]
    for module in (engagements, elements, analysis, diagrams, runs, exports, review, webhooks):
        csrf.exempt(module.bp)
        api.register_blueprint(module.bp)
    app.add_url_rule("/api/v1/docs", "api_docs_page", _docs_page)
    register_problem_handlers(app)
    app.extensions["throughline_api"] = api


def _docs_page():
    """The API reference page (Redoc over the OpenAPI document)."""
    response = make_response(render_template("api/docs.html"))
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response
