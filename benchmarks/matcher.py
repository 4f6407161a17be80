"""Matcher speed against the alternatives, all measured in this one run on the same points.

    make bench                      # or: .venv/bin/python benchmarks/matcher.py [--points 200000]

Point sets (see shared/DESIGN.md): A = uniform over Thailand's bounding box (mostly sea and
neighbours); B = the inland points of A (the realistic case); C = a dense Bangkok cluster.
Peers answer the subdistrict level only; the engine is timed both that way and for all three
levels at once, each against every peer. The engine is the stored index, memory-mapped; how long
it takes to build and to open, and what a process holding it weighs: benchmarks/matcher_process.py.
Medians of repeated runs; ratios are engine / peer within this run.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402
from timing import median_seconds  # noqa: E402

django.setup()

import geopandas as gpd  # noqa: E402
import shapely  # noqa: E402
from django.db import connection  # noqa: E402
from rtree import index as rtree_index  # noqa: E402

from routing import loaders  # noqa: E402
from routing.engine.matcher import Matcher  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def single_latency(lookup, lons, lats, n=20_000):
    samples = []
    for x, y in zip(lons[:n].tolist(), lats[:n].tolist()):
        started = time.perf_counter()
        lookup(x, y)
        samples.append(time.perf_counter() - started)
    samples = np.array(samples) * 1e6
    return float(np.median(samples)), float(np.percentile(samples, 99))


def postgis_per_point(generation, lons, lats, n=2_000):
    sql = (
        "SELECT code FROM boundaries_boundary WHERE generation_id = %s AND level = 'subdistrict'"
        " AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326))"
    )
    with connection.cursor() as cursor:

        def run():
            for x, y in zip(lons[:n].tolist(), lats[:n].tolist()):
                cursor.execute(sql, [generation, x, y])
                cursor.fetchall()

        return n / median_seconds(run, repeat=3)


def postgis_set_join(generation, lons, lats):
    wkb = shapely.to_wkb(shapely.points(lons, lats), hex=True)
    payload = "".join(f"{i}\t{w}\n" for i, w in enumerate(wkb))
    with connection.cursor() as cursor:

        def run():
            cursor.execute("DROP TABLE IF EXISTS bench_points")
            cursor.execute("CREATE TEMP TABLE bench_points (id int, geom geometry)")
            with cursor.copy("COPY bench_points FROM STDIN") as copy:
                copy.write(payload)
            cursor.execute("UPDATE bench_points SET geom = ST_SetSRID(geom, 4326)")
            cursor.execute(
                "SELECT p.id, b.code FROM bench_points p JOIN boundaries_boundary b ON b.generation_id = %s"
                " AND b.level = 'subdistrict' AND ST_Covers(b.geom, p.geom)",
                [generation],
            )
            cursor.fetchall()

        return len(lons) / median_seconds(run, repeat=3)


def rtree_prepared(geoms, lons, lats, n=20_000):
    idx = rtree_index.Index((i, g.bounds, None) for i, g in enumerate(geoms))
    shapely.prepare(geoms)

    def run():
        for x, y in zip(lons[:n].tolist(), lats[:n].tolist()):
            point = shapely.Point(x, y)
            for i in idx.intersection((x, y, x, y)):
                if geoms[i].covers(point):
                    break

    return n / median_seconds(run, repeat=3)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=200_000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "matcher.json"))
    args = parser.parse_args()

    before = rss_mb()
    started = time.perf_counter()
    engine = loaders.build_matcher()
    build_s = time.perf_counter() - started
    after = rss_mb()
    generation = engine.generation
    if generation is None:
        sys.exit("no active generation: run `make load` first")
    sub_index = engine.levels[0]
    sub_only = Matcher([sub_index], engine.generations)
    geoms = sub_index.geoms
    vertices = int(shapely.get_num_coordinates(geoms).sum())

    rng = np.random.default_rng(2026)
    a_lon = rng.uniform(97.3, 105.7, args.points)
    a_lat = rng.uniform(5.6, 20.5, args.points)
    inland = engine.lookup_many(a_lon, a_lat, within_m=0).matched_all()
    b_lon, b_lat = a_lon[inland], a_lat[inland]
    c_lon = rng.normal(100.55, 0.08, args.points)
    c_lat = rng.normal(13.75, 0.06, args.points)

    tree = shapely.STRtree(geoms)
    polys = gpd.GeoDataFrame({"code": sub_index.codes}, geometry=list(geoms), crs="EPSG:4326")

    results = {
        "build_s": round(build_s, 2),
        "rss_mb_for_index": round(after - before, 1),
        "grid_mb": round(engine.nbytes / 1e6, 1),
        "subdistricts": len(sub_index),
        "vertices": vertices,
        "sets": {},
    }
    print(
        f"index build {build_s:.1f} s for {len(sub_index)} subdistricts ({vertices:,} vertices) + districts"
        f" + provinces; process memory +{after - before:.0f} MB (grids {engine.nbytes / 1e6:.0f} MB)"
    )
    for name, lons, lats in [("A_bbox", a_lon, a_lat), ("B_inland", b_lon, b_lat), ("C_bangkok", c_lon, c_lat)]:
        pts = shapely.points(lons, lats)
        frame = gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326")
        row = {"points": len(lons)}
        row["engine_3_levels_pts_s"] = len(lons) / median_seconds(
            lambda lo=lons, la=lats: engine.lookup_many(lo, la), repeat=5
        )
        row["engine_subdistrict_pts_s"] = len(lons) / median_seconds(
            lambda lo=lons, la=lats: sub_only.lookup_many(lo, la), repeat=5
        )
        row["strtree_vectorised_pts_s"] = len(lons) / median_seconds(
            lambda p=pts: tree.query(p, predicate="covered_by"), repeat=5
        )
        row["geopandas_sjoin_pts_s"] = len(lons) / median_seconds(
            lambda f=frame: gpd.sjoin(f, polys, predicate="covered_by", how="inner"), repeat=3
        )
        row["rtree_prepared_loop_pts_s"] = rtree_prepared(geoms, lons, lats)
        row["postgis_per_point_q_s"] = postgis_per_point(generation, lons, lats)
        row["postgis_set_join_pts_s"] = postgis_set_join(generation, lons, lats)
        med, p99 = single_latency(lambda x, y: engine.lookup(x, y), lons, lats)
        row["engine_single_median_us"], row["engine_single_p99_us"] = med, p99
        smed, sp99 = single_latency(
            lambda x, y, t=tree: t.query(shapely.Point(x, y), predicate="covered_by"), lons, lats
        )
        row["strtree_single_median_us"], row["strtree_single_p99_us"] = smed, sp99
        labels = engine.levels[0].grid.labels
        cells = engine.levels[0].grid.cells(lons, lats)
        row["grid_interior_share"] = float(np.mean(np.where(cells >= 0, labels[np.maximum(cells, 0)], 0) > 0))
        results["sets"][name] = {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}

        engine_b = row["engine_subdistrict_pts_s"]
        engine_3 = row["engine_3_levels_pts_s"]
        print(f"\n{name}: {len(lons):,} points; {row['grid_interior_share']:.0%} answered by interior cells")
        print(f"  {'method':<44}{'points/s':>12}{'1 level is':>12}{'3 levels are':>14}")
        for label, key in [
            ("engine, all 3 levels (batch)", "engine_3_levels_pts_s"),
            ("engine, subdistrict only (batch)", "engine_subdistrict_pts_s"),
            ("shapely 2 STRtree vectorised", "strtree_vectorised_pts_s"),
            ("geopandas sjoin", "geopandas_sjoin_pts_s"),
            ("rtree + prepared covers, Python loop", "rtree_prepared_loop_pts_s"),
            ("PostGIS ST_Covers per point (local socket)", "postgis_per_point_q_s"),
            ("PostGIS set join", "postgis_set_join_pts_s"),
        ]:
            print(f"  {label:<44}{row[key]:>12,.0f}{engine_b / row[key]:>11.1f}x{engine_3 / row[key]:>13.1f}x")
        print(
            f"  single lookup, all 3 levels: median {med:.1f} µs, p99 {p99:.1f} µs"
            f" (STRtree one point, one level: median {smed:.1f} µs, p99 {sp99:.1f} µs)"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
