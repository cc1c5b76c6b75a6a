"""Architecture decisions as MADR markdown files (Markdown Any Decision Records, MADR 4.0.0 layout), one per
ADR, named `NNNN-<slug>.md` after the ADR number as adr-tools and log4brains do, zipped.

Pure: a `DocumentSnapshot` in, text or zip bytes out; `parse_madr` reads a file back into `MadrFields`.

File layout:

    ---
    status: "accepted"              (the effective status: "superseded by ADR-3" as MADR 4 writes it once an
                                     accepted decision supersedes this one, whatever status was stored; the
                                     More Information list links that ADR's file)
    date: "2026-03-02"              (left out when the decision has no date)
    decision-makers: ["Dana Ruiz", "…"]
    consulted: […]
    informed: […]
    title: "…"                      (exact title, one line; the heading below shows it too)
    adr: "ADR-3"
    ---

    # <title>

    ## Context and Problem Statement
    ## Considered Options
    ## Decision Outcome
    ### Consequences
    ## More Information          (requirements addressed, superseded and superseding ADRs, scenario, affects,
                                  and each reviewer's sign-off: `* Sign-off: approved by … on … (version n)`,
                                  plain list items that MADR tools keep as text)

Titles and names are one line: line breaks become spaces on the way out, and `parse_madr` does the same on
the way in and says so in `MadrFields.notes`. `parse_madr` reads MADR 4 (`decision-makers`) and MADR 3
(`deciders`) files alike.

Safety: front matter values are JSON strings and lists, which YAML reads as double-quoted scalars and flow
sequences, so a value such as `---` or `key: x` is only text; the line-break characters YAML knows beyond
`\\n` are written as `\\u` escapes. In the body, a user's line that would start a heading (`#`), a setext
underline or thematic break (`---`, `===`), an HTML block (`<`), a code fence (three backticks or `~~~`) or
begins with a backslash gets a backslash in front; `parse_madr` removes exactly that one, so every section
parses back to the text typed. The heading and list items escape the inline markup characters
(`\\`*_{}[]<>#|~`), so a title cannot become a link, an image, HTML or emphasis.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from exports.records import DecisionRecord, DocumentSnapshot, SignOffRecord, clean
from exports.text import has_line_break, single_line

SECTIONS = (
    ("context", "## Context and Problem Statement"),
    ("options", "## Considered Options"),
    ("outcome", "## Decision Outcome"),
    ("consequences", "### Consequences"),
)
MORE = "## More Information"
LIST_KEYS = ("deciders", "consulted", "informed")
FRONT_KEYS = {"deciders": "decision-makers", "consulted": "consulted", "informed": "informed"}  # MADR 4 names
MADR_VERSION = "4.0.0"
_NEEDS_ESCAPE = re.compile(r"(?:#|\\|<|```|~~~|(?:=+|-+)[ \t]*$)")
_YAML_BREAKS = {"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029", "\ufeff": "\\ufeff"}
_HEADING_PUNCT = re.compile(r"([\\`*_{}\[\]<>#|~])")
_SUPERSEDED_BY = re.compile(r"superseded by (?:\[([^\]]+)\]\([^)]*\)|(\S+))", re.IGNORECASE)


@dataclass(frozen=True)
class MadrFields:
    """What a MADR file says: front matter, the four sections, and the links of More Information."""

    ref: str
    title: str
    status: str
    date: str | None
    deciders: tuple[str, ...]
    consulted: tuple[str, ...]
    informed: tuple[str, ...]
    context: str
    options: str
    outcome: str
    consequences: str
    addresses: tuple[str, ...]  # REQ refs
    supersedes: str | None  # ADR ref
    superseded_by: str | None = None  # ADR ref, from the status line "superseded by ADR-3"
    notes: tuple[str, ...] = field(default=(), compare=False)  # what reading changed, e.g. a title's line breaks


class MadrError(ValueError):
    """A file that is not a MADR record in the layout written here."""


def file_name(decision: DecisionRecord) -> str:
    """`0003-centralise-atp-in-the-oms.md`: the ADR number, then an ASCII slug of the title."""
    ascii_title = unicodedata.normalize("NFKD", decision.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-") or "decision"
    return f"{int(decision.number):04d}-{slug}.md"


def fields_of(decision: DecisionRecord, snap: DocumentSnapshot) -> MadrFields:
    """The fields a decision's file must parse back to (text normalised as the file stores it)."""
    superseded = snap.decision_by_id.get(decision.supersedes_id) if decision.supersedes_id else None
    effective = snap.effective_status[decision.id]
    return MadrFields(
        ref=decision.ref,
        title=_one_line(decision.title),
        status=effective.status,
        date=decision.decided_on.isoformat() if decision.decided_on else None,
        deciders=tuple(_one_line(n) for n in decision.deciders),
        consulted=tuple(_one_line(n) for n in decision.consulted),
        informed=tuple(_one_line(n) for n in decision.informed),
        context=_normal(decision.context),
        options=_normal(decision.options),
        outcome=_normal(decision.outcome),
        consequences=_normal(decision.consequences),
        addresses=tuple(r.ref for r in snap.addressed_by(decision.id)),
        supersedes=superseded.ref if superseded else None,
        superseded_by=effective.by,
    )


def render_madr(decision: DecisionRecord, snap: DocumentSnapshot, *, requirement_url: str | None = None) -> str:
    """One decision as a MADR file. `requirement_url` (e.g. `https://host/e/1/requirements/{id}`) links the
    requirements it addresses; without it they are named only."""
    fields = fields_of(decision, snap)
    front: list[tuple[str, object]] = [("status", snap.effective_status[decision.id].text())]
    if fields.date:
        front.append(("date", fields.date))
    front += [(FRONT_KEYS[key], list(getattr(fields, key))) for key in LIST_KEYS]
    front += [("title", fields.title), ("adr", fields.ref)]
    out = ["---", *(f"{key}: {_yaml(value)}" for key, value in front), "---", "",
           f"# {_heading(fields.title)}", ""]
    for key, heading in SECTIONS:
        out += [heading, ""]
        body = getattr(fields, key)
        if body:
            out += [_escape_line(line) for line in body.split("\n")] + [""]
    out += [MORE, ""]
    for req in snap.addressed_by(decision.id):
        name = _inline(req.title)
        if requirement_url:
            out.append(f"* Addresses [{req.ref}]({requirement_url.format(id=int(req.id))}) {name}")
        else:
            out.append(f"* Addresses {req.ref} {name}")
    superseded = snap.decision_by_id.get(decision.supersedes_id) if decision.supersedes_id else None
    if superseded is not None:
        out.append(f"* Supersedes [{superseded.ref}]({file_name(superseded)}) {_inline(superseded.title)}")
    for newer in snap.superseded_by(decision.id):
        out.append(f"* Superseded by [{newer.ref}]({file_name(newer)}) {_inline(newer.title)}")
    if decision.scenario:
        out.append(f"* Scenario: {_inline(decision.scenario)}")
    if decision.affects:
        out.append(f"* Affects: {_inline(', '.join(decision.affects))}")
    out += [_signoff_line(s, decision.version) for s in decision.signoffs]
    return "\n".join(out).rstrip("\n") + "\n"


def _signoff_line(s: SignOffRecord, version: int) -> str:
    """`* Sign-off: approved by Rae on 2026-12-07 (version 2)`, marked stale once the ADR moved on."""
    stale = f"; stale: changed since, now version {version}" if s.stale else ""
    note = f": {_inline(s.note)}" if s.note else ""
    when = s.signed_on.isoformat()
    return f"* Sign-off: {s.verdict} by {_inline(s.author)} on {when} (version {s.version}{stale}){note}"


def write_adrs(snap: DocumentSnapshot, **options) -> dict[str, str]:
    """Every decision's file, by file name, in ADR number order."""
    return {file_name(d): render_madr(d, snap, **options) for d in sorted(snap.decisions, key=lambda d: d.number)}


def write_adr_zip(snap: DocumentSnapshot, *, folder: str = "decisions", **options) -> bytes:
    """The files in a zip under `decisions/` (log4brains' default folder), plus a README index."""
    if not re.fullmatch(r"[a-z0-9_-]{1,40}", folder):
        raise ValueError(f"bad folder {folder!r}")
    files = write_adrs(snap, **options)
    index = [f"# Architecture decision records — {_inline(snap.engagement_name)}", "",
             f"Written as [MADR {MADR_VERSION}](https://adr.github.io/madr/) (Markdown Any Decision Records) "
             "files; the front matter's `decision-makers`, `consulted` and `informed` list people by name.", ""]
    for decision in sorted(snap.decisions, key=lambda d: d.number):
        status = snap.effective_status[decision.id].text()
        index.append(f"* [{decision.ref}]({file_name(decision)}) {_inline(decision.title)} ({status})")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(_entry(f"{folder}/{name}", snap.exported_at), text.encode("utf-8"))
        archive.writestr(_entry(f"{folder}/README.md", snap.exported_at), ("\n".join(index) + "\n").encode("utf-8"))
    return buffer.getvalue()


def _entry(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=max(when.timetuple()[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


# --- reading back ------------------------------------------------------------------------------------


def parse_madr(text: str) -> MadrFields:
    """Read a MADR file written by `render_madr` (or by hand in the same layout) back into its fields."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        raise MadrError("no front matter")
    end = lines.index("---", 1)
    front: dict[str, object] = {}
    last = ""
    for line in lines[1:end]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.lstrip().startswith("- ") and isinstance(front.get(last), list):  # a block list, by hand
            front[last].append(_yaml_value(line.lstrip()[2:].strip()))  # type: ignore[union-attr]
            continue
        key, sep, raw = line.partition(":")
        if not sep:
            raise MadrError(f"bad front matter line {line!r}")
        last = key.strip()
        front[last] = _yaml_value(raw.strip()) if raw.strip() else []
    if "decision-makers" in front:  # MADR 4's name; MADR 3 files say deciders
        front["deciders"] = front["decision-makers"]
    body = lines[end + 1:]
    heading = next((line[2:] for line in body if line.startswith("# ")), "")
    sections: dict[str, list[str]] = {}
    current: str | None = None
    names = {h: key for key, h in SECTIONS} | {MORE: "more"}
    for line in body:
        if line.startswith("#"):
            current = names.get(line.strip())
            if current is not None:
                sections[current] = []
            continue
        if current is not None:
            sections[current].append(line)
    more = sections.get("more", [])
    addresses = tuple(m.group(1) for line in more if (m := re.match(r"\* Addresses \[?(REQ-\d+)", line)))
    supersedes = next((m.group(1) for line in more if (m := re.match(r"\* Supersedes \[(ADR-\d+)\]", line))), None)
    status, superseded_by = _status(str(front.get("status", "")))
    title = str(front.get("title", _unheading(heading)))
    notes = ("title: line breaks read as spaces",) if has_line_break(title) else ()
    names = {key: _names(front.get(key)) for key in LIST_KEYS}
    for key, found in names.items():
        if any(has_line_break(name) for name in found):
            notes += (f"{FRONT_KEYS[key]}: line breaks in a name read as spaces",)
    return MadrFields(
        ref=str(front.get("adr", "")) or _ref_of(heading),
        title=single_line(title),
        status=status,
        date=str(front["date"]) if front.get("date") else None,
        **{key: tuple(single_line(name) for name in found) for key, found in names.items()},
        **{key: _section(sections.get(key, [])) for key, _ in SECTIONS},
        addresses=addresses,
        supersedes=supersedes,
        superseded_by=superseded_by,
        notes=notes,
    )


def _ref_of(heading: str) -> str:
    """`ADR-3` from a heading such as `# ADR-3: Centralise ATP` when the front matter names no `adr`."""
    m = re.match(r"ADR-\d+", heading.strip())
    return m.group(0) if m else ""


def _status(text: str) -> tuple[str, str | None]:
    """`superseded by ADR-3` (MADR 4's wording) -> ("superseded", "ADR-3"), and MADR 3's `superseded by
    [ADR-0003](0003-x.md)` -> ("superseded", "ADR-0003"); any other status is itself, superseded by no one."""
    m = _SUPERSEDED_BY.fullmatch(text.strip())
    if m is None:
        return text, None
    return "superseded", m.group(1) or m.group(2)


def _section(lines: list[str]) -> str:
    return "\n".join(_unescape_line(line) for line in lines).strip("\n")


def _names(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return tuple(part.strip() for part in str(value).split(",") if part.strip())


def _yaml_value(raw: str) -> object:
    if raw.startswith(('"', "[")):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            if not (raw.startswith("[") and raw.endswith("]")):
                raise MadrError(f"bad front matter value {raw!r}") from exc
            # A flow list typed by hand, `[Ana, Bo]`: plain or quoted items, no commas inside them.
            return [str(_yaml_value(item.strip())) for item in raw[1:-1].split(",") if item.strip()]
    return raw.strip("'")


# --- escaping ------------------------------------------------------------------------------------


def _normal(text: str) -> str:
    """Section text as stored: cleaned, without leading or trailing blank lines."""
    return clean(text).strip("\n").rstrip()


def _yaml(value: object) -> str:
    """A JSON string or list of strings: valid YAML, and inert whatever the text."""
    dumped = json.dumps(value, ensure_ascii=False)
    for char, escaped in _YAML_BREAKS.items():
        dumped = dumped.replace(char, escaped)
    return dumped


def _escape_line(line: str) -> str:
    stripped = line.lstrip(" ")
    if _NEEDS_ESCAPE.match(stripped):
        return line[: len(line) - len(stripped)] + "\\" + stripped
    return line


def _unescape_line(line: str) -> str:
    stripped = line.lstrip(" ")
    if stripped.startswith("\\") and _NEEDS_ESCAPE.match(stripped[1:]):
        return line[: len(line) - len(stripped)] + stripped[1:]
    return line


def _one_line(text: str) -> str:
    return single_line(clean(text))


def _heading(title: str) -> str:
    """A title on one heading line: line breaks become spaces, Markdown punctuation is backslash-escaped."""
    return _HEADING_PUNCT.sub(r"\\\1", " ".join(title.split())) or "Untitled decision"


def _unheading(text: str) -> str:
    return re.sub(r"\\([\\`*_{}\[\]<>#|~])", r"\1", text)


def _inline(text: str) -> str:
    """User text inside a list item: one line, Markdown punctuation escaped."""
    return _heading(clean(text)) if text else ""


__all__ = ["MadrError", "MadrFields", "fields_of", "file_name", "parse_madr", "render_madr", "write_adr_zip",
           "write_adrs"]
