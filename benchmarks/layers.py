"""GIS layer speed: our PostGIS-built GeoJSON and tiles against djangorestframework-gis' stock
serializer on the same rows, in one run; and GDAL reading the whole national subdistrict layer
through OGC API - Features from a live gunicorn server.

    .venv/bin/python benchmarks/layers.py        (needs `make load`; Debian's gdal-bin for ogr2ogr)
"""

import json
import os
import socket
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
from boundaries.models import Boundary  # noqa: E402
from ogc.tiles import BOUNDARY_SQL, _tolerance  # noqa: E402


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
    with connection.cursor() as cursor:
        cursor.execute(
            BOUNDARY_SQL,
            {"z": z, "x": x, "y": y, "layer": "subdistricts", "level": "subdistrict", "tolerance": _tolerance(z)},
        )
        return bytes(cursor.fetchone()[0] or b"")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gdal_full_read():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "geo.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ogc", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "subdistricts.gpkg"
            started = time.perf_counter()
            subprocess.run(
                [
                    "ogr2ogr",
                    "-f",
                    "GPKG",
                    str(out),
                    f"OAPIF:http://127.0.0.1:{port}/ogc",
                    "subdistricts",
                    "-oo",
                    "PAGE_SIZE=1000",
                ],
                check=True,
                capture_output=True,
            )
            seconds = time.perf_counter() - started
            info = subprocess.run(["ogrinfo", "-ro", "-so", str(out), "subdistricts"], capture_output=True, text=True)
            count = int(info.stdout.split("Feature Count: ")[1].split()[0])
        return seconds, count
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    active = Boundary.objects.active()
    page = active.filter(level="subdistrict").order_by("code")[:1000]
    provinces = active.filter(level="province").order_by("code")
    z, x, y = 12, 3191, 1890  # central Bangkok (Phra Nakhon, Pathum Wan)
    in_tile = active.filter(level="subdistrict", geom__intersects=tile_bbox(z, x, y)).order_by("code")
    results = {}
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
        }
        print(f"{name:<46}{t_ours:>9.3f}{t_naive:>11.3f}{t_naive / t_ours:>7.1f}x{size:>13,}")
    seconds, count = gdal_full_read()
    results["ogr2ogr_national_subdistricts"] = {"seconds": round(seconds, 1), "features": count}
    print(f"ogr2ogr reads all {count:,} subdistricts (10.4 M vertices) through OGC API in {seconds:.1f} s")
    out = ROOT / "benchmarks" / "out" / "layers.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
