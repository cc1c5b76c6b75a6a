"""gunicorn settings for a team server (`make serve`); every value can be set from the environment."""

import os

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# Threads share a worker's memory (the analysis cache, the diagram cache); workers share nothing but the database
# and Redis. Two workers with eight threads suit a small VM; raise WEB_WORKERS with the cores.
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))  # a large inline engine run or report may take this long
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))  # recycle workers now and then
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
# The TLS proxy in front sets X-Forwarded-Proto; Flask's ProxyFix (TRUSTED_PROXIES) handles X-Forwarded-For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Keep what every request shares out of the garbage collector's full passes, once the worker has loaded the app.

    The modules, mappers and compiled templates loaded at start (about 150,000 objects) live as long as the worker;
    scanning them made each full collection a pause of 100-400 ms in the middle of some request, the slowest
    request of a page (bench/bench_foundation.py). Frozen, a full pass scans only what requests and the analysis
    cache made since."""
    import gc

    gc.freeze()
