"""Start the engine under gunicorn with its production configuration (geo/gunicorn.conf.py) on a
free loopback port: for the fault tests and the load and memory benchmarks."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn with the project's configuration (geo/gunicorn.conf.py), matcher preloaded."""

    def __init__(self, database_url: str | None = None, workers: int = 2, extra_env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = ROOT / "var" / f"server-{self.port}.log"
        self.env = {
            **os.environ,
            "GEO_PRELOAD_MATCHER": "1",
            "GEO_BIND": f"127.0.0.1:{self.port}",
            "GEO_WORKERS": str(workers),
            "GEO_ACCESS_LOG": "",
            **({"DATABASE_URL": database_url} if database_url else {}),
            **(extra_env or {}),
        }
        self.process = None

    def __enter__(self):
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "geo/gunicorn.conf.py", "geo.wsgi"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(self.base + "/livez", timeout=2).read()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start; see {self.log_path}") from None
                time.sleep(0.2)

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=60)
        self._log.close()

    def worker_pids(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return {int(pid) for pid in children}
