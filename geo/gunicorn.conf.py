"""gunicorn settings for serving the engine (`make serve`, the load benchmark and the fault tests).

The matcher (gigabytes for all of Thailand) is built once in the master before the workers
fork (`preload_app` with GEO_PRELOAD_MATCHER=1), so every worker shares its pages copy-on-write.
`gc.freeze()` moves those objects out of the collector's reach: a collection in a worker would
otherwise write to every object header it scans and copy the shared pages one by one.
"""

import gc
import os

# One or more addresses, comma-separated: `unix:var/run/gunicorn.sock` behind the front.
bind = os.environ.get("GEO_BIND", "127.0.0.1:8000").split(",")
# The work is CPU-bound Python: one process per core; threads would queue behind the GIL.
workers = int(os.environ.get("GEO_WORKERS", os.cpu_count() or 2))
worker_class = "sync"
preload_app = True
# Generous for batch routing of 10,000 points and big layer pages; the load balancer times out first.
timeout = int(os.environ.get("GEO_WORKER_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then; with the index in the master a new worker costs a fork, not a rebuild.
max_requests = int(os.environ.get("GEO_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# No access log unless asked for (GEO_ACCESS_LOG=- for stdout, or a file): a line written per
# request is a write on every request's path; errors are logged all the same.
accesslog = os.environ.get("GEO_ACCESS_LOG") or None
errorlog = "-"


def when_ready(server):
    if os.environ.get("GEO_GC_FREEZE", "1") != "0":  # 0: only to measure what freezing saves
        gc.freeze()
        server.log.info("objects frozen before fork: %d", gc.get_freeze_count())


def post_fork(server, worker):
    # The routing state's versions are read by a thread of the worker, not on requests' paths.
    from routing import live

    live.poll_in_background()
    # The reads pool (geo/front.py) runs niced: routing workers get the cores first.
    nice = int(os.environ.get("GEO_NICE", "0"))
    if nice:
        os.nice(nice)
