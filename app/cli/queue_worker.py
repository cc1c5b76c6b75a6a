"""`flask --app app worker` (`make worker`): an RQ worker serving the job queue inside this app; each job runs
app.jobs.run_task."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.jobs import QUEUE


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for scripts and tests).")
def worker_command(burst: bool) -> None:
    """Run queued engine runs and reports (needs REDIS_URL); one job at a time, in this process."""
    from flask import current_app
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.UsageError("Set REDIS_URL (e.g. redis://127.0.0.1:6379/0): the worker takes jobs from Redis.")
    connection = Redis.from_url(url)
    # SimpleWorker runs jobs in this process, inside the app context: no fork sharing database connections.
    SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection).work(burst=burst)
