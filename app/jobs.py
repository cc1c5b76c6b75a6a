"""Background jobs: an in-process thread pool owned by the app; each job gets its own database session."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask
from sqlalchemy.orm import Session

KEY = "throughline.jobs"
log = logging.getLogger(__name__)


class Jobs:
    """The app's worker pool and the futures of the jobs it runs (tests wait on them)."""

    def __init__(self, app: Flask, workers: int) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="throughline-job")
        self.futures: dict[str, Future] = {}

    def submit(self, key: str, work: Callable[[Session], object]) -> Future:
        """Run work(session) in a worker with an app context and a session of its own."""
        from app.extensions import db

        def job():
            with self.app.app_context(), Session(db.engine) as session:
                try:
                    return work(session)
                except Exception:
                    log.exception("Background job %s failed", key)
                    raise

        for done in [k for k, f in self.futures.items() if f.done()]:
            del self.futures[done]  # finished jobs are only kept until the next submit
        future = self.pool.submit(job)
        self.futures[key] = future
        return future


def init_jobs(app: Flask) -> Jobs:
    """Create the app's pool once (ENGINE_WORKERS threads, default 1: engine runs are CPU-bound)."""
    if KEY not in app.extensions:
        app.extensions[KEY] = Jobs(app, int(app.config.get("ENGINE_WORKERS", 1)))
    return app.extensions[KEY]


def jobs(app: Flask) -> Jobs:
    """The app's pool (created on first use)."""
    return init_jobs(app)
