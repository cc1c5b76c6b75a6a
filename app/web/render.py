"""One helper decides whether a URL answers with the full page or the htmx fragment it swaps."""

from __future__ import annotations

from typing import Any

from flask import render_template, request


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not a boosted navigation or history restore)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(page: str, fragment: str | None = None, status: int = 200, **context: Any):
    """Render `fragment` for htmx requests, `page` otherwise; same context either way."""
    template = fragment if fragment and wants_fragment() else page
    return render_template(template, **context), status
