"""route_file in one process against route_file --dask local:N, on the same 1,000,000 points.

    .venv/bin/python benchmarks/route_file.py                  # 1 M points, 3 runs of each
    .venv/bin/python benchmarks/route_file.py --points 200000 --repeat 1

Needs the development database loaded (`make load`: an active admin generation, agencies). The
points (var/bench-route-file/points.parquet, made once per size and seed) look like complaints:
a third in Bangkok, a fifth around other large cities, the rest spread over the inland country,
1 % at sea or abroad (routed as unmatched), 0.3 % bad rows (missing, swapped or out-of-range
coordinates, unknown categories: rejected), with categories as codes, Thai labels or lists.
Row groups of --chunk rows, so both paths read the same chunks.

Timed: the single-process path (matcher already in memory, as `manage.py route_file` has it after
its snapshot), and the Dask path the way the command runs it, cold (LocalCluster start, shipping
the matcher, routing, writing), with its parts, and warm (a cluster already running: shipping and
routing). Medians of --repeat runs; the machine is shared, so the load average is printed too.
Both outputs are compared: they must be identical.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import logging  # noqa: E402

import pandas as pd  # noqa: E402

if __name__ == "__main__":
    # Not in the processes Dask spawns: they run this file again as __mp_main__, and setting
    # Django up there would add to the cluster's start what `manage.py route_file` does not pay.
    import django

    django.setup()

    from boundaries.models import Generation
    from routing import loaders
    from routing.batch.files import RouteOptions, rejects_path, route_file

CITIES = [  # lon, lat, spread in degrees, share of the city points
    (98.99, 18.79, 0.05, 0.25),  # Chiang Mai
    (102.83, 16.43, 0.04, 0.15),  # Khon Kaen
    (100.47, 7.01, 0.04, 0.15),  # Hat Yai
    (100.88, 12.93, 0.03, 0.15),  # Pattaya
    (102.10, 14.97, 0.04, 0.15),  # Nakhon Ratchasima
    (98.36, 7.89, 0.05, 0.15),  # Phuket
]
CATEGORIES = ["", "road", "ถนน", "แสงสว่าง", "drain", "cleanliness", "flooding,drain", "electricity", "tree", "noise"]
WEIGHTS = [0.25, 0.15, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05]


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _spin(_=None) -> float:
    started = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - started


def _cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parallel_capacity(workers: int) -> float:
    """How much faster `workers` processes get through pure-Python work than one, right now
    (the machine is shared: other people's jobs take cores too)."""
    import multiprocessing

    one = _spin()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_spin, range(workers))  # start-up out of the timing
        started = time.perf_counter()
        pool.map(_spin, range(workers))
        many = time.perf_counter() - started
    return workers * one / many


def inland(matcher, rng, n):
    """n uniform points over Thailand's bounding box that fall in a subdistrict."""
    found = []
    while sum(len(x) for x in found) < n:
        lons, lats = rng.uniform(97.3, 105.7, 400_000), rng.uniform(5.6, 20.5, 400_000)
        keep = matcher.lookup_many(lons, lats, 0).matched_all()
        found.append(np.column_stack([lons[keep], lats[keep]]))
    return np.concatenate(found)[:n]


def make_points(path: Path, n: int, chunk: int, matcher, seed: int):
    rng = np.random.default_rng(seed)
    n_bkk, n_city, n_sea = n // 3, n // 5, n // 100
    n_land = n - n_bkk - n_city - n_sea
    parts = [np.column_stack([rng.normal(100.55, 0.09, n_bkk), rng.normal(13.76, 0.07, n_bkk)])]
    which = rng.choice(len(CITIES), n_city, p=[c[3] for c in CITIES])
    centres = np.array([c[:3] for c in CITIES])[which]
    parts.append(centres[:, :2] + rng.normal(0, 1, (n_city, 2)) * centres[:, 2:3])
    parts.append(inland(matcher, rng, n_land))
    parts.append(np.column_stack([rng.uniform(99.0, 100.0, n_sea), rng.uniform(8.5, 12.0, n_sea)]))  # Gulf
    points = np.concatenate(parts)
    order = rng.permutation(n)
    lon, lat = points[order, 0].round(6), points[order, 1].round(6)
    category = rng.choice(CATEGORIES, n, p=WEIGHTS).astype(object)
    bad = rng.choice(n, n * 3 // 1000, replace=False)
    kinds = np.arange(len(bad)) % 4
    lon[bad[kinds == 0]] = np.nan  # missing
    lon[bad[kinds == 1]], lat[bad[kinds == 1]] = lat[bad[kinds == 1]], lon[bad[kinds == 1]]  # swapped
    lon[bad[kinds == 2]] = 200.0  # out of range
    category[bad[kinds == 3]] = "unicorns"  # unknown category
    frame = pd.DataFrame({"id": [f"c{k:07d}" for k in range(n)], "lon": lon, "lat": lat, "type": category})
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, row_group_size=chunk, index=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--single-only", action="store_true", help="time the single process only, no Dask")
    parser.add_argument("--reference", type=Path, help="a Parquet output to compare with, byte for byte")
    parser.add_argument(
        "--sizes", help="comma-separated file sizes (rows): single process against --dask local:N cold, per size"
    )
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)

    from routing.batch.dask_cluster import connect, route_file_dask

    generation = Generation.objects.filter(layer="admin", active=True).first()
    if generation is None:
        sys.exit("no active admin generation: run `make load` first")
    print(f"cores: {os.cpu_count()}; load average at start: {load_average()}")
    print(f"{args.workers} processes do {parallel_capacity(args.workers):.2f}x the pure-Python work of one, right now")
    started = time.perf_counter()
    matcher = loaders.build_matcher()
    directory = loaders.load_directory()
    print(f"matcher built in {time.perf_counter() - started:.1f} s (generation {generation.id})")

    work = ROOT / "var" / "bench-route-file"
    src = work / f"points-{args.points}-{args.chunk}-{args.seed}.parquet"
    if not src.exists():
        started = time.perf_counter()
        make_points(src, args.points, args.chunk, matcher, args.seed)
        print(f"{args.points:,} points written to {src} in {time.perf_counter() - started:.1f} s")
    common = {
        "matcher": matcher,
        "directory": directory,
        "options": RouteOptions(category_column="type", chunk=args.chunk),
    }
    spec = f"local:{args.workers}"
    if args.sizes:
        crossover(args, matcher, work, common, spec)
        return

    single, cold, warm, parts, capacity, cpu_single, cpu_warm = [], [], [], [], [], [], []
    for run in range(args.repeat):
        capacity.append(parallel_capacity(args.workers))
        # A fresh directory each run, as `manage.py route_file` has: no decisions remembered.
        common["directory"] = loaders.load_directory()
        t, cpu = time.perf_counter(), _cpu_seconds()
        summary = route_file(src, work / "one.parquet", **common)
        single.append(time.perf_counter() - t)
        cpu_single.append(_cpu_seconds() - cpu)
        if args.single_only:
            print(
                f"run {run + 1}: single {single[-1]:.1f} s ({cpu_single[-1]:.1f} CPU s), load average {load_average()}"
            )
            continue

        t = time.perf_counter()
        many = route_file_dask(src, work / "many.parquet", scheduler=spec, **common)
        cold.append(time.perf_counter() - t)
        parts.append(many.details)

        with connect(spec) as client:
            client.wait_for_workers(args.workers)
            # CPU seconds of every process involved: this one (client and scheduler) and the workers.
            t, cpu, cpu_workers = time.perf_counter(), _cpu_seconds(), sum(client.run(_cpu_seconds).values())
            route_file_dask(src, work / "warm.parquet", scheduler=client, **common)
            warm.append(time.perf_counter() - t)
            cpu_warm.append(_cpu_seconds() - cpu + sum(client.run(_cpu_seconds).values()) - cpu_workers)
            worker_rss = max(client.run(_peak_rss_mb).values())
        print(
            f"run {run + 1}: single {single[-1]:.1f} s, dask cold {cold[-1]:.1f} s"
            f" (shipping {many.details['install_s']:.1f} s, routing {many.details['route_s']:.1f} s),"
            f" dask warm {warm[-1]:.1f} s; parallel capacity before the run {capacity[-1]:.2f}x,"
            f" load average {load_average()}"
        )
        if run == 0:
            for name in ("many", "warm"):
                pd.testing.assert_frame_equal(
                    pd.read_parquet(work / f"{name}.parquet"), pd.read_parquet(work / "one.parquet")
                )
                assert (
                    rejects_path(work / f"{name}.parquet").read_bytes()
                    == rejects_path(work / "one.parquet").read_bytes()
                )
            print("outputs and rejects identical")

    if args.reference:
        same = (work / "one.parquet").read_bytes() == args.reference.read_bytes()
        same_rejects = rejects_path(work / "one.parquet").read_bytes() == rejects_path(args.reference).read_bytes()
        print(f"output and rejects byte-identical to {args.reference}: {same and same_rejects}")
        assert same and same_rejects
    if args.single_only:
        med = statistics.median(single)
        cpu = statistics.median(cpu_single)
        print(
            f"\nsingle process, median of {args.repeat}: {med:.2f} s wall, {summary.rows / med:,.0f} rows/s;"
            f" {cpu:.2f} CPU s, {summary.rows / cpu:,.0f} rows per CPU second (the machine is shared)"
        )
        print(f"load average at end: {load_average()}")
        return
    n = summary.rows
    statuses = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.statuses.items()))
    print(f"\n{n:,} rows: {summary.routed:,} routed ({statuses}), {summary.rejected:,} rejected")
    print(f"{many.details['partitions']} partitions of up to {args.chunk:,} rows; {args.workers} worker processes")
    med = {name: statistics.median(values) for name, values in (("single", single), ("cold", cold), ("warm", warm))}
    print(f"\n  {'path (median of ' + str(args.repeat) + ')':<46}{'wall s':>8}{'points/s':>11}{'vs single':>11}")
    for label, key in (
        ("single process", "single"),
        (f"--dask {spec}, cold (cluster start + ship + route)", "cold"),
        (f"--dask on a running {args.workers}-worker cluster", "warm"),
    ):
        print(f"  {label:<46}{med[key]:>8.1f}{n / med[key]:>11,.0f}{med['single'] / med[key]:>10.2f}x")
    pm = {key: statistics.median(p[key] for p in parts) for key in parts[0] if key.endswith("_s")}
    rows = [
        ("start the LocalCluster, plan the partitions", med["cold"] - pm["install_s"] - pm["route_s"]),
        ("pickle the matcher and directory", pm["pack_s"]),
        ("scatter them to every worker", pm["scatter_s"]),
        ("unpack on the workers", pm["install_s"] - pm["pack_s"] - pm["scatter_s"]),
        ("route, gather and write in partition order", pm["route_s"]),
    ]
    print("\n  dask cold, its parts (medians):")
    for label, seconds in rows:
        print(f"    {label:<46}{seconds:6.1f} s")
    print(
        f"\n  CPU seconds for the whole file (medians): single process {statistics.median(cpu_single):.1f},"
        f" dask on a running cluster {statistics.median(cpu_warm):.1f} (workers + client + scheduler);"
        f" peak memory of a worker {worker_rss:,.0f} MB"
    )
    print(f"load average at end: {load_average()}; parallel capacity now {parallel_capacity(args.workers):.2f}x")


def crossover(args, matcher, work, common, spec):
    """Per file size: one process against a fresh local cluster (what `--dask local:N` costs),
    so the size where the cluster starts to win can be read off."""
    from routing.batch.dask_cluster import route_file_dask

    print(f"\n  {'rows':>10}{'single s':>10}{'dask cold s':>13}{'dask/single':>13}  dask fixed: start, ship (s)")
    for size in (int(x) for x in args.sizes.split(",")):
        src = work / f"points-{size}-{args.chunk}-{args.seed}.parquet"
        if not src.exists():
            make_points(src, size, args.chunk, matcher, args.seed)
        single, cold, start, ship = [], [], [], []
        for _ in range(args.repeat):
            common["directory"] = loaders.load_directory()
            t = time.perf_counter()
            route_file(src, work / "one.parquet", **common)
            single.append(time.perf_counter() - t)
            t = time.perf_counter()
            many = route_file_dask(src, work / "many.parquet", scheduler=spec, **common)
            cold.append(time.perf_counter() - t)
            start.append(many.details["start_s"])
            ship.append(many.details["install_s"])
        one, two = statistics.median(single), statistics.median(cold)
        print(
            f"  {size:>10,}{one:>10.2f}{two:>13.2f}{one / two:>12.2f}x  {statistics.median(start):.2f},"
            f" {statistics.median(ship):.2f}   (load average {load_average()})"
        )


if __name__ == "__main__":
    main()
