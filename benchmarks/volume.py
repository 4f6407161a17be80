"""Figures at 10,000,000 complaints (issue 24), each beside a baseline in the same run, in databases
of their own copied from a template that holds the whole country (`manage.py load_all --now`,
loaded once and kept):

    GEO_BENCH_DB=bench_volume .venv/bin/python benchmarks/volume.py [--count 10000000]
        [--baseline-count 1000000] [--repeat 20] [--filing-seconds 30] [--keep]

- {db}: the country and --count synthetic complaints (`generate_complaints --rebuild-indexes`);
- {db}_1m: the same with --baseline-count, for the change feed and the duplicate candidates;
- {db}_empty: the country and the 1,895 demo complaints only, for filing against an empty table.
Every figure is server time through Django's handler (benchmarks/volume_measure.py) or filings per
second of 8 threads calling complaints.commands.file (benchmarks/volume_filing.py), each process
with DATABASE_URL on the Unix socket. --keep keeps the filled databases for the next run (the
template always stays). Writes benchmarks/out/volume.json.
"""

import argparse
import json
import os
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SOCKET = ROOT / "var" / "pg" / "run"
PORT = os.environ.get("GEO_PGPORT", "54329")
DB = os.environ.get("GEO_BENCH_DB", "bench_volume")
TEMPLATE = os.environ.get("GEO_BENCH_TEMPLATE", "volume_country")
PYTHON = str(ROOT / ".venv" / "bin" / "python")
# A Redis of the run's own: the choropleths' polygons are drawn once and kept there, as served.
REDIS = Path("/tmp") / f"{DB}-redis.sock"


def url(db: str) -> str:
    return f"postgis://geo@{quote(str(SOCKET), safe='')}:{PORT}/{db}"


def admin(sql: str):
    with psycopg.connect(f"host={SOCKET} port={PORT} user=geo dbname=postgres", autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


def exists(db: str) -> bool:
    return bool(admin(f"SELECT 1 FROM pg_database WHERE datname = '{db}'"))


def run(db: str, *args: str, capture=False) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": url(db),
        "GEO_RATE_PER_IP": "1000000/min",
        "GEO_REDIS_URL": f"unix://{REDIS}",
    }
    done = subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE if capture else None
    )
    return done.stdout or ""


def template():
    """The whole country and the demo complaints, loaded once."""
    if exists(TEMPLATE):
        return
    admin(f"CREATE DATABASE {TEMPLATE}")
    run(TEMPLATE, "manage.py", "migrate", "-v0")
    run(TEMPLATE, "manage.py", "load_all", "--now")


def synthetic_count(db: str) -> int:
    with psycopg.connect(f"host={SOCKET} port={PORT} user=geo dbname={db}") as conn:
        row = conn.execute("SELECT count(*) FROM complaints_complaint WHERE source = 'synthetic'").fetchone()
        return row[0] if row else 0


def prepare(db: str, count: int) -> float | None:
    """A copy of the template with `count` synthetic complaints; seconds the fill took (None: kept)."""
    if not exists(db):
        admin(f"CREATE DATABASE {db} TEMPLATE {TEMPLATE}")
    missing = count - synthetic_count(db)
    if missing <= 0:
        return None
    started = time.perf_counter()
    run(db, "manage.py", "generate_complaints", str(missing), "--rebuild-indexes")
    with psycopg.connect(f"host={SOCKET} port={PORT} user=geo dbname={db}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE complaints_complaint")
        conn.execute("VACUUM ANALYZE complaints_historyentry")
    return round(time.perf_counter() - started, 1)


def measure(db: str, repeat: int, only: str) -> dict:
    print(f"{db}: measuring {only}", flush=True)
    return json.loads(run(db, "benchmarks/volume_measure.py", "--repeat", str(repeat), "--only", only, capture=True))


def filing(db: str, seconds: float) -> dict:
    return json.loads(run(db, "benchmarks/volume_filing.py", "--seconds", str(seconds), capture=True))


def compare(title: str, big: dict, small: dict, names=("10M", "1M")):
    print(f"\n{title}")
    print(f"{'':<50}{names[0] + ' median':>12}{'p95':>9}{names[1] + ' median':>12}{'p95':>9}{'ratio':>8}")
    for name, value in big.items():
        other = small.get(name, {})
        if "median" not in value:
            print(f"{name:<50} HTTP {value.get('status')}")
            continue
        ratio = value["median"] / other["median"] if other.get("median") else float("nan")
        print(
            f"{name:<50}{value['median']:>12.1f}{value['p95']:>9.1f}"
            f"{other.get('median', float('nan')):>12.1f}{other.get('p95', float('nan')):>9.1f}{ratio:>8.1f}"
        )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000_000)
    parser.add_argument("--baseline-count", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--filing-seconds", type=float, default=30)
    parser.add_argument("--only", default="stats,layer,feed,sizes,rebuild,filing")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    parts = args.only.split(",")
    uptime = [subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()]
    print(uptime[0], flush=True)
    big, small, empty = DB, f"{DB}_1m", f"{DB}_empty"
    out = {"count": args.count, "baseline_count": args.baseline_count}
    redis = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(REDIS), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        template()
        out["fill_s"] = {big: prepare(big, args.count), small: prepare(small, args.baseline_count)}
        measured = [p for p in parts if p != "filing"]
        out[big] = measure(big, args.repeat, ",".join(measured))
        out[small] = measure(small, args.repeat, ",".join(p for p in measured if p != "rebuild"))
        for part in ("stats", "layer", "feed"):
            if part in measured:
                compare(part, out[big][part], out[small][part])
        if "sizes" in measured:
            for db in (big, small):
                sizes = out[db]["sizes"]
                print(
                    f"\n{db}: {sizes['database'] / 2**30:.2f} GiB, {sizes['complaints']:,} complaints,"
                    f" {sizes['history']:,} history entries"
                )
                for rel in sizes["relations"][:12]:
                    print(f"  {rel['name']:<56}{rel['total'] / 2**20:>10.0f} MiB")
        if out[big].get("rebuild_s") is not None:
            print(f"\nrebuild_stats at {args.count:,}: {out[big]['rebuild_s']} s")
        if "filing" in parts:
            if not exists(empty):
                admin(f"CREATE DATABASE {empty} TEMPLATE {TEMPLATE}")
            out["filing"] = {}
            for db in (empty, big, empty, big):  # alternated: the machine's load moves meanwhile
                result = filing(db, args.filing_seconds)
                out["filing"].setdefault(db, []).append(result)
                print(
                    f"filing, 8 clients, {db}: {result['per_second']} /s ({result['filed']} in"
                    f" {result['seconds']} s, load {result['load']:.1f}, errors {len(result['errors'])})",
                    flush=True,
                )
    finally:
        redis.terminate()
        uptime.append(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
        print(uptime[-1])
        out["uptime"] = uptime
        target = ROOT / "benchmarks" / "out" / "volume.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(out, indent=2))
        if not args.keep:
            for db in (big, small, empty):
                admin(f"DROP DATABASE IF EXISTS {db}")
                print(f"dropped {db}")
        elif exists(empty):
            admin(f"DROP DATABASE {empty}")  # filed into: the next run starts it again from the template


if __name__ == "__main__":
    main()
