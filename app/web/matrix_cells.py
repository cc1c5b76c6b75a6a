"""The cells of the two matrices as markup built in Python: a page of them holds thousands, and a Jinja macro or
include per cell (a context, a call and several escapes each) was most of the page's time.

Only ids (ints), role codes from the vocabulary and escaped names go into the markup; the one-cell answers
(a trace cell toggled, an ownership row changed) render through the same functions, so a cell looks the same
whether it came with the page or alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

SUSPECT_TITLE = "Suspect: an end changed since review. "
# The role a cell's select offers, in the order shown, with its short label.
ROLE_CHOICES = (("sor", "SoR"), ("authoritative", "Auth"), ("replica", "Rep"), ("reads", "R"), ("writes", "W"))


def trace_cell(requirement_id: int, decision_id: int, link: Any, can_write: bool) -> Markup:
    """One requirement × decision cell: a button posting the pair through the form around the matrix."""
    return Markup(_trace_cell(int(requirement_id), int(decision_id), link, can_write))  # noqa: S704 (ints, constants)


def trace_cells(requirement_id: int, decisions: Iterable[Any], addresses: Mapping[tuple[int, int], Any],
                can_write: bool) -> Markup:
    """A requirement's cells for every decision column, in column order."""
    r = int(requirement_id)
    cells = "".join(_trace_cell(r, int(d.id), addresses.get((r, d.id)), can_write) for d in decisions)
    return Markup(cells)  # noqa: S704 (ints and constants only)


def _trace_cell(r: int, d: int, link: Any, can_write: bool) -> str:
    suspect = link is not None and link.suspect
    mark = "!" if suspect else ("●" if link is not None else "")
    css = f' class="linked{" suspect" if suspect else ""}"' if link is not None else ""
    if not can_write:
        return f'<td id="trace-{r}-{d}"{css}>{mark}</td>'
    title = f' title="{SUSPECT_TITLE if suspect else ""}Unlink"' if link is not None else ""
    pressed = "true" if link is not None else "false"
    return (f'<td id="trace-{r}-{d}"{css}><button name="pair" value="{r}-{d}" aria-pressed="{pressed}"{title}>'
            f'{mark or "·"}</button></td>')


def ownership_cells(matrix: Any, entity: Any, cell_url: str, can_write: bool,
                    comments: tuple[str, Callable[[str, str], int]] | None = None) -> Markup:
    """An entity's cells for every system column of the page: a select of the role (or the roles as text), and
    with `comments` ((a thread URL ending in the key KEY, open threads per anchor)) a comment link per cell."""
    entity_id, entity_name = int(entity.id), escape(entity.name)
    url = escape(cell_url)
    options = _role_options()
    parts = []
    for system in matrix.systems:
        roles = matrix.roles(entity_id, system.id)
        css = "cell is-sor" if "sor" in roles else "cell"
        note = _comment_link(comments, int(system.id), entity_id, escape(system.name), entity_name)
        if not can_write:
            shown = escape(", ".join(r.replace("sor", "SoR") for r in roles))
            parts.append(f'<td class="{css}">{shown}{note}</td>')
            continue
        more = (f'<small title="{escape(", ".join(roles))}">+{len(roles) - 1}</small>' if len(roles) > 1 else "")
        cell = f"{int(system.id)}-{entity_id}"
        parts.append(
            f'<td class="{css}"><select name="role" hx-post="{url}" hx-vals=\'{{"cell": "{cell}"}}\''
            f' aria-label="{escape(system.name)} role for {entity_name}">'
            f'{options.get(roles[0] if roles else "", options[""])}</select>{more}{note}</td>'
        )
    return Markup("".join(parts))  # noqa: S704 (names and the URL escaped above, ids are ints)


def _comment_link(comments, system_id: int, entity_id: int, system_name: str, entity_name: str) -> str:
    """The cell's link to its comment thread, with the count of open threads."""
    if comments is None:
        return ""
    base, open_comments = comments
    key = f"{system_id}:{entity_id}"
    count = open_comments("ownership", key)
    label = f"Comments on {system_name} × {entity_name}"
    return (f'<a class="cell-comment" href="{escape(base.replace("KEY", key))}" title="{label}" '
            f'aria-label="{label}">💬{f"<small>{int(count)}</small>" if count else ""}</a>')


_OPTIONS: dict[str, str] = {}


def _role_options() -> dict[str, str]:
    """The options of a cell's select for each selected role ('' for none), built once."""
    if not _OPTIONS:
        for selected in ("", *(code for code, _short in ROLE_CHOICES)):
            _OPTIONS[selected] = '<option value=""></option>' + "".join(
                f'<option value="{code}"{" selected" if code == selected else ""}>{short}</option>'
                for code, short in ROLE_CHOICES
            )
    return _OPTIONS
