"""What benchmarks/volume.py measures in one database (DATABASE_URL set by it): every statistics
request the map page and the API make, the complaints layer (OGC items with CQL2 filters, the
map page's listing, a vector tile at the map's opening zoom), the change feed, the duplicate
candidates, the sizes on disk and, where it exists, a full rebuild of the statistics' aggregates.
Server time through Django's handler (no network), warm; one JSON object on stdout.

    DATABASE_URL=... python benchmarks/volume_measure.py [--repeat 20] [--only stats,layer,...]
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
os.environ.setdefault("GEO_RATE_PER_IP", "1000000/min")

import django  # noqa: E402

django.setup()

from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints import changes, duplicates, layer_queries  # noqa: E402
from complaints.lifecycle import OPEN_STATES  # noqa: E402

# The map page opens at zoom 10 on Bangkok (web/static/web/map.js).
MAP_CENTRE, MAP_ZOOM = (100.55, 13.75), 10


def p95(values):
    values = sorted(values)
    return values[max(0, math.ceil(0.95 * len(values)) - 1)]


def timed(fn, repeat):
    if repeat > 1:  # (one run of a slow request: the first, cold but for what the runs before warmed)
        fn()  # warm: pages read, plans made, shapes cached
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return {"median": round(statistics.median(times), 1), "p95": round(p95(times), 1), "n": repeat}


def day_aligned(days: int) -> str:
    """`since` as the map page sends it: a date at 00:00 Bangkok time."""
    return (timezone.localdate() - timedelta(days=days)).isoformat() + "T00:00:00+07:00"


def stats_requests(short=False):
    """Every statistics request of the map page (map.js refresh()), with its filters, and the API's
    others; `short`: the map page's opening requests only (no filter, and since 30 days)."""
    filters = {
        "everything": {},
        "since 30 days": {"since": day_aligned(30)},
        "since 365 days": {"since": day_aligned(365)},
        "Bangkok": {"area": "10"},
        "category road": {"category": "road"},
    }
    page = {
        "choropleth province": {"group": "province", "format": "geojson", "simplify": "0.005"},
        "choropleth district": {"group": "district", "format": "geojson", "simplify": "0.005"},
        "status": {"group": "status"},
        "category": {"group": "category"},
        "trend week": None,
        "agency": {"group": "agency"},
    }
    for fname, f in filters.items():
        if short and fname not in ("everything", "since 30 days"):
            continue
        for name, q in page.items():
            path = "/api/v1/stats/trend?" + urlencode({"interval": "week", **f}) if q is None else None
            yield f"map: {name}, {fname}", path or "/api/v1/stats?" + urlencode({**q, **f})
    if short:
        return
    yield "api: subdistrict", "/api/v1/stats?group=subdistrict"
    yield "api: local government", "/api/v1/stats?group=local_government"
    yield "api: trend day, 30 days", "/api/v1/stats/trend?" + urlencode({"interval": "day", "since": day_aligned(30)})
    yield "api: trend month", "/api/v1/stats/trend?interval=month"
    yield "api: top 3 per district", "/api/v1/stats/top?group=district&n=3"
    yield "api: csv by district", "/api/v1/stats?group=district&format=csv"


def tile_of(lon, lat, z):
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def layer_requests():
    recent = (timezone.now() - timedelta(days=30)).strftime("%Y-%m-%dT00:00:00Z")
    cql = {
        "open in Bangkok": "status IN ('waiting','in_progress') AND province_code = '10'",
        "one subdistrict": "subdistrict_code = '100101'",
        "waiting, last 30 days": f"status = 'waiting' AND created T_AFTER TIMESTAMP('{recent}')",
        "the collection's example": (
            "status IN ('waiting','in_progress') AND updated T_AFTER TIMESTAMP('2026-01-01T00:00:00Z')"
        ),
        "reopened in Chiang Mai": "reopen_count > 0 AND province_code = '50'",
    }
    for name, text in cql.items():
        yield f"ogc items: {name}", "/ogc/collections/complaints/items?" + urlencode({"filter": text, "limit": 100})
    yield "ogc items: bbox only", "/ogc/collections/complaints/items?bbox=100.5,13.7,100.6,13.8&limit=100"
    yield "map: complaints listing", "/api/v1/complaints?format=geojson&limit=1000"
    x, y = tile_of(*MAP_CENTRE, MAP_ZOOM)
    yield f"tile z{MAP_ZOOM} Bangkok", f"/tiles/complaints/{MAP_ZOOM}/{x}/{y}.mvt"
    x, y = tile_of(*MAP_CENTRE, 14)
    yield "tile z14 Bangkok", f"/tiles/complaints/14/{x}/{y}.mvt"


def measure_requests(requests, repeat, client):
    out = {}
    for name, path in requests:
        reply = client.get(path)
        if reply.status_code not in (200, 204):
            out[name] = {"status": reply.status_code, "body": reply.content[:200].decode(errors="replace")}
            print(f"  {name}: HTTP {reply.status_code}", file=sys.stderr)
            continue
        result = timed(lambda path=path: client.get(path), repeat)
        result["bytes"] = len(reply.content)
        out[name] = result
        print(f"  {name:<48}{result['median']:>9.1f}{result['p95']:>9.1f} ms", file=sys.stderr, flush=True)
    return out


def whole_tile(z, x, y):
    """The tile as it was drawn before the samples (every point in it): the baseline."""
    args = {"z": z, "x": x, "y": y, "layer": "complaints", "open_states": list(OPEN_STATES), "rate": 1}
    with connection.cursor() as cursor:
        cursor.execute(layer_queries.TILE_SQL.format(sample=""), args)
        return cursor.fetchone()[0]


def tiles_before(repeat):
    out = {}
    for z in (MAP_ZOOM, 14):
        x, y = tile_of(*MAP_CENTRE, z)
        data = whole_tile(z, x, y)
        out[f"tile z{z} Bangkok, every point (before)"] = {
            **timed(lambda z=z, x=x, y=y: whole_tile(z, x, y), max(3, repeat // 4)),
            "bytes": len(data or b""),
        }
        print(f"  tile z{z} every point: {out[f'tile z{z} Bangkok, every point (before)']}", file=sys.stderr)
    return out


def feed_and_duplicates(repeat):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT agency_id FROM complaints_complaint WHERE agency_id IS NOT NULL AND source = 'synthetic'"
            " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        busiest = cursor.fetchone()[0]
    head = changes.head()
    near_head = changes.Position(max(0, head.txid - 1), 0)
    cases = {
        "feed: everything, from the start": lambda: changes.read(changes.Scope(), changes.Position(), 100),
        "feed: busiest agency, from the start": lambda: changes.read(
            changes.Scope(agency_id=busiest), changes.Position(), 100
        ),
        "feed: everything, near the head": lambda: changes.read(changes.Scope(), near_head, 100),
        "feed: busiest agency, near the head": lambda: changes.read(changes.Scope(agency_id=busiest), near_head, 100),
    }
    now = timezone.now()
    for name, (lon, lat, category) in {
        "Bangkok road": (100.5231, 13.7367, "road"),
        "Bangkok flooding": (100.55, 13.75, "flooding"),
        "Chiang Mai cleanliness": (98.9853, 18.7883, "cleanliness"),
    }.items():
        cases[f"duplicates: {name}"] = lambda lon=lon, lat=lat, category=category: duplicates.find(
            lon, lat, category, at=now, description="ถนนชำรุด"
        )
    out = {}
    for name, fn in cases.items():
        out[name] = timed(fn, repeat)
        print(f"  {name:<48}{out[name]['median']:>9.1f}{out[name]['p95']:>9.1f} ms", file=sys.stderr, flush=True)
    return out


def sizes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
        cursor.execute(
            """SELECT c.relname, c.relkind, pg_total_relation_size(c.oid), pg_relation_size(c.oid)
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 'm')
               ORDER BY pg_total_relation_size(c.oid) DESC LIMIT 25"""
        )
        relations = [{"name": r[0], "kind": r[1], "total": r[2], "own": r[3]} for r in cursor.fetchall()]
        cursor.execute(
            "SELECT (SELECT count(*) FROM complaints_complaint), (SELECT count(*) FROM complaints_historyentry)"
        )
        complaints, history = cursor.fetchone()
    return {"database": database, "relations": relations, "complaints": complaints, "history": history}


def rebuild():
    if "rebuild_stats" not in get_commands():
        return None
    started = time.perf_counter()
    call_command("rebuild_stats")
    return round(time.perf_counter() - started, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--only", default="stats,layer,feed,sizes,rebuild")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    client = Client(HTTP_HOST="localhost")
    result = {"load_before": os.getloadavg()[0]}
    if "stats" in parts:
        result["stats"] = measure_requests(stats_requests(), args.repeat, client)
    if "stats-short" in parts:
        result["stats"] = measure_requests(stats_requests(short=True), args.repeat, client)
    if "stats-few" in parts:  # at 10,000,000 before the aggregates: each unfiltered one takes minutes
        few = [r for r in stats_requests(short=True) if "30 days" in r[0] or r[0].startswith("map: status")]
        result["stats"] = measure_requests(few, args.repeat, client)
    if "layer" in parts:
        result["layer"] = measure_requests(layer_requests(), args.repeat, client)
        result["layer"].update(tiles_before(args.repeat))
    if "layer-fast" in parts:  # without the whole tiles of before
        result["layer"] = measure_requests(layer_requests(), args.repeat, client)
    if "feed" in parts:
        result["feed"] = feed_and_duplicates(args.repeat)
    if "sizes" in parts:
        result["sizes"] = sizes()
    if "rebuild" in parts:
        result["rebuild_s"] = rebuild()
    result["load_after"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
