"""Start the engine the way `make run` serves it, on a free loopback port, for the tests and the
benchmarks: nginx in front (geo/front.py, deploy/nginx.conf.template), gunicorn with its production
configuration (geo/gunicorn.conf.py) behind it on Unix sockets (the `app` pool with the matcher,
the `reads` pool for layers, tiles, statistics and searches), and a private Redis for the shared
rate counters and caches. `front=False` binds one gunicorn itself to the port instead (a test
that must talk to gunicorn directly)."""

import hashlib
import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from . import front as parts

ROOT = Path(__file__).resolve().parent.parent
_serial = itertools.count()
# Collected once per checkout (the map page's own files differ between checkouts sharing var/).
TEST_STATIC = ROOT / "var" / f"static-{hashlib.sha1(str(ROOT).encode()).hexdigest()[:8]}"
MAX_BODY = 8 * 1024 * 1024  # geo/settings.py DATA_UPLOAD_MAX_MEMORY_SIZE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """nginx + gunicorn (matcher preloaded) + Redis, or gunicorn alone on the port (front=False)."""

    def __init__(
        self,
        database_url: str | None = None,
        workers: int = 2,
        extra_env: dict | None = None,
        front: bool = True,
        redis_url: str | None = None,
        direct: bool = False,
        read_workers: int = 2,
    ):
        self.front = front
        self.workers = workers
        self.read_workers = read_workers if front else 0
        self.reads = None
        self.children = []  # nginx and Redis, started as children that die with this process
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # direct=True: gunicorn also listens on a TCP port of its own, bypassing the front.
        self.direct_port = free_port() if direct and front else None
        self.direct = f"http://127.0.0.1:{self.direct_port}" if self.direct_port else None
        self.run = parts.RunDir(ROOT / "var" / f"front-{os.getpid()}-{next(_serial)}")
        self.log_path = self.run.path / "gunicorn.log"
        self.own_redis = redis_url is None
        self.redis_url = redis_url or self.run.redis_url
        self.env = {
            **os.environ,
            "GEO_PRELOAD_MATCHER": "1",
            "GEO_BIND": ",".join(
                ([self.run.bind] if front else [f"127.0.0.1:{self.port}"])
                + ([f"127.0.0.1:{self.direct_port}"] if self.direct_port else [])
            ),
            "GEO_WORKERS": str(workers),
            "GEO_ACCESS_LOG": "",
            "GEO_REDIS_URL": self.redis_url,
            "GEO_STATIC_ROOT": str(TEST_STATIC),
            **({"DATABASE_URL": database_url} if database_url else {}),
            **(extra_env or {}),
        }
        self.process = None

    def __enter__(self):
        self.run.path.mkdir(parents=True, exist_ok=True)
        try:
            if self.own_redis:
                self.children.append(parts.start_redis(self.run, maxmemory="256mb", child=True))
            self._log = open(self.log_path, "w")
            if self.read_workers:
                self.reads = subprocess.Popen(
                    parts.GUNICORN,
                    preexec_fn=parts.die_with_parent,
                    cwd=ROOT,
                    env=parts.reads_env(self.run, self.read_workers, self.env),
                    stdout=self._log,
                    stderr=subprocess.STDOUT,
                )
            if self.front:
                parts.collect_static(TEST_STATIC, self.env)
                nginx = parts.start_nginx(
                    self.run,
                    f"127.0.0.1:{self.port}",
                    TEST_STATIC,
                    MAX_BODY,
                    access_log=False,
                    reads_pool=bool(self.read_workers),
                    child=True,
                )
                self.children.append(nginx)
            self._start_gunicorn()
        except BaseException:
            self._stop(keep_logs=True)
            raise
        return self

    def _start_gunicorn(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "geo/gunicorn.conf.py", "geo.wsgi"],
            preexec_fn=parts.die_with_parent,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 300  # the matcher is built first: minutes on a busy machine
        while True:
            try:
                with urllib.request.urlopen(self.base + "/livez", timeout=2) as reply:
                    # Every worker forked: the first answers before the master has forked the
                    # others (the views are imported before the fork, so it answers at once).
                    ready = self.reads is None or self.run.reads_socket.exists()
                    if reply.status == 200 and ready and len(self.worker_pids()) >= self.workers:
                        return
            except OSError:
                pass
            stopped = self.process.poll() is not None or (self.reads is not None and self.reads.poll() is not None)
            if stopped or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {self.log_path}")
            time.sleep(0.2)

    def __exit__(self, *exc):
        self._stop()

    def _stop(self, keep_logs: bool = False):
        for process in (self.process, self.reads):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
        if self.process is not None or self.reads is not None:
            self._log.close()
        parts.stop(self.run)
        for child in self.children:
            child.wait(timeout=30)
        if not keep_logs:
            shutil.rmtree(self.run.path, ignore_errors=True)

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return {int(pid) for pid in children}
