"""What the matcher costs a process: building the index, opening the stored one, and memory.

    .venv/bin/python benchmarks/matcher_process.py [--points 200000]

Each figure is taken in a fresh Python process (a new serving worker is one): the build from
PostGIS rows into arrays (what happens once per boundary snapshot), then opening the stored
index (what every other process does), then the process's memory after routing points spread
over the whole country, split into what is its own (anonymous) and what is the shared file's.
The old design's figures, measured the same way before the change, are in docs/benchmarks.md.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
import django
django.setup()
import numpy as np
from boundaries.generations import active_generation_ids
from routing import loaders
from routing.engine import store

def memory():
    fields = {{}}
    for line in open("/proc/self/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024
    return fields

generations = active_generation_ids()
mode = {mode!r}
ready = time.perf_counter()
if mode == "build":
    matcher = loaders.build_matcher_in_memory(generations)
else:
    matcher = loaders.build_matcher(generations)  # maps the stored index (builds it first if missing)
opened = time.perf_counter()
rng = np.random.default_rng(2026)
lons, lats = rng.uniform(97.3, 105.7, {points}), rng.uniform(5.6, 20.5, {points})
matcher.lookup_many(lons, lats)
for x, y in zip(lons[:20000].tolist(), lats[:20000].tolist()):
    matcher.lookup(x, y)
print(json.dumps({{"django_s": ready - started, "index_s": opened - ready, "first_answer_s": opened - started,
                  "memory_mb": memory()}}))
"""


def child(mode: str, points: int) -> dict:
    code = CHILD.format(root=str(ROOT), mode=mode, points=points)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "matcher_process.json"))
    args = parser.parse_args()
    child("open", 10)  # make sure the stored index exists before timing its opening
    results = {"build": child("build", args.points), "open": child("open", args.points)}
    build, opened = results["build"], results["open"]
    print(f"index built in memory: {build['index_s']:.1f} s (once per boundary snapshot)")
    print(
        f"stored index opened: {opened['index_s']:.2f} s; a new process answers {opened['first_answer_s']:.1f} s"
        f" after it starts (Django setup {opened['django_s']:.1f} s)"
    )
    for mode in ("build", "open"):
        m = results[mode]["memory_mb"]
        print(
            f"process after {args.points:,} points and 20,000 single lookups ({mode}): RSS {m['VmRSS']:.0f} MB ="
            f" own {m['RssAnon']:.0f} MB + shared file {m['RssFile']:.0f} MB"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
