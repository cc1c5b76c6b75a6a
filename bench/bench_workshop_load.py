"""Workshop load bench: editors saving, viewers browsing and a PDF a minute against `make serve` (gunicorn), on
loopback, for a bounded time.

Run from the repository root:
  .venv/bin/python bench/bench_workshop_load.py                      # 1 engagement, 3 editors + 10 viewers, SQLite
  .venv/bin/python bench/bench_workshop_load.py --engagements 5 --database-url postgresql://…   # team server

Builds a fresh database (a temporary SQLite file unless --database-url is given: that database is emptied),
loads the demo engagement once per engagement with its own editors and viewers, starts gunicorn with the team
server's settings (docs/deploy/gunicorn.conf.py), then for --seconds: each editor opens a system's edit form and
saves it changed every 5-10 s; each viewer opens a page or an htmx fragment every 1-3 s; one PDF report is made
per minute. Prints p50/p95/max per class, errors (5xx, refused connections, "database is locked") and the
machine's load. Targets (issue 19): 0 errors, fragment p95 < 300 ms, page p95 < 500 ms, save p95 < 1 s.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "workshop load bench"
TARGETS = {"fragment": 0.300, "page": 0.500, "save": 1.0}


class FormReader(HTMLParser):
    """The named fields of the first POST form whose action matches, with their current values."""

    def __init__(self, action_part: str) -> None:
        super().__init__()
        self.action_part, self.inside, self.done, self.fields = action_part, False, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (tag == "form" and not self.done and (a.get("method") or "").lower() == "post"
                and self.action_part in (a.get("action") or "")):
            self.inside = True
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.setdefault(self._select, []).append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


class Client:
    """A browser: cookies, CSRF token, timings recorded per class."""

    def __init__(self, base: str, record) -> None:
        self.base, self.record = base, record
        jar = http.cookiejar.CookieJar(_LoopbackIsSecure())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        self.csrf = ""

    def request(self, kind: str, path: str, data: dict | None = None, htmx: bool = False) -> tuple[int, str]:
        headers = {"HX-Request": "true"} if htmx else {}
        if data is not None:
            headers["X-CSRFToken"] = self.csrf
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, body, headers), timeout=60) as resp:
                status, text = resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        except OSError as exc:
            status, text = 0, str(exc)
        self.record(kind, time.perf_counter() - started, status, text)
        if match := re.search(r'name="csrf-token" content="([^"]+)"', text):
            self.csrf = match.group(1)
        return status, text

    def login(self, email: str) -> None:
        _status, page = self.request("login", "/login")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        self.csrf = token
        self.request("login", "/login", {"email": email, "password": PASSWORD, "csrf_token": token})
        self.request("page", "/")


class _LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    # Browsers send Secure cookies to http://127.0.0.1 (a secure context); urllib does not unless told.
    def return_ok_secure(self, cookie, request):
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def build(database_url: str, engagements: int, editors: int, viewers: int) -> list[dict]:
    """Empty the database, migrate it, load the demo per engagement with its members; return each one's ids."""
    os.environ["DATABASE_URL"] = database_url
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade", "--directory", "migrations"],
                   cwd=ROOT, check=True, capture_output=True)
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.services.accounts import create_user, set_membership
    from app.services.demo import load_demo
    from models import System

    app = create_app({"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024})
    plans = []
    with app.app_context():
        session = db.session
        for e in range(engagements):
            owner = create_user(session, f"owner{e}@bench.example", f"Owner {e}", PASSWORD)
            engagement = load_demo(session, owner=owner)
            people = {"editors": [], "viewers": []}
            for role, count in (("editor", editors), ("viewer", viewers)):
                for i in range(count):
                    email = f"{role}{e}-{i}@bench.example"
                    create_user(session, email, f"{role} {e}-{i}", PASSWORD)
                    set_membership(session, engagement, email, role)
                    people[f"{role}s"].append(email)
            systems = session.scalars(select(System.id).where(System.engagement_id == engagement.id)).all()
            plans.append({"id": engagement.id, "systems": list(systems), "owner": owner.email, **people})
    return plans


def editor(client: Client, plan: dict, stop: float, rng: random.Random) -> None:
    """Open a system's edit form and save it with a changed description, every 5-10 s."""
    while time.time() < stop:
        system = rng.choice(plan["systems"])
        path = f"/e/{plan['id']}/systems/{system}/edit"
        _status, html = client.request("page", path)
        reader = FormReader("/edit")
        reader.feed(html)
        fields = reader.fields
        if fields:
            fields["description"] = [f"Edited at {time.time():.3f} in the workshop"]
            fields.setdefault("csrf_token", [client.csrf])
            client.request("save", path, fields)
        time.sleep(rng.uniform(5, 10))


def viewer(client: Client, plan: dict, stop: float, rng: random.Random) -> None:
    """Open a page or a fragment every 1-3 s."""
    e = plan["id"]
    pages = [f"/e/{e}/", f"/e/{e}/systems", f"/e/{e}/flows", f"/e/{e}/requirements", f"/e/{e}/analysis",
             f"/e/{e}/analysis/freshness", f"/e/{e}/ownership-matrix"]
    while time.time() < stop:
        if rng.random() < 0.5:
            client.request("page", rng.choice(pages))
        else:
            client.request("fragment", f"/e/{e}/systems/{rng.choice(plan['systems'])}/row", htmx=True)
        time.sleep(rng.uniform(1, 3))


def reporter(client: Client, plan: dict, stop: float) -> None:
    """Ask for one PDF report a minute and wait for it."""
    while time.time() < stop:
        started = time.perf_counter()
        client.request("report-start", f"/e/{plan['id']}/report/jobs", {"csrf_token": client.csrf})
        time.sleep(max(0.0, 60 - (time.perf_counter() - started)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--engagements", type=int, default=1)
    parser.add_argument("--editors", type=int, default=3)
    parser.add_argument("--viewers", type=int, default=10)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--web-workers", default="2")
    parser.add_argument("--web-threads", default="8")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="throughline-load-")
    url = args.database_url or f"sqlite:///{scratch}/load.sqlite"
    if args.database_url:
        from sqlalchemy import MetaData, create_engine

        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        meta = MetaData()
        meta.reflect(engine)
        meta.drop_all(engine)
        engine.dispose()
    plans = build(url, args.engagements, args.editors, args.viewers)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "WEB_WORKERS": args.web_workers,
           "WEB_THREADS": args.web_threads, "SECRET_KEY": "load-bench", "REPORT_INLINE": "",
           "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_KIB": "1024"}
    server_log = open(f"{scratch}/server.log", "w")  # noqa: SIM115 - open for the server's whole life
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "docs/deploy/gunicorn.conf.py", "app.wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=server_log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    conflicts: list[str] = []  # two editors saving the same system: the second is told (409), not an error
    lock = threading.Lock()

    def record(kind: str, seconds: float, status: int, text: str) -> None:
        with lock:
            times[kind].append(seconds)
            wrong = status == 0 or status >= 500 or "database is locked" in text
            wrong = wrong or (kind in ("page", "fragment") and status != 200) or (kind == "save" and status >= 400)
            if status == 409:
                conflicts.append(kind)
            elif wrong:
                errors.append(f"{kind} {status}: {text[:120]}")

    stop = time.time() + args.seconds
    threads = []
    rng = random.Random(7)
    for plan in plans:
        for emails, work in ((plan["editors"], editor), (plan["viewers"], viewer)):
            for email in emails:
                client = Client(base, record)
                client.login(email)
                threads.append(threading.Thread(target=work, args=(client, plan, stop, random.Random(rng.random()))))
    pdf = Client(base, record)
    pdf.login(plans[0]["owner"])
    threads.append(threading.Thread(target=reporter, args=(pdf, plans[0], stop)))
    loads = []
    for t in threads:
        t.start()
    while time.time() < stop:
        loads.append(os.getloadavg()[0])
        time.sleep(5)
    for t in threads:
        t.join(timeout=90)
    server.terminate()
    server.wait(timeout=30)
    server_log.close()
    log = Path(f"{scratch}/server.log").read_text()
    locked = log.count("database is locked")
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"{backend}: {args.engagements} engagement(s) × ({args.editors} editors + {args.viewers} viewers)"
          f" + 1 PDF/min, {args.seconds} s, gunicorn {args.web_workers}×{args.web_threads}; load avg during the run "
          f"{min(loads, default=0):.1f}–{max(loads, default=0):.1f} on {os.cpu_count()} cores")
    met = not errors and not locked
    for kind in ("fragment", "page", "save", "report-start"):
        values = sorted(times.get(kind, []))
        if not values:
            continue
        p50, p95 = values[len(values) // 2], values[min(len(values) - 1, int(len(values) * 0.95))]
        target = TARGETS.get(kind)
        verdict = "" if target is None else ("met" if p95 < target else f"NOT met (target < {target * 1000:.0f} ms)")
        met = met and (target is None or p95 < target)
        print(f"  {kind:<13} n={len(values):5d}  p50 {p50 * 1000:7.0f} ms  p95 {p95 * 1000:7.0f} ms  "
              f"max {values[-1] * 1000:7.0f} ms  {verdict}")
    print(f"  errors {len(errors)}, edit conflicts (409) {len(conflicts)}, "
          f"'database is locked' in the server log {locked}")
    for line in errors[:5]:
        print(f"    {line}")
    print("all targets met" if met else "NOT all targets met")


if __name__ == "__main__":
    main()
