"""What the statement timeout costs a request through PgBouncer in transaction mode
(geo/http/timeouts.py, docs/operations.md#session-state-through-pgbouncer): a PgBouncer of the
multi-node layout (scripts/multinode) is started before the database of DATABASE_URL, and
requests of a few shapes (queries outside a transaction, inside one `atomic()`, both) run through
it with no timeout, with the one-machine session `SET`, and with the pooled `SET LOCAL` in each
transaction, interleaved, so the three share the machine's noise. Reads `SELECT 1` only.

    .venv/bin/python benchmarks/pgbouncer_timeout.py [--rounds 1000]
"""

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402

from geo import pooling  # noqa: E402
from geo.http import timeouts  # noqa: E402
from geo.server import free_port  # noqa: E402
from scripts.multinode.databases import PgBouncer  # noqa: E402

SHAPES = {"5 outside a transaction": (5, 0), "5 in one atomic()": (0, 5), "3 outside + 6 in atomic()": (3, 6)}
WRAPPERS = {
    "none": None,
    "session SET": timeouts._SetOnFirstQuery,
    "SET LOCAL per transaction": timeouts._SetInEachTransaction,
}


def select_one() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def request(wrapper, outside: int, inside: int) -> float:
    started = time.perf_counter()
    with connection.execute_wrapper(wrapper(30_000)) if wrapper else contextlib.nullcontext():
        for _ in range(outside):
            select_one()
        if inside:
            with transaction.atomic():
                for _ in range(inside):
                    select_one()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()
    direct = connections["default"]
    settings = direct.settings_dict
    folder = ROOT / "var" / f"pgbouncer-bench-{os.getpid()}"
    bouncer = PgBouncer(folder, free_port(), int(settings.get("PORT") or 5432), pool_size=4, dbname=settings["NAME"])
    bouncer.start()
    try:
        through = {**settings, "HOST": "127.0.0.1", "PORT": str(bouncer.port), "NAME": "geo", pooling.POOLED: True}
        connections["default"] = type(direct)(through, alias="default")
        print(f"load before: {os.getloadavg()[0]:.1f}")
        for shape, (outside, inside) in SHAPES.items():
            times: dict[str, list[float]] = {name: [] for name in WRAPPERS}
            for _ in range(args.rounds):
                for name, wrapper in WRAPPERS.items():
                    times[name].append(request(wrapper, outside, inside))
            base = statistics.median(times["none"])
            print(shape)
            for name, values in times.items():
                values.sort()
                median, p95 = statistics.median(values), values[int(len(values) * 0.95)]
                print(f"  {name:26} median {median:.3f} ms  p95 {p95:.3f} ms  median/none {median / base:.2f}")
        print(f"load after: {os.getloadavg()[0]:.1f}")
        connections["default"].close()
    finally:
        connections["default"] = direct
        bouncer.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
