"""Background jobs: on a laptop an in-process thread pool owned by the app; on a team server (REDIS_URL set) an
RQ queue served by `make worker` processes. Either way each job gets its own database session, and work whose
worker died is marked failed once its heartbeat lapses (app.services.work), so it can be started again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from importlib import import_module
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

KEY = "throughline.jobs"
QUEUE = "throughline"
WORKER_TASK = "app.jobs.run_task"  # by name: RQ imports it in the worker (`flask worker`, inside the app context)
log = logging.getLogger(__name__)


class Jobs:
    """The app's worker pool (or queue) and the futures of the jobs it runs in process (tests wait on them)."""

    def __init__(self, app: Flask, workers: int) -> None:
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="throughline-job")
        self.futures: dict[str, Future] = {}

    def submit(self, key: str, work: Callable[..., object], *args: Any) -> Future | None:
        """Run work(session, *args) in the background: on the queue when there is one (work must then be a
        module-level function and args plain values), else in this process's pool (returns its future)."""
        if redis_url := self.app.config.get("REDIS_URL"):
            _queue(redis_url).enqueue(WORKER_TASK, task_path(work), list(args), job_id=f"throughline-{key}",
                               job_timeout=int(self.app.config.get("JOB_TIMEOUT_SECONDS", 6 * 3600)),
                               result_ttl=0, failure_ttl=7 * 24 * 3600)
            return None
        from app.extensions import db

        def job():
            with self.app.app_context(), Session(db.engine) as session:
                try:
                    return work(session, *args)
                except Exception:
                    log.exception("Background job %s failed", key)
                    raise

        for done in [k for k, f in self.futures.items() if f.done()]:
            del self.futures[done]  # finished jobs are only kept until the next submit
        future = self.pool.submit(job)
        self.futures[key] = future
        return future


def task_path(work: Callable[..., object]) -> str:
    """`module:function` for a module-level function; ValueError for a lambda or a nested function."""
    name = getattr(work, "__qualname__", "")
    if not name or "<" in name or "." in name:
        raise ValueError(f"Queued work must be a module-level function, not {work!r}.")
    return f"{work.__module__}:{name}"


def run_task(path: str, args: list[Any]) -> None:
    """What a queue worker runs: the function at `module:function` as work(session, *args), in the worker's app
    context; errors propagate so RQ keeps the job as failed."""
    from app.extensions import db

    module, name = path.split(":")
    work = getattr(import_module(module), name)
    with Session(db.engine) as session:
        try:
            work(session, *args)
        except Exception:
            log.exception("Queued job %s%r failed", path, tuple(args))
            raise


@cache
def _queue(redis_url: str):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(redis_url))


def init_jobs(app: Flask) -> Jobs:
    """Create the app's pool once (ENGINE_WORKERS threads, default 1: engine runs are CPU-bound), and its queue
    when REDIS_URL is configured."""
    if KEY not in app.extensions:
        app.extensions[KEY] = Jobs(app, int(app.config.get("ENGINE_WORKERS", 1)))
    return app.extensions[KEY]


def jobs(app: Flask) -> Jobs:
    """The app's pool (created on first use)."""
    return init_jobs(app)
