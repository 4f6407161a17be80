"""The multi-node layout (scripts/multinode) for the tests, started once by the module that uses
it from the test database (Bangkok's boundaries and the routing directory copied into a primary of
its own), and stopped with everything it started when the module is done."""

import http.client
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from access.models import digest
from geo.server import TEST_STATIC
from scripts.multinode.layout import Layout

from .web import Reply, request

ROOT = Path(__file__).resolve().parent.parent
POINTS = 2000
CATEGORIES = ("road", "sidewalk", "street_light", "cleanliness", "flooding")


@dataclass
class Multinode:
    layout: Layout
    key: str  # a generous rate: the load tests
    slow_key: str  # 10 a minute: the shared limit
    points: list[tuple[float, float]]
    first: int
    second: int  # a copy of the first generation whose English names end in " v2"
    start_seconds: dict

    def auth(self, key: str | None = None, **extra) -> dict:
        return {"Authorization": f"Bearer {key or self.key}", **extra}


@contextmanager
def started(thailand, django_db_blocker) -> Iterator[Multinode]:
    """The layout, started from the test database (its Bangkok and routing directory), then destroyed."""
    from django.db import connection

    settings = connection.settings_dict
    source = f"host={settings['HOST']} port={settings['PORT']} user={settings['USER']} dbname={settings['NAME']}"
    folder = ROOT / "var" / f"multinode-{settings['NAME']}"
    layout = Layout(folder, nodes=2, workers=2, read_workers=1, static_root=TEST_STATIC,
                    extra_env={"GEO_REPLICA_RETRY_S": "1"}, saved=False)  # fmt: skip
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM boundaries_boundary b, ST_Dump(ST_GeneratePoints(b.geom, %s, 7)) p"
            " WHERE b.generation_id = %s AND b.level = 'province' AND b.code = '10'",
            [POINTS, thailand.id],
        )
        points = cursor.fetchall()
    try:
        times = layout.start(source, province="10", log=lambda line: None)
        key, slow_key = "gk_nodes_" + uuid.uuid4().hex, "gk_nodes_slow_" + uuid.uuid4().hex
        with layout.primary.connect() as db, db.cursor() as cursor:
            for name, secret, rate in (("nodes-load", key, "1000000/min"), ("nodes-slow", slow_key, "10/min")):
                cursor.execute(
                    "INSERT INTO access_intakekey (name, prefix, key_hash, rate, created)"
                    " VALUES (%s, %s, %s, %s, now())",
                    [name, secret[:8], digest(secret), rate],
                )
            # The generation copied: the test database's active one (another module may have switched it).
            cursor.execute("SELECT id FROM boundaries_generation WHERE layer = 'admin' AND active")
            first = fetch_id(cursor)
            cursor.execute(
                "INSERT INTO boundaries_generation (layer, description, report, fingerprint, created, active)"
                " VALUES ('admin', 'v2', '{}', '', now(), false) RETURNING id"
            )
            second = fetch_id(cursor)
            cursor.execute(
                "INSERT INTO boundaries_boundary (generation_id, level, code, pcode, name_th, name_en, parent_code,"
                " source, geom) SELECT %s, level, code, pcode, name_th, name_en || ' v2', parent_code, source, geom"
                " FROM boundaries_boundary WHERE generation_id = %s",
                [second, first],
            )
        yield Multinode(layout, key, slow_key, points, first, second, times)
    finally:
        layout.destroy()


def fetch_id(cursor) -> int:
    row = cursor.fetchone()
    assert row is not None
    return row[0]


def call(url: str, method: str = "GET", data=None, headers=None, timeout: float = 30) -> Reply:
    """A request whose failure to get an answer is an answer too: status 0 and the error's name."""
    try:
        return request(url, method, data, headers=headers, timeout=timeout)
    except (OSError, http.client.HTTPException) as exc:
        return Reply(0, {}, type(exc).__name__.encode())


def file_until_stored(base: str, body: dict, headers: dict, log: list, deadline: float) -> int | None:
    """File with one Idempotency-Key, retrying whatever went wrong, until the complaint is stored."""
    while time.monotonic() < deadline:
        started = time.time()
        reply = call(base + "/api/v1/complaints", "POST", body, headers)
        log.append((started, time.time(), reply.status, reply.headers.get("x-served-by")))
        if reply.status in (200, 201):
            return reply.json()["id"]
        time.sleep(0.2)
    return None


def wrk(url: str, key: str, seconds: int = 6, connections: int = 8) -> tuple[float, int]:
    """Routing requests per second (wrk: C, 2 threads, so the client costs little CPU) and non-2xx answers."""
    script = ROOT / "var" / f"wrk-route-{os.getpid()}.lua"
    script.write_text(
        'wrk.method = "POST"\nwrk.body = \'{"lon": 100.5018, "lat": 13.7563}\'\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
    )
    try:
        done = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url + "/api/v1/route"],
            capture_output=True, text=True, check=True, timeout=seconds + 30,
        )  # fmt: skip
    finally:
        script.unlink(missing_ok=True)
    found = re.search(r"Requests/sec:\s+([0-9.]+)", done.stdout)
    assert found is not None, done.stdout
    rate = float(found.group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+([0-9]+)", done.stdout)
    return rate, int(non_2xx.group(1)) if non_2xx else 0


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU of these processes and their reaped children, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks
