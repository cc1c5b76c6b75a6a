"""The foundation bench's server: the app under gunicorn on a free loopback port, against a bench database.

`serve(workdir)` starts gunicorn with the team server's settings (docs/deploy/gunicorn.conf.py, one worker by
default so its in-process analysis cache is the one warmed) on the SQLite file `bench/foundation_data.py` built
in `workdir`, waits until the login page answers and stops the server afterwards. gunicorn loads
`http_server:wsgi_app()`: the bench's app (plain-http cookies, cheap password hashing) wrapped so every response
says how many SQL statements it issued (`X-Bench-Queries`) and the server's own time (`X-Bench-Server-Ms`),
which lets the bench tell the server's work from the transfer.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
# Per request thread: gunicorn's gthread worker serves requests on several threads at once.
_counts = threading.local()


def wsgi_app():
    """The bench's WSGI app for gunicorn (workdir from BENCH_WORKDIR), counting SQL statements per request."""
    sys.path.insert(0, str(ROOT))
    from foundation_data import build_app
    from sqlalchemy import event

    from app.extensions import db

    app = build_app(Path(os.environ["BENCH_WORKDIR"]))
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_rest):
        if not statement.startswith(("BEGIN", "PRAGMA")):
            _counts.n = getattr(_counts, "n", 0) + 1

    inner = app.wsgi_app

    def counted(environ, start_response):
        _counts.n, started = 0, time.perf_counter()

        def start(status, headers, exc_info=None):
            # The body is produced before start_response is called by Flask, so both figures are complete here.
            headers.append(("X-Bench-Queries", str(_counts.n)))
            headers.append(("X-Bench-Server-Ms", f"{(time.perf_counter() - started) * 1000:.1f}"))
            return start_response(status, headers, exc_info)

        return inner(environ, start)

    app.wsgi_app = counted
    return app


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(workdir: Path, workers: int = 1, threads: int = 4, timeout_s: float = 120.0) -> Iterator[str]:
    """Run gunicorn on the bench database in `workdir`; yield its base URL; stop it (and only it) on exit."""
    port = free_port()
    env = {**os.environ, "BENCH_WORKDIR": str(workdir), "THROUGHLINE_INSTANCE": str(workdir / "instance"),
           "BIND": f"127.0.0.1:{port}", "WEB_WORKERS": str(workers), "WEB_THREADS": str(threads),
           "WEB_TIMEOUT": "600", "WEB_MAX_REQUESTS": "0", "SECRET_KEY": "bench-secret"}
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 (closed below, after the server stops)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", str(ROOT / "docs/deploy/gunicorn.conf.py"), "--pythonpath", f"{BENCH},{ROOT}",
         "--access-logfile", "/dev/null", "http_server:wsgi_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server, timeout_s, workdir / "gunicorn.log")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _wait_until_up(base: str, server: subprocess.Popen, timeout_s: float, log: Path) -> None:
    import requests

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        # Not listening yet, or still loading the app on a busy machine: ask again until the deadline.
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            if requests.get(f"{base}/login", timeout=30).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {timeout_s:.0f} s:\n{log.read_text()[-2000:]}")
