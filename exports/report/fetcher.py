"""The only way WeasyPrint may load anything while making a report: `data:` URIs, files inside the static
directory, and images registered in memory (`memory:NAME`). Everything else — http(s), ftp, other
`file://` paths, symlinks leading out of static — raises, so WeasyPrint skips the resource."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

MEMORY_SCHEME = "memory"


class FetchRefused(ValueError):
    """A URL the report renderer may not load."""


def safe_url_fetcher(static_dir: str | Path | None, images: Mapping[str, bytes] | None = None) -> SafeFetcher:
    """A WeasyPrint url_fetcher confined to data: URIs, `static_dir` and the `images` registered in memory."""
    return SafeFetcher(static_dir, images)


class SafeFetcher(URLFetcher):
    """WeasyPrint's fetcher class with `fetch` replaced: urllib's openers are never reached, so no network."""

    def __init__(self, static_dir: str | Path | None, images: Mapping[str, bytes] | None = None) -> None:
        super().__init__(allowed_protocols=("data", MEMORY_SCHEME, "file"), allow_redirects=False)
        self._root = Path(os.path.realpath(static_dir)) if static_dir else None
        self._memory = dict(images or {})

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        """The resource at `url` when it is allowed; FetchRefused (WeasyPrint then skips it) otherwise."""
        scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
        if scheme == "data":
            return _data_uri(url)
        if scheme == MEMORY_SCHEME:
            name = url.split(":", 1)[1]
            if name not in self._memory:
                raise FetchRefused(f"No registered image {name!r}.")
            mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return _response(url, self._memory[name], mime)
        if scheme == "file" and self._root is not None:
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise FetchRefused("Remote file URLs are not loaded.")
            path = Path(os.path.realpath(unquote(parts.path)))
            if path != self._root and self._root in path.parents and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return _response(url, path.read_bytes(), mime)
            raise FetchRefused("Only files inside the app's static directory are loaded.")
        raise FetchRefused(f"The report loads no {scheme or 'relative'} URLs.")

    def open(self, url, data=None, timeout=None):  # noqa: ARG002 - urllib's signature
        """Anything that reaches for urllib's opener goes through `fetch` too."""
        return self.fetch(url if isinstance(url, str) else url.full_url)


def _response(url: str, body: bytes, mime: str) -> URLFetcherResponse:
    # WeasyPrint 69+ takes only URLFetcherResponse (dicts were removed); `url` is what relative links resolve to.
    return URLFetcherResponse(url, body, {"Content-Type": mime})


def _data_uri(url: str) -> URLFetcherResponse:
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
    return _response(url, raw, mime)
