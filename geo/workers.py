"""The delivery workers as real processes (manage.py run_workers) against a given database: for the
delivery tests and benchmark, like geo.server.Gunicorn for the HTTP side."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Quick settings for the tests: back-off from 0.2 s capped at 1 s, the safety sweep every 2 s, a worker
# taken for dead after 3 s without a heartbeat, short HTTP timeouts.
FAST = {
    "GEO_DELIVERY_BACKOFF_BASE_S": "0.2",
    "GEO_DELIVERY_BACKOFF_CAP_S": "1",
    "GEO_DELIVERY_SWEEP_CRON": "* * * * * */2",
    "GEO_OPEN311_PULL_CRON": "* * * * * */2",
    "GEO_WORKER_STALLED_S": "3",
    "GEO_WORKER_POLL_S": "0.2",
    "GEO_DELIVERY_TIMEOUT_S": "2",
    "GEO_DELIVERY_CONNECT_TIMEOUT_S": "1",
}


class Workers:
    def __init__(self, database_url: str, extra_env: dict | None = None, processes: int = 1, concurrency: int = 8):
        self.log_path = ROOT / "var" / f"workers-{os.getpid()}-{time.monotonic_ns()}.log"
        self.env = {**os.environ, "DATABASE_URL": database_url, **FAST, **(extra_env or {})}
        self.args = ["--processes", str(processes), "--concurrency", str(concurrency), "--exit-with-parent"]
        self.process = None

    def __enter__(self):
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_workers", *self.args],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not self.children():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"workers did not start; see {self.log_path}")
            time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()
        if exc[0] is None:  # kept only when the block failed, to read what the workers said
            self.log_path.unlink(missing_ok=True)

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def kill_workers(self) -> list[int]:
        """SIGKILL every worker process (not the supervisor, which starts new ones)."""
        killed = self.children()
        for pid in killed:
            os.kill(pid, signal.SIGKILL)
        return killed

    def log(self) -> str:
        return self.log_path.read_text()
