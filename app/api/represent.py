"""How the API shows objects: plain JSON dicts, and the ETag of a versioned one."""

from __future__ import annotations

from typing import Any

from flask import Response, json, request

from app.services.catalog.fields import KINDS, snapshot
from app.services.catalog.scenario_view import InScenario


def element_json(item: Any) -> dict[str, Any]:
    """An element (or an element as a scenario sees it) as the API shows it."""
    spec = KINDS[item.kind]
    data = snapshot(item, spec)
    in_scenario = isinstance(item, InScenario)
    data.update(id=item.id, kind=item.kind, version=item.version, ref=item.ref,
                scenario_id=item.scenario.id if in_scenario else None,
                own_fields=sorted(item.own_fields) if in_scenario else [])
    return data


def etag_of(version: int) -> str:
    """The strong ETag of a version of an object."""
    return f'"v{version}"'


def if_match_version() -> int | None:
    """The version an If-Match header names (None without the header); -1 for one that names no version of
    ours, which therefore never matches."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if tag == "*":
        return None
    try:
        return int(tag.removeprefix("v"))
    except ValueError:
        return -1


def json_response(body: Any, status: int = 200, *, version: int | None = None, location: str | None = None
                  ) -> Response:
    """A JSON response, with an ETag when the object is versioned."""
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    if version is not None:
        response.headers["ETag"] = etag_of(version)
    if location:
        response.headers["Location"] = location
    return response


def no_content() -> Response:
    """204, for a delete."""
    return Response(status=204)
