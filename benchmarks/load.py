"""Sustained load on loopback with wrk, against the production gunicorn configuration.

Three requests, each for the same duration and concurrency in one run:
  - GET /livez: a bare Django JSON view (no DRF, no database): the ceiling of this stack here;
  - POST /api/v1/route: one point -> jurisdictions and agency, from memory;
  - POST /api/v1/complaints: filing (routing, then a transaction in PostGIS), each with its own
    Idempotency-Key; the complaints filed are deleted afterwards.
Then the memory of each process (RSS, PSS, private) with the national matcher preloaded in the master.

    .venv/bin/python benchmarks/load.py [--seconds 15] [--connections 32] [--workers 2]
"""

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from access.models import IntakeKey  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from geo.server import Gunicorn  # noqa: E402

LUA = """
local bodies = {}
for line in io.lines("%(bodies)s") do bodies[#bodies + 1] = line end
local n, counter = #bodies, 0
wrk.method = "%(method)s"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(key)s"
function setup(thread) thread:set("prefix", tostring(math.random(1, 1e9))) end
request = function()
  counter = counter + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  if %(idempotent)s then headers["Idempotency-Key"] = "bench-" .. prefix .. "-" .. counter end
  return wrk.format(nil, nil, headers, bodies[counter %% n + 1])
end
"""


def inland_points(per_province: int = 30) -> list[tuple[float, float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM boundaries_boundary b"
            " JOIN boundaries_generation g ON g.id = b.generation_id AND g.active AND g.layer = 'admin',"
            " ST_Dump(ST_GeneratePoints(b.geom, %s, 11)) p WHERE b.level = 'province'",
            [per_province],
        )
        return cursor.fetchall()


def wrk(url: str, script: Path, seconds: int, connections: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": rate, "p50": latency["50"], "p99": latency["99"], "non2xx": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def memory(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":")
        fields[name] = int(value.split()[0]) / 1024  # MiB
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "private": fields["Private_Clean"] + fields["Private_Dirty"],
    }


def process_memory(server) -> dict:
    pids = {"master": server.process.pid, **{f"worker {n}": p for n, p in enumerate(sorted(server.worker_pids()))}}
    return {name: memory(pid) for name, pid in pids.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-filing", action="store_true", help="the bare view and routing only")
    parser.add_argument("--no-memory", action="store_true", help="skip the second server (without gc.freeze)")
    # The key's rate window sets how long a history DRF's throttle pickles per request: per
    # second ("1000000/s") shows the cost of the rest of the request.
    parser.add_argument("--key-rate", default="10000000/min")
    args = parser.parse_args()

    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    record, key = IntakeKey.objects.issue("load-benchmark", rate=args.key_rate)
    work = Path(tempfile.mkdtemp(prefix="geo-load-"))
    bodies = work / "bodies.jsonl"
    points = inland_points()
    bodies.write_text("".join(f'{{"lon": {lon:.6f}, "lat": {lat:.6f}, "category": "road"}}\n' for lon, lat in points))
    scripts = {}
    for name, method, idempotent in (("get", "GET", "false"), ("route", "POST", "false"), ("file", "POST", "true")):
        scripts[name] = work / f"{name}.lua"
        scripts[name].write_text(LUA % {"bodies": bodies, "method": method, "key": key, "idempotent": idempotent})

    cases = [
        ("bare Django JSON view (GET /livez)", "/livez", "get"),
        ("route one point (POST /api/v1/route)", "/api/v1/route", "route"),
        ("file a complaint (POST /api/v1/complaints)", "/api/v1/complaints", "file"),
    ][: 2 if args.no_filing else 3]
    env = {"GEO_RATE_PER_IP": "10000000/min"}
    try:
        with Gunicorn(os.environ.get("DATABASE_URL"), workers=args.workers, extra_env=env) as server:
            results = {}
            # Discarded: the first seconds after the workers start have stalls of a second (p99
            # over 1 s for the bare view) that later runs do not show.
            for _label, path, script in cases[:2]:
                wrk(server.base + path, scripts[script], 3, args.connections)
            for _ in range(args.repeat):
                for label, path, script in cases:
                    run = wrk(server.base + path, scripts[script], args.seconds, args.connections)
                    results.setdefault(label, []).append(run)
            mem = process_memory(server)
        # The same server without gc.freeze(), after the same routing load: what freezing saves.
        unfrozen = {}
        unfrozen_env = {**env, "GEO_GC_FREEZE": "0"}
        with (
            contextlib.nullcontext()
            if args.no_memory
            else Gunicorn(os.environ.get("DATABASE_URL"), workers=args.workers, extra_env=unfrozen_env) as server
        ):
            if server is not None:
                wrk(server.base + "/api/v1/route", scripts["route"], args.seconds, args.connections)
                unfrozen = process_memory(server)
    finally:
        if not args.no_filing:
            filed = Complaint.objects.filter(source="load-benchmark")
            print(f"(removing {filed.count():,} complaints filed by the benchmark)")
            filed.delete()
            record.delete()
        else:  # the key alone: no complaint refers to it (and the complaint tables need not be current)
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {IntakeKey._meta.db_table} WHERE id = %s", [record.pk])

    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"\nkey rate {args.key_rate}; wrk, {args.workers} gunicorn workers, {args.connections} connections,"
        f" {args.seconds} s per run,"
        f" median of {args.repeat} runs; {len(points):,} inland points\n"
    )
    print(f"{'request':<46} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'vs bare':>8}")
    bare = statistics.median(r["rate"] for r in results[cases[0][0]])
    for label, runs in results.items():
        rate = statistics.median(r["rate"] for r in runs)
        p50 = statistics.median(r["p50"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        non2xx = sum(r["non2xx"] for r in runs)
        print(f"{label:<46} {rate:>8,.0f} {p50:>8.1f} {p99:>8.1f} {non2xx:>8} {rate / bare:>8.2f}")
    for title, table in (("with gc.freeze()", mem), ("without gc.freeze()", unfrozen)):
        if not table:
            continue
        print(f"\n{'memory, MiB, ' + title:<34} {'RSS':>8} {'PSS':>8} {'private':>8}")
        for name, m in table.items():
            print(f"{name:<34} {m['rss']:>8,.0f} {m['pss']:>8,.0f} {m['private']:>8,.0f}")
        print(
            f"{'all processes':<34} {sum(m['rss'] for m in table.values()):>8,.0f}"
            f" {sum(m['pss'] for m in table.values()):>8,.0f} {sum(m['private'] for m in table.values()):>8,.0f}"
        )


if __name__ == "__main__":
    main()
