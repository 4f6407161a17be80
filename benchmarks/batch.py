"""POST /api/v1/route/batch end to end: 10,000 points, the full answer and the compact one.

    .venv/bin/python benchmarks/batch.py [--points 10000] [--repeat 7]

Against the production gunicorn configuration (geo.server), over loopback, on the development
database (`make load`). Timed per request from connecting to the last byte of the answer read
(gunicorn's sync workers close the connection after each answer); beside it, in this process and on the same points,
the matcher alone (`lookup_many`), which is the floor. Medians; the load average is printed too,
since the machine is shared.
"""

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402

django.setup()

from geo.server import Gunicorn  # noqa: E402
from routing import loaders  # noqa: E402

CATEGORIES = ["road", "drain", "street_light", "flooding", None]


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def points(n: int, seed: int = 2) -> list[dict]:
    """A third in Bangkok, the rest over the inland bounding box (some at sea: unmatched)."""
    rng = np.random.default_rng(seed)
    bkk = n // 3
    lon = np.concatenate([rng.normal(100.55, 0.09, bkk), rng.uniform(98.0, 104.5, n - bkk)]).round(6)
    lat = np.concatenate([rng.normal(13.76, 0.07, bkk), rng.uniform(7.0, 19.5, n - bkk)]).round(6)
    out = []
    for k in range(n):
        item = {"id": k, "lon": float(lon[k]), "lat": float(lat[k])}
        category = CATEGORIES[k % len(CATEGORIES)]
        if category:
            item["category"] = category
        out.append(item)
    return out


def timed_post(conn, path: str, body: bytes) -> tuple[float, int]:
    started = time.perf_counter()
    conn.request("POST", path, body, {"Content-Type": "application/json"})
    reply = conn.getresponse()
    data = reply.read()
    elapsed = time.perf_counter() - started
    assert reply.status == 200, data[:300]
    return elapsed, len(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    items = points(args.points)
    body = json.dumps({"points": items}).encode()
    print(f"cores: {os.cpu_count()}; load average at start: {load_average()}")

    env = {"GEO_RATE_PER_IP": "10000000/min"}
    results, cold = {}, {}
    with Gunicorn(os.environ.get("DATABASE_URL"), workers=2, extra_env=env) as server:
        host, port = server.base.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=300)
        for label, path in (("full", "/api/v1/route/batch"), ("compact", "/api/v1/route/batch?compact=1")):
            # The first two meet each worker before it has remembered any decision or fragment.
            cold[label] = [timed_post(conn, path, body)[0] for _ in range(2)]
            runs = [timed_post(conn, path, body) for _ in range(args.repeat)]
            results[label] = (statistics.median(r[0] for r in runs), runs[0][1])
        conn.close()
    # The floor, after the server has stopped (two national indexes at once are a lot of memory).
    matcher = loaders.build_matcher()
    lons = np.array([p["lon"] for p in items])
    lats = np.array([p["lat"] for p in items])
    floor = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        matcher.lookup_many(lons, lats)
        floor.append(time.perf_counter() - started)

    base = statistics.median(floor)
    print(f"\n{args.points:,} points per request, median of {args.repeat}; load average at end: {load_average()}")
    print(f"  {'what':<34}{'s':>8}{'points/s':>12}{'answer MB':>11}{'x matcher':>11}")
    print(f"  {'matcher alone (lookup_many)':<34}{base:>8.3f}{args.points / base:>12,.0f}{'':>11}{1:>10.1f}x")
    for label, (seconds, size) in results.items():
        print(
            f"  {'POST /route/batch, ' + label:<34}{seconds:>8.3f}{args.points / seconds:>12,.0f}"
            f"{size / 1e6:>11.2f}{seconds / base:>10.1f}x"
        )
    for label, times in cold.items():
        print(f"  first two {label} requests (each worker cold): {', '.join(f'{t:.3f} s' for t in times)}")


if __name__ == "__main__":
    main()
