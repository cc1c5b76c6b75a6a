"""Run Graphviz's `dot` on DOT source: SVG or PNG bytes, under a time limit, with file loading disabled.

`dot` runs without a shell, reads the source on stdin and gets a minimal environment in which
`SERVER_NAME` is set and `GV_FILE_PATH` is not: Graphviz then refuses to open any file a graph names
(images, `shapefile`, `imagepath`, fonts by path), so a diagram cannot read the server's disk. A render that
fails or overruns raises `DiagramError` with a message a person can act on; the caller still has the DOT.
SVG output is checked once more for anything active (scripts, event handlers, links leaving the app).
With `cache=True` the last few drawings are kept in memory, keyed by a hash of their DOT and format: the
output is a function of those alone, so a diagram viewed again unchanged is not drawn again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from xml.etree import ElementTree

FORMATS = ("svg", "png")
TIMEOUT_SECONDS = 10.0
MAX_STDERR_CHARS = 500
# Passed through from the server's environment: what `dot` needs to find itself and its fonts. GV_FILE_PATH
# (it would re-enable file loading from a directory) and GVBINDIR (plugins) are deliberately not among them.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "FONTCONFIG_FILE", "FONTCONFIG_PATH",
              "XDG_CACHE_HOME")
_ACTIVE_TAGS = frozenset({"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"})
_HREF = re.compile(r"(?:/(?!/)|#)")  # app-relative paths and in-document anchors only
_WHITESPACE = re.compile(r"[\x00-\x20\x7f]+")

Runner = Callable[..., subprocess.CompletedProcess]
CACHED_DRAWINGS = 16
_drawn: OrderedDict[tuple[bytes, str], bytes] = OrderedDict()
_drawn_lock = threading.Lock()


class DiagramError(Exception):
    """Graphviz could not render the diagram; the message says why."""


def dot_binary() -> str:
    """Path of the `dot` executable, or a DiagramError when Graphviz is not installed."""
    found = shutil.which("dot") or ("/usr/bin/dot" if os.path.exists("/usr/bin/dot") else None)
    if found is None:
        raise DiagramError("Graphviz is not installed (no `dot` executable); download the DOT source instead.")
    return found


def render_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment `dot` runs with: a few inherited variables plus SERVER_NAME (file loading off)."""
    base = os.environ if base is None else base
    env = {name: base[name] for name in _INHERITED if base.get(name)}
    env["SERVER_NAME"] = "throughline"
    return env


def render(dot_source: str, fmt: str, *, timeout: float = TIMEOUT_SECONDS, runner: Runner = subprocess.run,
           cache: bool = False) -> bytes:
    """DOT source -> SVG or PNG bytes; DiagramError when the format is unknown or `dot` fails or overruns.
    `cache=True` reuses the bytes of the same source and format drawn lately (failures are not kept)."""
    if fmt not in FORMATS:
        raise DiagramError(f"Unknown diagram format {fmt!r}; choose one of {', '.join(FORMATS)} (or dot).")
    key = (hashlib.sha256(dot_source.encode("utf-8", errors="replace")).digest(), fmt)
    if cache:
        with _drawn_lock:
            if key in _drawn:
                _drawn.move_to_end(key)
                return _drawn[key]
    data = _run(dot_source, fmt, timeout, runner)
    if fmt == "svg":
        check_inert_svg(data)
    if cache:
        with _drawn_lock:
            _drawn[key] = data
            while len(_drawn) > CACHED_DRAWINGS:
                _drawn.popitem(last=False)
    return data


def layout_json(dot_source: str, *, timeout: float = TIMEOUT_SECONDS, runner: Runner = subprocess.run) -> dict:
    """Lay the graph out and return Graphviz's JSON description of it (`-Tjson0`: every node's `pos`, `width`
    and `height`, every cluster's `bb`, in points and inches as Graphviz writes them) as a dict."""
    data = _run(dot_source, "json0", timeout, runner)
    try:
        return json.loads(data.decode("utf-8", errors="replace"), strict=False)
    except ValueError as exc:
        raise DiagramError(f"Graphviz wrote a layout that could not be read: {exc}") from None


def _run(dot_source: str, fmt: str, timeout: float, runner: Runner) -> bytes:
    command = [dot_binary(), f"-T{fmt}"]
    try:
        done = runner(
            command,
            input=dot_source.encode("utf-8", errors="replace"),
            capture_output=True,
            timeout=timeout,
            env=render_environment(),
            shell=False,
            check=False,
        )
    except subprocess.TimeoutExpired:
        # subprocess.run kills the child before re-raising: nothing is left running.
        raise DiagramError(f"Graphviz took longer than {timeout:g} s and was stopped; the diagram is too large "
                           "to lay out. Download the DOT source, or narrow the diagram.") from None
    except OSError as exc:
        raise DiagramError(f"Graphviz could not be started: {exc}") from None
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode("utf-8", errors="replace").strip()[:MAX_STDERR_CHARS] or "no output"
        raise DiagramError(f"Graphviz failed (exit {done.returncode}): {detail}")
    return done.stdout


def check_inert_svg(svg: bytes) -> None:
    """Raise DiagramError if the SVG holds a script, an event handler, or a link that leaves the app."""
    try:
        # The bytes come from our own `dot` run, not from a user; expat fetches no external DTD.
        root = ElementTree.fromstring(svg)  # noqa: S314 # nosec B314
    except ElementTree.ParseError as exc:
        raise DiagramError(f"Graphviz wrote an SVG that is not well-formed XML: {exc}") from None
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        if tag in _ACTIVE_TAGS:
            raise DiagramError(f"The SVG contains a <{tag}> element; refusing to serve it.")
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise DiagramError(f"The SVG contains an event handler ({local}); refusing to serve it.")
            if local == "href" and not _HREF.match(_WHITESPACE.sub("", value)):
                raise DiagramError("The SVG contains a link outside the application; refusing to serve it.")
            if "javascript:" in _WHITESPACE.sub("", value).lower():
                raise DiagramError("The SVG contains a javascript: URL; refusing to serve it.")
