"""HTML -> PDF with WeasyPrint in a worker subprocess under a time limit, fetching through `safe_url_fetcher`.

A subprocess (not a thread) so an overrun can really be stopped: `subprocess.run(timeout=…)` kills it.
The worker reads one JSON request on stdin and writes the PDF bytes on stdout.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the project root, so the worker can import `exports`
MAX_STDERR_CHARS = 600


class ReportError(Exception):
    """The report could not be made; the message says why in words a consultant can act on."""


def render_pdf(html: str, *, css: str = "", static_dir: str | Path | None = None,
               images: Mapping[str, bytes] | None = None, timeout: float = 120.0) -> bytes:
    """PDF bytes of `html` styled by `css`; ReportError when WeasyPrint fails or takes longer than `timeout` s."""
    request = {
        "html": html,
        "css": css,
        "static_dir": str(Path(static_dir).resolve()) if static_dir else None,
        "images": {name: base64.b64encode(data).decode("ascii") for name, data in (images or {}).items()},
    }
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    try:
        done = subprocess.run(  # noqa: S603 — our own interpreter and module, no shell
            [sys.executable, "-m", "exports.report.worker"],
            input=json.dumps(request).encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            env=env,
            cwd=str(ROOT),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ReportError(f"Making the PDF took longer than {timeout:g} s and was stopped. Choose fewer sections "
                          "or engine runs, or try again when the server is less busy.") from None
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        detail = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise ReportError(f"The PDF could not be made: {(detail[-1] if detail else 'no output')[:MAX_STDERR_CHARS]}")
    return done.stdout
