"""GIS layer speed: our PostGIS-built GeoJSON and tiles against djangorestframework-gis' stock
serializer on the same rows, in one run; and GDAL reading the whole national subdistrict layer
through OGC API - Features from a live gunicorn server, lighter (the default) and at full
resolution, with the server's share of the time measured apart from the client's, and at full
resolution from the collection's FlatGeobuf file.

    .venv/bin/python benchmarks/layers.py        (needs `make load`; Debian's gdal-bin for ogr2ogr)
    .venv/bin/python benchmarks/layers.py --runs 5 --skip-full
    .venv/bin/python benchmarks/layers.py --full-page-only   (a full-resolution page, built and cached)
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")

import django  # noqa: E402
from timing import median_seconds  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from rest_framework.renderers import JSONRenderer  # noqa: E402
from rest_framework_gis.serializers import GeoFeatureModelSerializer  # noqa: E402

from boundaries import geojson  # noqa: E402
from boundaries.generations import active_generation  # noqa: E402
from boundaries.models import Boundary  # noqa: E402
from boundaries.queries import boundary_tile  # noqa: E402
from ogc import downloads, lighter  # noqa: E402
from ogc.tiles import _tolerance  # noqa: E402


class NaiveBoundarySerializer(GeoFeatureModelSerializer):
    class Meta:
        model = Boundary
        geo_field = "geom"
        fields = ("code", "pcode", "level", "name_th", "name_en", "parent_code", "generation")


def ours(qs):
    return geojson.feature_collection(list(geojson.features(qs, precision=7))).encode()


def naive(qs):
    return JSONRenderer().render(NaiveBoundarySerializer(qs, many=True).data)


def tile_bbox(z, x, y):
    with connection.cursor() as cursor:
        cursor.execute("SELECT ST_AsText(ST_Transform(ST_TileEnvelope(%s, %s, %s), 4326))", [z, x, y])
        from django.contrib.gis.geos import GEOSGeometry

        return GEOSGeometry(cursor.fetchone()[0], srid=4326)


def our_tile(z, x, y):
    return boundary_tile("subdistrict", "subdistricts", z, x, y, _tolerance(z))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on loopback, two workers, as `make serve` runs it (without preloading the matcher)."""

    def __enter__(self):
        self.port = free_port()
        env = dict(os.environ, GEO_PRELOAD_MATCHER="0")
        command = [sys.executable, "-m", "gunicorn", "geo.wsgi", "--bind", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(
            [*command, "--workers", "2", "--timeout", "120"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.base = f"http://127.0.0.1:{self.port}/ogc"
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base, timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def ogr2ogr(source: str, *options) -> tuple[float, float, int]:
    """Wall and client CPU seconds of `ogr2ogr -f GPKG` of the subdistricts, and the features written."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "subdistricts.gpkg"
        before = os.times()
        started = time.perf_counter()
        subprocess.run(
            ["ogr2ogr", "-f", "GPKG", str(out), source, "subdistricts", *options], check=True, capture_output=True
        )
        seconds = time.perf_counter() - started
        after = os.times()
        cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        info = subprocess.run(["ogrinfo", "-ro", "-so", str(out), "subdistricts"], capture_output=True, text=True)
        count = int(info.stdout.split("Feature Count: ")[1].split()[0])
    return seconds, cpu, count


def server_share(base: str, query: str = "") -> tuple[float, int]:
    """Seconds the server takes to answer the 1,000-feature pages ogr2ogr asks for, and their bytes."""
    url = f"{base}/collections/subdistricts/items?limit=1000{query}"
    seconds, size = 0.0, 0
    while url:
        started = time.perf_counter()
        body = urllib.request.urlopen(url, timeout=300).read()
        seconds += time.perf_counter() - started
        size += len(body)
        doc = json.loads(body)
        url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
    return seconds, size


def vertices(table_sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(table_sql)
        return int(cursor.fetchone()[0] or 0)


def gdal_reads(runs: int, skip_full: bool) -> dict:
    generation = active_generation()
    started = time.perf_counter()
    layer = lighter.prepare(generation.id)
    prepared = {"seconds_now": round(time.perf_counter() - started, 1), "seconds_when_prepared": layer.seconds}
    counts = {
        "database": Boundary.objects.active().filter(level="subdistrict", generation__layer="admin").count(),
        "vertices_full": vertices(
            "SELECT sum(ST_NPoints(geom)) FROM boundaries_boundary b JOIN boundaries_generation g"
            " ON g.id = b.generation_id AND g.active AND g.layer = 'admin' WHERE b.level = 'subdistrict'"
        ),
        "vertices_light": vertices(
            "SELECT sum(l.vertices) FROM ogc_lightboundary l JOIN boundaries_boundary b ON b.id = l.boundary_id"
            " JOIN boundaries_generation g ON g.id = b.generation_id AND g.active AND g.layer = 'admin'"
            " WHERE b.level = 'subdistrict'"
        ),
    }
    out = {"prepare": prepared, "counts": counts}
    with Server() as server:
        server_share(server.base)  # warm the workers and the page cache once
        light_server, light_bytes = server_share(server.base)
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu, count = ogr2ogr(f"OAPIF:{server.base}", "-oo", "PAGE_SIZE=1000")
            assert count == counts["database"], (count, counts)
            walls.append(wall)
            cpus.append(cpu)
        out["light"] = {
            "runs": [round(w, 2) for w in walls],
            "median_s": round(statistics.median(walls), 2),
            "client_cpu_median_s": round(statistics.median(cpus), 2),
            "server_s": round(light_server, 2),
            "bytes": light_bytes,
            "features": count,
        }
        wall, cpu, count = ogr2ogr(f"OAPIF:{server.base}")  # GDAL 3.6's default: pages of ten
        out["light_gdal_default_pages"] = {"seconds": round(wall, 1), "client_cpu_s": round(cpu, 1), "features": count}
        if not skip_full:
            full_server, full_bytes = server_share(server.base, "&resolution=full")
            wall, cpu, count = ogr2ogr(f"OAPIF:{server.base}?resolution=full", "-oo", "PAGE_SIZE=1000")
            out["full"] = {
                "seconds": round(wall, 1),
                "client_cpu_s": round(cpu, 1),
                "server_s": round(full_server, 1),
                "bytes": full_bytes,
                "features": count,
            }
            # the same full-resolution layer as the collection's FlatGeobuf file, read by HTTP ranges
            started = time.perf_counter()
            path, _ = downloads.write("subdistricts", "full")
            remote = f"/vsicurl/{server.base}/collections/subdistricts/download.fgb?resolution=full"
            walls = []
            for _ in range(runs):
                wall, cpu, count = ogr2ogr(remote)
                assert count == counts["database"], (count, counts)
                walls.append(wall)
            out["full_flatgeobuf"] = {
                "runs": [round(w, 2) for w in walls],
                "median_s": round(statistics.median(walls), 2),
                "bytes": path.stat().st_size,
                "written_once_s": round(time.perf_counter() - started - sum(walls), 1),
                "features": count,
            }
    return out


FULL_PAGE = "/ogc/collections/subdistricts/items?limit=1000&resolution=full"


def _get(url: str, gzip: bool, features: list | None = None) -> tuple[float, int, str]:
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=300) as reply:
        body = reply.read()
        encoding = reply.headers.get("Content-Encoding", "identity")
    seconds = time.perf_counter() - started
    if features is not None:
        features.append(json.loads(body)["numberReturned"])
    return seconds, len(body), encoding


def full_page(runs: int) -> dict:
    """A page of 1,000 subdistricts at full resolution through the front, as `make run` serves it:
    built (the shared cache emptied before each request) and then from the cache, with and without
    gzip. The front's private Redis is emptied, nothing else."""
    import redis

    from geo.server import Gunicorn

    database = os.environ.get("DATABASE_URL")
    out = {}
    with Gunicorn(database, workers=2) as server:
        cache = redis.Redis(unix_socket_path=server.redis_url.removeprefix("unix://"))
        url = server.base + FULL_PAGE
        returned = []
        _get(url, False, returned)  # the workers' first request: vertex counts, connections
        out["features"] = returned[0]  # a page stops at its vertex budget (ogc/budget.py)
        for gzip in (False, True):
            cold, warm = [], []
            for _ in range(runs):
                cache.flushdb()
                cold.append(_get(url, gzip))
                warm.extend(_get(url, gzip) for _ in range(3))
            name = "gzip" if gzip else "plain"
            out[name] = {
                "cold_s": round(statistics.median(t for t, _, _ in cold), 3),
                "warm_s": round(statistics.median(t for t, _, _ in warm), 3),
                "bytes": cold[-1][1],
                "encoding": warm[-1][2],
                "cold_runs": [round(t, 3) for t, _, _ in cold],
                "warm_runs": [round(t, 3) for t, _, _ in warm],
            }
            out[name]["ratio"] = round(out[name]["cold_s"] / out[name]["warm_s"], 1)
    return out


def print_full_page(page: dict) -> None:
    for name in ("plain", "gzip"):
        row = page[name]
        print(
            f"{FULL_PAGE} ({page['features']:,} features; {name}, {row['bytes'] / 1e6:.1f} MB {row['encoding']}):"
            f" built {row['cold_s']:.3f} s,"
            f" cached {row['warm_s']:.3f} s: {row['ratio']:.1f}x (built {row['cold_runs']}, cached {row['warm_runs']})"
        )


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="ogr2ogr reads of the lighter layer (median)")
    parser.add_argument("--skip-full", action="store_true", help="skip the full-resolution ogr2ogr read (~40 s)")
    parser.add_argument("--skip-drf", action="store_true", help="skip the comparison with drf-gis")
    parser.add_argument("--full-page-only", action="store_true", help="only the full-resolution page, built and cached")
    args = parser.parse_args()
    results = {"load_average_before": load_average()}
    results["full_page"] = full_page(args.runs)
    print_full_page(results["full_page"])
    if args.full_page_only:
        print(f"load average before/after: {results['load_average_before']} / {load_average()}")
        return
    if not args.skip_drf:
        active = Boundary.objects.active()
        page = active.filter(level="subdistrict").order_by("code")[:1000]
        provinces = active.filter(level="province").order_by("code")
        z, x, y = 12, 3191, 1890  # central Bangkok (Phra Nakhon, Pathum Wan)
        in_tile = active.filter(level="subdistrict", geom__intersects=tile_bbox(z, x, y)).order_by("code")
        print(f"{'request':<46}{'ours s':>9}{'drf-gis s':>11}{'ratio':>8}{'bytes ours':>13}")
        for name, qs, ours_fn in [
            ("1,000-feature page of national subdistricts", page, lambda q: ours(q)),
            ("all 77 provinces, full resolution", provinces, lambda q: ours(q)),
            ("zoom-12 tile over Bangkok (MVT vs GeoJSON)", in_tile, lambda q: our_tile(z, x, y)),
        ]:
            size = len(ours_fn(qs))
            t_ours = median_seconds(lambda q=qs, f=ours_fn: f(q))
            t_naive = median_seconds(lambda q=qs: naive(q))
            results[name] = {
                "ours_s": round(t_ours, 4),
                "drf_gis_s": round(t_naive, 4),
                "ratio": round(t_naive / t_ours, 1),
                "bytes": size,
            }
            print(f"{name:<46}{t_ours:>9.3f}{t_naive:>11.3f}{t_naive / t_ours:>7.1f}x{size:>13,}")
    reads = gdal_reads(args.runs, args.skip_full)
    results["ogr2ogr_national_subdistricts"] = reads
    counts, lighter = reads["counts"], reads["light"]
    print(
        f"lighter rendition: {counts['vertices_full']:,} -> {counts['vertices_light']:,} vertices"
        f" (prepared once in {reads['prepare']['seconds_when_prepared']} s)"
    )
    print(
        f"ogr2ogr, all {lighter['features']:,} subdistricts (of {counts['database']:,}) through OGC API, lighter"
        f" default, PAGE_SIZE=1000: median {lighter['median_s']:.1f} s of {lighter['runs']}"
        f" (client CPU {lighter['client_cpu_median_s']:.1f} s, server {lighter['server_s']:.1f} s,"
        f" {lighter['bytes'] / 1e6:.0f} MB)"
    )
    default = reads["light_gdal_default_pages"]
    print(f"ogr2ogr with GDAL 3.6's default pages of ten (746 requests): {default['seconds']:.1f} s")
    if "full" in reads:
        full = reads["full"]
        print(
            f"ogr2ogr, resolution=full: {full['seconds']:.1f} s (client CPU {full['client_cpu_s']:.1f} s,"
            f" server {full['server_s']:.1f} s, {full['bytes'] / 1e6:.0f} MB)"
        )
        fgb = reads["full_flatgeobuf"]
        print(
            f"ogr2ogr, full resolution from the FlatGeobuf file (/vsicurl/): median {fgb['median_s']:.1f} s"
            f" of {fgb['runs']} ({fgb['bytes'] / 1e6:.0f} MB; {full['seconds'] / fgb['median_s']:.1f}x faster"
            f" than paging OGC API at full resolution)"
        )
    results["load_average_after"] = load_average()
    print(f"load average before/after: {results['load_average_before']} / {results['load_average_after']}")
    out = ROOT / "benchmarks" / "out" / "layers.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
