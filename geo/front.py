"""The parts in front of and beside gunicorn, as production runs them: nginx (buffering, static
files, gzip) passing to gunicorn on Unix sockets, two pools of workers (`app`: routing, filing,
writes, the matcher preloaded; `reads`: layers, tiles, statistics, searches, niced, no matcher),
and Redis on a Unix socket (rate counters shared by every process, cached tiles and layer pages).
One run directory holds their sockets, pid files, logs and temporary files: var/run for
`make serve`, a directory per server for the tests.

    python -m geo.front start [--listen 127.0.0.1:8000]   # redis, the reads pool, nginx
    python -m geo.front stop
"""

import argparse
import ctypes
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"
NGINX = "/usr/sbin/nginx"
REDIS = "/usr/bin/redis-server"
# gunicorn's worker timeout (geo/gunicorn.conf.py) plus a little: the worker gives up first.
PR_SET_PDEATHSIG = 1
READ_TIMEOUT_S = int(os.environ.get("GEO_WORKER_TIMEOUT", "120")) + 5


@dataclass
class RunDir:
    path: Path

    @property
    def socket(self) -> Path:
        return self.path / "gunicorn.sock"

    @property
    def reads_socket(self) -> Path:
        return self.path / "reads.sock"

    @property
    def redis_socket(self) -> Path:
        return self.path / "redis.sock"

    @property
    def redis_url(self) -> str:
        return f"unix://{self.redis_socket}"

    @property
    def bind(self) -> str:
        return f"unix:{self.socket}"

    @property
    def bind_reads(self) -> str:
        return f"unix:{self.reads_socket}"


def upload_limit() -> int:
    from django.conf import settings

    return settings.GEO_UPLOAD_MAX_BODY


def render(
    run: RunDir,
    listen: str,
    static_root: Path,
    max_body: int,
    access_log: bool = True,
    reads_pool: bool = True,
    daemon: bool = True,
) -> str:
    values = {
        "daemon": "on" if daemon else "off",
        "prefix": str(run.path),
        "listen": listen,
        "socket": str(run.socket),
        "reads_socket": str(run.reads_socket),
        "reads_pool": "reads" if reads_pool else "app",
        "static_root": str(static_root).rstrip("/"),
        "max_body": str(max_body),
        # The photo upload endpoints' own limit (docs/photos.md), larger than max_body.
        "max_upload": str(max(upload_limit(), max_body)),
        "read_timeout": str(READ_TIMEOUT_S),
        "access_log": f"{run.path}/nginx-access.log" if access_log else "off",
    }
    text = TEMPLATE.read_text()
    out = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)
    return out


def _wait(check, what: str, log: Path, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} did not start; {log}:\n{tail}")
        time.sleep(0.05)


def die_with_parent():
    """For a server a test starts: it stops when the test process dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _start(args: list, child: bool, **kwargs):
    if child:
        return subprocess.Popen(args, preexec_fn=die_with_parent, **kwargs)
    subprocess.run(args, check=True, **kwargs)
    return None


def start_redis(run: RunDir, maxmemory: str = "512mb", child: bool = False):
    """A private Redis: Unix socket only, nothing written to disk (counters and caches are
    disposable), least-recently-used keys evicted at maxmemory. `child`: a child process of the
    caller (tests) rather than a daemon (make serve)."""
    run.path.mkdir(parents=True, exist_ok=True)
    log = run.path / "redis.log"
    process = _start(
        [
            REDIS,
            "--port", "0",
            "--unixsocket", str(run.redis_socket),
            "--unixsocketperm", "700",
            "--daemonize", "no" if child else "yes",
            "--pidfile", str(run.path / "redis.pid"),
            "--logfile", str(log),
            "--dir", str(run.path),
            "--save", "",
            "--appendonly", "no",
            "--maxmemory", maxmemory,
            "--maxmemory-policy", "allkeys-lru",
        ],
        child,
    )  # fmt: skip
    _wait(lambda: run.redis_socket.exists() and (run.path / "redis.pid").exists(), "redis", log)
    return process


def start_nginx(
    run: RunDir,
    listen: str,
    static_root: Path,
    max_body: int,
    access_log: bool = True,
    reads_pool: bool = True,
    child: bool = False,
):
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (run.path / "nginx-tmp" / sub).mkdir(parents=True, exist_ok=True)
    conf = run.path / "nginx.conf"
    conf.write_text(render(run, listen, static_root, max_body, access_log, reads_pool, daemon=not child))
    args = [NGINX, "-q", "-p", str(run.path), "-c", str(conf), "-e", str(run.path / "nginx-error.log")]
    process = _start(args, child)
    _wait(lambda: (run.path / "nginx.pid").exists(), "nginx", run.path / "nginx-error.log")
    return process


def reads_env(run: RunDir, workers: int, env: dict | None = None) -> dict:
    """The reads pool: its own socket and workers, niced below routing, without the matcher."""
    nice = os.environ.get("GEO_READS_NICE", "10")
    out = {**(env or os.environ), "GEO_BIND": run.bind_reads, "GEO_WORKERS": str(workers), "GEO_NICE": nice}
    out.pop("GEO_PRELOAD_MATCHER", None)
    return out


GUNICORN = [str(ROOT / ".venv" / "bin" / "python"), "-m", "gunicorn", "-c", "geo/gunicorn.conf.py", "geo.wsgi"]


def start_reads_daemon(run: RunDir, workers: int) -> None:
    log = run.path / "reads.log"
    subprocess.run(
        [*GUNICORN, "--daemon", "--pid", str(run.path / "reads.pid"), "--error-logfile", str(log)],
        cwd=ROOT,
        env=reads_env(run, workers),
        check=True,
    )
    _wait(lambda: run.reads_socket.exists(), "the reads pool", log, seconds=60)


def _pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def stop(run: RunDir, seconds: float = 10.0) -> None:
    """Stop the nginx, reads pool and Redis of this run directory (by their pid files only)."""
    for name in ("nginx.pid", "reads.pid", "redis.pid"):
        pid = _pid(run.path / name)
        if pid is None:
            continue
        try:
            os.kill(pid, signal.SIGQUIT if name == "nginx.pid" else signal.SIGTERM)
        except ProcessLookupError:
            (run.path / name).unlink(missing_ok=True)
            continue
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        (run.path / name).unlink(missing_ok=True)


def collect_static(static_root: Path, env: dict | None = None) -> None:
    """The files nginx serves under /static/ (admin, API docs, the map page's libraries)."""
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **(env or {}), "GEO_STATIC_ROOT": str(static_root)},
        check=True,
    )


def main():
    from django.conf import settings  # settings only for the command line

    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--listen", default="127.0.0.1:8000")
    parser.add_argument("--run-dir", default=str(ROOT / "var" / "run"))
    parser.add_argument("--read-workers", type=int, default=int(os.environ.get("GEO_READ_WORKERS", "2")))
    args = parser.parse_args()
    run = RunDir(Path(args.run_dir))
    if args.action == "stop":
        stop(run)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
    stop(run)  # a front left from an earlier run
    static_root = Path(settings.STATIC_ROOT)
    collect_static(static_root)
    start_redis(run)
    start_reads_daemon(run, args.read_workers)
    start_nginx(run, args.listen, static_root, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


if __name__ == "__main__":
    main()
