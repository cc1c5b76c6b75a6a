"""Worker process: read {html, css, static_dir, images} as JSON on stdin, write the PDF on stdout."""

from __future__ import annotations

import base64
import json
import logging
import sys
from pathlib import Path


def main() -> int:
    """Render one request; exit 1 with the reason on stderr when it fails."""
    from weasyprint import CSS, HTML

    from exports.report.fetcher import safe_url_fetcher

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # refused fetches are expected, not news
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    images = {name: base64.b64decode(data) for name, data in request.get("images", {}).items()}
    static_dir = request.get("static_dir")
    fetcher = safe_url_fetcher(static_dir, images)
    base_url = Path(static_dir).as_uri() + "/" if static_dir else None
    html = HTML(string=request["html"], base_url=base_url, url_fetcher=fetcher)
    stylesheets = [CSS(string=request.get("css", ""), url_fetcher=fetcher, base_url=base_url)]
    pdf = html.write_pdf(stylesheets=stylesheets, attachments=[])
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # the parent shows the last stderr line to the consultant
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
