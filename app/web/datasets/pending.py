"""Uploads kept between the upload and the column-mapping step, under <instance>/dataset-uploads/.

Each upload is <token>.bin (bytes) and <token>.json (engagement, user, file name, time). The token is random
and honoured only for the same engagement and user; uploads older than TTL_SECONDS are purged on each use.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

TTL_SECONDS = 60 * 60
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{40,64}$")


def _folder() -> Path:
    return Path(current_app.instance_path) / "dataset-uploads"


def store(data: bytes, engagement_id: int, user_id: int, filename: str) -> str:
    """Keep an upload for the mapping step; return its token."""
    purge()
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_urlsafe(32)
    (folder / f"{token}.bin").write_bytes(data)
    meta = {"engagement_id": engagement_id, "user_id": user_id, "filename": filename, "created": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load(token: str, engagement_id: int, user_id: int) -> tuple[bytes, str] | None:
    """(bytes, file name) behind a token of this engagement and user, or None."""
    purge()
    if not _TOKEN.match(token or ""):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("engagement_id") != engagement_id or meta.get("user_id") != user_id:
        return None
    return data, str(meta.get("filename") or "")


def discard(token: str) -> None:
    """Forget an upload once stored."""
    if _TOKEN.match(token or ""):
        for suffix in (".bin", ".json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def purge() -> None:
    """Delete uploads older than TTL_SECONDS."""
    folder = _folder()
    if not folder.is_dir():
        return
    cutoff = time.time() - TTL_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                os.unlink(path)
        except OSError:
            pass
