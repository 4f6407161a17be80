"""The whole multi-node layout in one folder (var/multinode by default), started and stopped as
one: a PostgreSQL primary and its streaming replica, PgBouncer before the primary, one Redis, N
API nodes and the balancer. Its ports are kept in layout.json, so `stop` and `status` from another
process find every part."""

import json
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psycopg

from geo import front
from geo.server import free_port

from .databases import PgBouncer, Primary, Replica, children, read_pid, remove, stop_many
from .nodes import Balancer, Node, Redis

ROOT = Path(__file__).resolve().parent.parent.parent
MAX_BODY = 8 * 1024 * 1024  # geo/settings.py DATA_UPLOAD_MAX_MEMORY_SIZE
MAX_UPLOAD = 3 * 10 * 1024 * 1024 + 1024 * 1024  # GEO_UPLOAD_MAX_BODY at the default photo limits


@dataclass
class Ports:
    primary: int = field(default_factory=free_port)
    replica: int = field(default_factory=free_port)
    pgbouncer: int = field(default_factory=free_port)
    redis: int = field(default_factory=free_port)
    balancer: int = field(default_factory=free_port)
    balancer_one: int = field(default_factory=free_port)
    nodes: list[tuple[int, int]] = field(default_factory=list)


class Layout:
    def __init__(self, folder: Path, nodes: int = 2, workers: int = 2, read_workers: int = 1, replica: bool = True,
                 static_root: Path | None = None, extra_env: dict | None = None, saved: bool = True):  # fmt: skip
        self.folder = folder = folder.resolve()
        self.state = folder / "layout.json"
        # saved: the layout started in this folder before (for stop and status), not these arguments.
        state = json.loads(self.state.read_text()) if saved and self.state.exists() else None
        if state:
            self.ports = Ports(**{**state["ports"], "nodes": [tuple(p) for p in state["ports"]["nodes"]]})
            nodes, replica = len(self.ports.nodes), state["replica"]
            workers, read_workers = state["workers"], state["read_workers"]
            extra_env = state["extra_env"]
        else:
            self.ports = Ports(nodes=[(free_port(), free_port()) for _ in range(nodes)])
        self.with_replica, self.workers, self.read_workers = replica, workers, read_workers
        self.extra_env = extra_env or {}
        self.static_root = static_root or ROOT / "var" / "static"
        self.primary = Primary(folder / "pg-primary", self.ports.primary)
        self.replica = Replica(folder / "pg-replica", self.ports.replica)
        self.pgbouncer = PgBouncer(folder / "pgbouncer", self.ports.pgbouncer, self.ports.primary)
        self.redis = Redis(folder / "redis", self.ports.redis)
        env = {
            "DJANGO_SETTINGS_MODULE": "geo.settings_nodes",
            "DATABASE_URL": self.pgbouncer.url,
            "GEO_PGBOUNCER": "1",
            "GEO_DIRECT_DATABASE_URL": self.primary.url,
            "GEO_REDIS_URL": self.redis.url,
            "GEO_MEDIA_ROOT": str(folder / "media"),  # one store shared by every node (S3 on real machines)
            "GEO_STATIC_ROOT": str(self.static_root),
            **({"GEO_REPLICA_URL": self.replica.url} if replica else {}),
            **self.extra_env,
        }
        self.nodes = [
            Node(f"node{n + 1}", folder / f"node{n + 1}", app, reads, env, workers, read_workers)
            for n, (app, reads) in enumerate(self.ports.nodes)
        ]
        self.balancer = Balancer(folder / "balancer", self.ports.balancer, self.ports.balancer_one, self.nodes,
                                 self.static_root, MAX_BODY, MAX_UPLOAD)  # fmt: skip

    @property
    def url(self) -> str:
        return self.balancer.url

    def start(self, source_dsn: str, province: str = "", log=print) -> dict[str, float]:
        """Start every part from nothing; the data comes from `source_dsn` (a loaded database).
        Returns how long each step took, in seconds."""
        Layout(self.folder).stop()  # whatever an earlier start left here, as it was started
        remove(self.folder)
        self.folder.mkdir(parents=True)
        self.state.write_text(json.dumps({
            "ports": asdict(self.ports), "replica": self.with_replica, "workers": self.workers,
            "read_workers": self.read_workers, "extra_env": self.extra_env,
        }))  # fmt: skip
        times: dict[str, float] = {}

        def step(name, action):
            started = time.monotonic()
            log(f"multinode: {name}")
            result = action()
            times[name] = round(time.monotonic() - started, 1)
            return result

        step("primary: initdb and PostGIS", self.primary.create)
        step("primary: the schema", lambda: self.primary.copy_schema(source_dsn))
        with psycopg.connect(source_dsn) as source:
            step("primary: copy the boundaries and the directory", lambda: self.primary.copy_from(source, province))
        step("pgbouncer", self.pgbouncer.start)
        step("redis", self.redis.start)
        if not self.static_root.exists():
            step("collectstatic", lambda: front.collect_static(self.static_root))
        for node in self.nodes:
            node.spawn()
        # The replica is made while the nodes preload: until it answers, their reads go to the primary.
        if self.with_replica:
            step("replica: pg_basebackup", lambda: self.replica.create(self.primary))
            step("replica: start", self.replica.start)
        step("nodes: start and preload", self._wait_for_nodes)
        step("balancer", self.balancer.start)
        log(f"multinode: serving on {self.url}/ ({len(self.nodes)} nodes)")
        return times

    def _wait_for_nodes(self) -> None:
        for node in self.nodes:
            node.wait()

    def stop(self) -> None:
        """Stop every part this folder's pid files and clusters name; the data stays until the next start."""
        if not self.folder.exists():
            return
        signals = [self.balancer.stop_signal(), self.redis.stop_signal(), self.pgbouncer.stop_signal()]
        stop_many(signals + [signal for node in self.nodes for signal in node.stop_signals()])
        self.replica.stop()
        self.primary.stop()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def parts(self) -> dict[str, list[int]]:
        """Every part's processes (empty: not running)."""

        def with_children(pid):
            return [] if pid is None else [pid, *children(pid)]

        out = {
            "balancer": with_children(read_pid(self.balancer.run.path / "nginx.pid")),
            "redis": with_children(read_pid(self.redis.pidfile)),
            "pgbouncer": with_children(self.pgbouncer.pid()),
            "primary": self.primary.pids() if self.primary.running() else [],
            "replica": self.replica.pids() if self.replica.running() else [],
        }
        for node in self.nodes:
            for part, pids in node.pids().items():
                # The workers' supervisor starts each worker in a session of its own: its children.
                grand = [g for pid in pids[1:] for g in with_children(pid)[1:]] if part == "workers" else []
                out[f"{node.name} {part}"] = pids + grand
        return out

    def memory_mb(self) -> dict[str, float]:
        """Each part's proportional set size (shared pages split among the processes sharing them)."""
        return {part: round(sum(pss_kb(pid) for pid in pids) / 1024, 1) for part, pids in self.parts().items()}


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0
