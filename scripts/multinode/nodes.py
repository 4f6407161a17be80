"""The serving side of the multi-node layout: one shared Redis, API nodes (each an `app` gunicorn
pool with the matcher preloaded, a `reads` pool, and the delivery/job workers, under a folder and
ports of its own, as it would be on a machine of its own) and the nginx that balances between them."""

import contextlib
import os
import re
import signal
import subprocess
import urllib.request
from pathlib import Path

from geo import front

from .databases import children, read_pid, running, stop_many, wait_for

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = [PYTHON, "-m", "gunicorn", "-c", "geo/gunicorn.conf.py", "geo.wsgi"]
BALANCER_TEMPLATE = ROOT / "deploy" / "balancer.conf.template"
# The balancer's passive health check: one failed connection or timeout takes a node out of the
# rotation for this long; then one real request tries it again.
FAIL_TIMEOUT_S = 3


class Redis:
    def __init__(self, folder: Path, port: int, maxmemory: str = "256mb"):
        self.folder, self.port, self.maxmemory = folder, port, maxmemory
        self.pidfile = folder / "redis.pid"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = self.folder / "redis.log"
        subprocess.run(
            ["/usr/bin/redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--daemonize", "yes",
             "--pidfile", str(self.pidfile), "--logfile", str(log), "--dir", str(self.folder), "--save", "",
             "--appendonly", "no", "--maxmemory", self.maxmemory, "--maxmemory-policy", "allkeys-lru"],
            check=True,
        )  # fmt: skip
        wait_for(lambda: read_pid(self.pidfile) is not None, "redis", log)

    def stop_signal(self) -> tuple[Path, int]:
        return self.pidfile, signal.SIGTERM

    def stop(self) -> None:
        stop_many([self.stop_signal()])


def alive(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/livez", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


class Node:
    """One API node: what one machine runs. Its folder holds its pid files, logs, its matcher's
    stored index and its FlatGeobuf downloads."""

    def __init__(self, name: str, folder: Path, app_port: int, reads_port: int, env: dict, workers: int = 2,
                 read_workers: int = 1):  # fmt: skip
        self.name, self.folder = name, folder
        self.app_port, self.reads_port = app_port, reads_port
        self.workers, self.read_workers = workers, read_workers
        self.env = {
            **os.environ,
            **env,
            "GEO_RUN_DIR": str(folder),
            "GEO_MATCHER_DIR": str(folder / "matcher"),
            "GEO_DOWNLOADS_DIR": str(folder / "downloads"),
            "GEO_ACCESS_LOG": "",
            # X-Real-IP is believed from the balancer, which reaches the node over TCP.
            "GEO_TRUSTED_PROXIES": "127.0.0.1",
        }

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def reads_url(self) -> str:
        return f"http://127.0.0.1:{self.reads_port}"

    def spawn(self) -> None:
        """Start the node's processes without waiting for them (ready() says when they answer)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        app_env = {**self.env, "GEO_PRELOAD_MATCHER": "1", "GEO_BIND": f"127.0.0.1:{self.app_port}",
                   "GEO_WORKERS": str(self.workers)}  # fmt: skip
        reads_env = front.reads_env(front.RunDir(self.folder), self.read_workers, self.env)
        reads_env["GEO_BIND"] = f"127.0.0.1:{self.reads_port}"
        # Not --daemon: the pools' own output (Django's log lines among it) goes to their logs.
        for pool, env in (("app", app_env), ("reads", reads_env)):
            self._start(f"{pool}.log", [*GUNICORN, "--pid", str(self.folder / f"{pool}.pid")], env)
        # The workers reach the primary itself (procrastinate LISTENs: a session, not a PgBouncer transaction).
        workers_env = {**self.env, "DATABASE_URL": self.env["GEO_DIRECT_DATABASE_URL"]}
        self._start("workers.log", [PYTHON, "manage.py", "run_workers", "--pidfile", str(self.folder / "workers.pid")],
                    workers_env)  # fmt: skip

    def _start(self, log_name: str, args: list[str], env: dict) -> None:
        """A process in a session of its own, which outlives the command that started the layout."""
        with open(self.folder / log_name, "ab") as log:
            subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True)  # fmt: skip

    def ready(self) -> bool:
        pools = [(self.app_url, "app.pid", self.workers), (self.reads_url, "reads.pid", self.read_workers)]
        for url, pidfile, workers in pools:
            master = read_pid(self.folder / pidfile)
            if master is None or len(children(master)) < workers or not alive(url):
                return False
        return read_pid(self.folder / "workers.pid") is not None

    def wait(self, seconds: float = 300) -> None:
        wait_for(self.ready, f"node {self.name}", self.folder / "app.log", seconds)

    def pids(self) -> dict[str, list[int]]:
        out = {}
        for part in ("app", "reads", "workers"):
            master = read_pid(self.folder / f"{part}.pid")
            out[part] = [] if master is None else [master, *children(master)]
        return out

    def kill(self) -> list[int]:
        """SIGKILL every process of the node at once, as a machine that loses power; returns when all are gone."""
        killed = [pid for pids in self.pids().values() for pid in pids]
        for pid in killed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for part in ("app", "reads", "workers"):
            (self.folder / f"{part}.pid").unlink(missing_ok=True)
        wait_for(
            lambda: not any(running(pid) for pid in killed), f"the end of node {self.name}", self.folder / "app.log"
        )
        return killed

    def stop_signals(self) -> list[tuple[Path, int]]:
        return [(self.folder / f"{part}.pid", signal.SIGTERM) for part in ("workers", "reads", "app")]

    def stop(self) -> None:
        stop_many(self.stop_signals())


class Balancer:
    """nginx on the layout's port, balancing both pools over every node; a second port reaches
    the first node alone through the same nginx (to compare one node with all, in one run)."""

    def __init__(self, folder: Path, port: int, one_port: int, nodes: list[Node], static_root: Path,
                 max_body: int, max_upload: int):  # fmt: skip
        self.run = front.RunDir(folder)
        self.port, self.one_port, self.nodes = port, one_port, nodes
        self.static_root, self.max_body, self.max_upload = static_root, max_body, max_upload

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def one_url(self) -> str:
        return f"http://127.0.0.1:{self.one_port}"

    def render(self) -> str:
        health = f"max_fails=1 fail_timeout={FAIL_TIMEOUT_S}s"
        values = {
            "prefix": str(self.run.path),
            "listen": f"127.0.0.1:{self.port}",
            "listen_one": f"127.0.0.1:{self.one_port}",
            "app_servers": "".join(f"server 127.0.0.1:{n.app_port} {health}; " for n in self.nodes),
            "reads_servers": "".join(f"server 127.0.0.1:{n.reads_port} {health}; " for n in self.nodes),
            "one_app": f"127.0.0.1:{self.nodes[0].app_port}",
            "one_reads": f"127.0.0.1:{self.nodes[0].reads_port}",
            "node_names": "".join(
                f'"~(^|, )127\\.0\\.0\\.1:({n.app_port}|{n.reads_port})$" {n.name}; ' for n in self.nodes
            ),
            "static_root": str(self.static_root).rstrip("/"),
            "max_body": str(self.max_body),
            "max_upload": str(self.max_upload),
            "read_timeout": str(front.READ_TIMEOUT_S),
        }
        return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], BALANCER_TEMPLATE.read_text())

    def start(self) -> None:
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run.path / "nginx-tmp" / sub).mkdir(parents=True, exist_ok=True)
        conf = self.run.path / "nginx.conf"
        conf.write_text(self.render())
        error_log = self.run.path / "nginx-error.log"
        subprocess.run([front.NGINX, "-q", "-p", str(self.run.path), "-c", str(conf), "-e", str(error_log)],
                       check=True)  # fmt: skip
        wait_for(lambda: read_pid(self.run.path / "nginx.pid") is not None, "the balancer", error_log)

    def stop_signal(self) -> tuple[Path, int]:
        return self.run.path / "nginx.pid", signal.SIGQUIT

    def stop(self) -> None:
        stop_many([self.stop_signal()])

    def access_log(self) -> list[list[str]]:
        """Lines of `end (epoch s) seconds upstream_addr upstream_status status method uri` (upstreams comma-joined)."""
        path = self.run.path / "access.log"
        return [line.split("\t") for line in path.read_text().splitlines()] if path.exists() else []
