"""Blueprints, one per area, and the cross-cutting web set-up (security headers, errors, templates)."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    """Register every blueprint and the web-wide hooks."""
    from app.web import (
        account,
        admin,
        analysis,
        api_tokens,
        archimate,
        atp,
        auth,
        branding,
        capture,
        catalog,
        datasets,
        decisions,
        engagements,
        exports,
        flows,
        health,
        history,
        identity,
        matrices,
        notifications,
        portal,
        questionnaire,
        report,
        requirements,
        returns,
        review,
        review_links,
        routing,
        scenarios,
        webhooks,
        workbook,
    )
    from app.web.errors import register_error_handlers
    from app.web.hooks import register_hooks
    from app.web.templating import register_templating

    register_hooks(app)
    register_error_handlers(app)
    register_templating(app)
    areas = (
        *(health, auth, account, api_tokens, admin, engagements, scenarios, catalog, flows, requirements),
        *(decisions, history, webhooks),
        *(matrices, capture, workbook, analysis, datasets, atp, routing, returns, identity),
        archimate,
        exports,
        branding,
        report,
        review_links,
        portal,
        questionnaire,
        review,
        notifications,
    )
    for module in areas:
        app.register_blueprint(module.bp)
    app.register_blueprint(engagements.scoped)
