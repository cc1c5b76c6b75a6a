"""The only way WeasyPrint may load anything while making a report: `data:` URIs, files inside the static
directory, and images registered in memory (`memory:NAME`). Everything else — http(s), ftp, other
`file://` paths, symlinks leading out of static — raises, so WeasyPrint skips the resource."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

MEMORY_SCHEME = "memory"
Fetcher = Callable[..., dict]


class FetchRefused(ValueError):
    """A URL the report renderer may not load."""


def safe_url_fetcher(static_dir: str | Path | None, images: Mapping[str, bytes] | None = None) -> Fetcher:
    """A WeasyPrint url_fetcher confined to data: URIs, `static_dir` and the `images` registered in memory."""
    root = Path(os.path.realpath(static_dir)) if static_dir else None
    memory = dict(images or {})

    def fetch(url: str, timeout: float = 10, ssl_context=None, http_headers=None, **_ignored) -> dict:
        scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
        if scheme == "data":
            return _data_uri(url)
        if scheme == MEMORY_SCHEME:
            name = url.split(":", 1)[1]
            if name not in memory:
                raise FetchRefused(f"No registered image {name!r}.")
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return {"string": memory[name], "mime_type": mime, "redirected_url": url}
        if scheme == "file" and root is not None:
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise FetchRefused("Remote file URLs are not loaded.")
            path = Path(os.path.realpath(unquote(parts.path)))
            if path != root and root in path.parents and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return {"string": path.read_bytes(), "mime_type": mime, "redirected_url": url}
            raise FetchRefused("Only files inside the app's static directory are loaded.")
        raise FetchRefused(f"The report loads no {scheme or 'relative'} URLs.")

    return fetch


def _data_uri(url: str) -> dict:
    """Decode `data:[type][;base64],payload` here rather than through urllib: nothing else is touched."""
    head, sep, payload = url[5:].partition(",")
    if not sep:
        raise FetchRefused("Malformed data: URI.")
    params = head.split(";")
    mime = params[0].strip() or "text/plain"
    raw = unquote_to_bytes(payload)
    if "base64" in (p.strip().lower() for p in params[1:]):
        try:
            raw = base64.b64decode(raw, validate=False)
        except (binascii.Error, ValueError):
            raise FetchRefused("Malformed base64 in a data: URI.") from None
    return {"string": raw, "mime_type": mime, "redirected_url": url}
