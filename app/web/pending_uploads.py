"""Uploads kept between two steps of a form (workbook dry run → apply, dataset upload → column mapping).

Each upload lives under <instance>/<area>/ as <token>.bin (the bytes) and <token>.json (who uploaded it,
into which engagement, when). The token is random (secrets.token_urlsafe) and is honoured only for the same
engagement and user; uploads older than TTL_SECONDS are deleted whenever another one is stored or loaded.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

TTL_SECONDS = 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


@dataclass(frozen=True)
class PendingUpload:
    """A stored upload, ready to apply."""

    token: str
    data: bytes
    filename: str | None


class PendingUploads:
    """One area's kept uploads (its own folder under the instance path)."""

    def __init__(self, area: str) -> None:
        self.area = area

    def _folder(self) -> Path:
        return Path(current_app.instance_path) / self.area

    def store(self, data: bytes, engagement_id: int, user_id: int, filename: str | None) -> str:
        """Keep an upload; return its token."""
        self.purge()
        folder = self._folder()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_urlsafe(32)
        _write(folder / f"{token}.bin", data)
        meta = {"engagement_id": engagement_id, "user_id": user_id, "filename": filename, "created": time.time()}
        _write(folder / f"{token}.json", json.dumps(meta).encode("utf-8"))
        return token

    def load(self, token: str, engagement_id: int, user_id: int) -> PendingUpload | None:
        """The upload behind a token, if it exists, has not expired and belongs to this engagement and user."""
        self.purge()
        if not _TOKEN.match(token or ""):
            return None
        folder = self._folder()
        try:
            meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
            data = (folder / f"{token}.bin").read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("engagement_id") != engagement_id or meta.get("user_id") != user_id:
            return None
        if time.time() - float(meta.get("created", 0)) > TTL_SECONDS:
            self.discard(token)
            return None
        return PendingUpload(token, data, meta.get("filename"))

    def discard(self, token: str) -> None:
        """Forget an upload (after it was applied)."""
        if not _TOKEN.match(token or ""):
            return
        for suffix in (".bin", ".json"):
            (self._folder() / f"{token}{suffix}").unlink(missing_ok=True)

    def purge(self, now: float | None = None) -> None:
        """Delete uploads older than TTL_SECONDS."""
        folder = self._folder()
        if not folder.is_dir():
            return
        limit = (now or time.time()) - TTL_SECONDS
        for path in folder.iterdir():
            try:
                if path.suffix in (".bin", ".json") and path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
            except OSError:
                continue  # another request removed it first


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
