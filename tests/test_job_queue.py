"""With REDIS_URL set, engine runs go to an RQ queue that `make worker` processes serve; without, the pool runs them."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from app.jobs import jobs, run_task, task_path
from app.services.analysis.scenario import find_scenario
from app.services.engines import runs as engine_runs
from models import EngineRun
from tests.support.datasets import load_small_network

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None,
                                reason="redis-server is not installed (make install brings it)")


@pytest.fixture
def redis_url(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    from redis import Redis

    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            Redis.from_url(url).ping()
            break
        except Exception:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


def test_a_queued_run_waits_in_redis_until_a_worker_runs_it_with_its_own_app(app, session, engagement, redis_url):
    from redis import Redis
    from rq import Queue

    app.config["REDIS_URL"] = redis_url
    load_small_network(session, engagement)
    run_id = engine_runs.start_run(session, engagement, find_scenario(session, engagement), "replay").id

    assert jobs(app).submit(f"run-{run_id}", engine_runs.execute_run, run_id) is None
    queue = Queue("throughline", connection=Redis.from_url(redis_url))
    assert queue.count == 1 and queue.jobs[0].func_name == "app.jobs.run_task"
    assert queue.jobs[0].args == ("app.services.engines.runs:execute_run", [run_id])
    session.commit()
    assert session.get(EngineRun, run_id).status == "queued"

    # `make worker` runs `flask worker`: the same app's command, taking the job from Redis.
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    session.commit()
    run = session.get(EngineRun, run_id)
    assert run.status == "done" and run.progress == 1.0


def test_only_module_level_functions_can_be_queued():
    assert task_path(engine_runs.execute_run) == "app.services.engines.runs:execute_run"
    with pytest.raises(ValueError, match="module-level function"):
        task_path(lambda session: None)


def test_a_queued_task_that_fails_is_raised_to_the_worker_so_rq_keeps_it_as_failed(app):
    with app.app_context(), pytest.raises(Exception):  # noqa: B017 - any error: the run id does not exist
        run_task("app.services.engines.runs:execute_run", [987654])


def test_the_worker_command_explains_that_it_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
