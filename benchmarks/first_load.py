"""`make load`'s steps from an empty database, each timed: the first start's cost.

Makes (or empties) a database of its own on the local cluster, then runs what `make load` runs
(from a checkout with or without `manage.py load_all`), and prints each step's wall time, the total
and the load average before and after; with --workers, then the time one worker takes to run the
jobs `make load` left to it (the lighter layers and files, the demo complaints).
It drops and recreates only the database it is given, never `geo`.

    .venv/bin/python benchmarks/first_load.py --database bench_first_load [--repeat 3] [--workers]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PGBIN = Path("/usr/lib/postgresql/15/bin")


def _env(database: str) -> dict:
    port = os.environ.get("GEO_PGPORT", "54329")
    socket = quote(str(ROOT / "var" / "pg" / "run"), safe="")
    return {**os.environ, "DATABASE_URL": f"postgis://geo@{socket}:{port}/{database}"}


def _psql(database: str, sql: str) -> None:
    port = os.environ.get("GEO_PGPORT", "54329")
    subprocess.run(
        [PGBIN / "psql", "-q", "-h", ROOT / "var" / "pg" / "run", "-p", port, "-U", "geo", "-d", database, "-c", sql],
        check=True,
        capture_output=True,
    )


def fresh_database(database: str) -> None:
    if database in ("geo", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to empty {database!r}: give a database of the benchmark's own")
    _psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    _psql("postgres", f'CREATE DATABASE "{database}"')
    _psql(database, "set client_min_messages = warning; create extension if not exists postgis")


def _start(args, env, log):
    return subprocess.Popen([PY, "manage.py", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _step_lines(log: Path) -> dict:
    """load_all's "NAME: done in N s" lines."""
    times = {}
    for line in log.read_text().splitlines():
        name, _, rest = line.partition(": done in ")
        if rest.endswith(" s") and " " not in name:
            times[name] = float(rest[:-2])
    return times


# make load's jobs (the periodic ones the workers add themselves are not waited for)
LEFT_TO_WORKERS = "('ogc.prepare_layers', 'complaints.load_traffy_demo', 'ogc.write_downloads')"


TODO = f"status = 'todo' AND task_name IN {LEFT_TO_WORKERS}"
JOB_TIMES = f"""SELECT j.task_name, extract(epoch FROM max(e.at) FILTER (WHERE e.type = 'succeeded')
  - min(e.at) FILTER (WHERE e.type = 'started')) FROM procrastinate_jobs j
  JOIN procrastinate_events e ON e.job_id = j.id WHERE j.task_name IN {LEFT_TO_WORKERS}
  GROUP BY j.id, j.task_name ORDER BY min(e.at)"""


def _todo(database: str) -> int:
    port = os.environ.get("GEO_PGPORT", "54329")
    command = [PGBIN / "psql", "-At", "-h", ROOT / "var" / "pg" / "run", "-p", port, "-U", "geo", "-d", database]
    sql = f"SELECT count(*) FROM procrastinate_jobs WHERE {TODO}"
    return int(subprocess.run([*command, "-c", sql], check=True, capture_output=True, text=True).stdout)


def _job_times(database: str) -> dict:
    port = os.environ.get("GEO_PGPORT", "54329")
    command = [PGBIN / "psql", "-At", "-F", "\t", "-h", ROOT / "var" / "pg" / "run", "-p", port, "-U", "geo"]
    out = subprocess.run([*command, "-d", database, "-c", JOB_TIMES], check=True, capture_output=True, text=True)
    rows = [line.split("\t") for line in out.stdout.splitlines() if line]
    return {f"  job {name}": float(seconds or "nan") for name, seconds in rows}


def _run(name, args, env, logdir) -> float:
    started = time.perf_counter()
    with open(logdir / f"{name}.log", "w") as log:
        if _start(args, env, log).wait():
            raise SystemExit(f"{name} failed: see {logdir / name}.log")
    return time.perf_counter() - started


def one_run(database: str, logdir: Path, workers: bool) -> dict:
    env = _env(database)
    fresh_database(database)
    times = {}
    began = time.perf_counter()
    times["migrate"] = _run("migrate", ["migrate", "--noinput", "-v0"], env, logdir)
    commands = ("ops", "web")  # where load_all lives, and where it lived before (an older checkout)
    if any((ROOT / app / "management" / "commands" / "load_all.py").exists() for app in commands):
        times["load_all"] = _run("load_all", ["load_all"], env, logdir)
        times.update(_step_lines(logdir / "load_all.log"))
        times["make load"] = time.perf_counter() - began
        if workers:  # what make load left to the workers: one worker, until the queue is empty
            # load_all asks for the jobs after the server's start (30 s): here nothing is starting.
            # Jobs kept when done (their events time them); one-shot workers until none is left
            # (a job may ask for another: the lighter layers, then the files).
            env_kept = {**env, "PROCRASTINATE_WORKER_DELETE_JOBS": "never"}
            started = time.perf_counter()
            while _todo(database):
                _psql(database, f"UPDATE procrastinate_jobs SET scheduled_at = now() WHERE {TODO}")
                _run("workers", ["procrastinate", "worker", "--one-shot", "--concurrency", "2"], env_kept, logdir)
            times["the workers' jobs (after make load)"] = time.perf_counter() - started
            times.update(_job_times(database))
        return times
    # make load before load_all: the lighter layers beside the agencies and then the demo complaints.
    times["load_thailand"] = _run(
        "load_thailand", ["load_thailand", "--commit", "--activate", "--if-needed"], env, logdir
    )
    started = time.perf_counter()
    with open(logdir / "prepare_layers.log", "w") as layers_log:
        layers = _start(["prepare_layers", "--downloads", "later"], env, layers_log)
        for name in ("load_agencies", "load_traffy_demo"):
            times[name] = _run(name, [name], env, logdir)
        if layers.wait():
            raise SystemExit(f"prepare_layers failed: see {logdir}/prepare_layers.log")
    times["prepare_layers beside agencies and demo"] = time.perf_counter() - started
    times["make load"] = time.perf_counter() - began
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="bench_first_load")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--logs", default=str(ROOT / "var" / "bench_first_load"))
    parser.add_argument("--keep", action="store_true", help="leave the last run's database in place")
    parser.add_argument("--workers", action="store_true", help="then time the workers' jobs make load left")
    opts = parser.parse_args()
    logdir = Path(opts.logs)
    logdir.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    runs = []
    for number in range(opts.repeat):
        runs.append(one_run(opts.database, logdir, opts.workers))
        print(f"run {number + 1}: " + ", ".join(f"{k} {v:.1f} s" for k, v in runs[-1].items()), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for step in runs[0]:
        values = [run.get(step, 0.0) for run in runs]
        print(f"{step:40s} median {statistics.median(values):7.1f} s  of {[round(v, 1) for v in values]}")
    print(f"step lines: {logdir}/*.log")
    if not opts.keep:
        _psql("postgres", f'DROP DATABASE IF EXISTS "{opts.database}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
