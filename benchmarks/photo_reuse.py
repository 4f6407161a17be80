"""The "after photo re-used" check (photos/store.similar) on many stored photos, before and after
the band indexes, in one run on the same data: a database of its own (migrated, filled with photos
of uniformly random 64-bit hashes and near copies of some, analysed), dropped at the end unless
--keep. "Before" is the query as it was (a scan of the photo table), "after" is similar() as it is.

    .venv/bin/python benchmarks/photos.py --reuse 200000 [--repeat 5]
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo.settings")
DB = os.environ.get("GEO_BENCH_DB", "bench_photos")
SOCKET = quote(str(ROOT / "var" / "pg" / "run"), safe="")
PORT = os.environ.get("GEO_PGPORT", "54329")
os.environ["DATABASE_URL"] = f"postgis://geo@{SOCKET}:{PORT}/{DB}"

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from photos import store  # noqa: E402
from photos.models import Photo  # noqa: E402

# The query before the band indexes (photos/store.py as it was): every row's distance computed.
BEFORE_SQL = """
SELECT id, complaint_id, kind, bit_count((phash # %(hash)s)::bit(64)) AS bits
FROM photos_photo
WHERE id <> %(id)s
  AND (complaint_id <> %(complaint)s OR kind = 'before')
  AND bit_count((phash # %(hash)s)::bit(64)) <= %(bits)s
ORDER BY bits, complaint_id <> %(complaint)s, id
LIMIT 20
"""
COMPLAINTS = """
INSERT INTO complaints_complaint (
    source, client_ticket_id, request_fingerprint, location, categories, description, photo_url,
    reporter_name, reporter_contact, status, reopen_count, decision, province_code, district_code,
    subdistrict_code, local_government_code, created, updated)
SELECT 'bench', '', '', ST_SetSRID(ST_MakePoint(100.5, 13.7), 4326), '["road"]', '', '', '', '', 'waiting', 0,
       '{}'::jsonb, '', '', '', '', now(), now()
FROM generate_series(1, %(count)s)
RETURNING id
"""
# Three photos a complaint, the hashes uniformly random (md5), as a photo row is stored.
PHOTOS = """
INSERT INTO photos_photo (complaint_id, kind, image, thumbnail, width, height, thumbnail_width,
    thumbnail_height, bytes, uploaded_type, phash, "similar", hidden, hidden_reason, created)
SELECT %(first)s + (g - 1) / 3, CASE WHEN g %% 3 = 0 THEN 'after' ELSE 'before' END,
       'photos/' || g || '.jpg', 'photos/' || g || '-thumb.webp', 2048, 1536, 320, 240, 300000, 'image/jpeg',
       ('x' || md5('bench' || g::text))::bit(64)::bigint, '[]', false, '', now()
FROM generate_series(1, %(count)s) AS g
"""


def admin(sql):
    with psycopg.connect(f"host={ROOT / 'var' / 'pg' / 'run'} port={PORT} user=geo dbname=postgres") as conn:
        conn.autocommit = True
        conn.execute(sql)


def prepare(count: int) -> list[Photo]:
    """The benchmark database filled with `count` photos; the after photos to check (near copies
    of stored photos, 0 to 9 bits away, and new pictures)."""
    admin(f"DROP DATABASE IF EXISTS {DB}")
    admin(f"CREATE DATABASE {DB}")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(COMPLAINTS, {"count": count // 3 + 1})
        first = min(row[0] for row in cursor.fetchall())
        cursor.execute(PHOTOS, {"first": first, "count": count})
        cursor.execute("ANALYZE photos_photo")
    stored = list(Photo.objects.order_by("id").values_list("phash", flat=True))[:: count // 10]
    queries = []
    for n, phash in enumerate(stored):
        near = phash ^ ((1 << n) - 1)  # n bits flipped: 0 to 9
        queries.append(near)
        queries.append(phash ^ 0x5555_5555_5555_5555)  # 32 bits away from it: a new picture
    made = []
    for n, phash in enumerate(queries):
        signed = phash - (1 << 64) if phash >= 1 << 63 else phash
        photo = Photo(complaint_id=first + n, kind=Photo.AFTER, image="q.jpg", thumbnail="q.webp", phash=signed)
        photo.width = photo.height = photo.thumbnail_width = photo.thumbnail_height = photo.bytes = 1
        photo.save()
        made.append(photo)
    return made


def before(photo: Photo, bits: int) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(BEFORE_SQL, {"hash": photo.phash, "id": photo.id, "complaint": photo.complaint_id, "bits": bits})
        return [{"photo": p, "complaint": c, "kind": k, "distance": d} for p, c, k, d in cursor.fetchall()]


def per_call_ms(fn, queries, bits, repeat) -> float:
    """The median over `repeat` rounds of the mean time of one check, in milliseconds."""
    rounds = []
    for _ in range(repeat):
        started = time.perf_counter()
        for photo in queries:
            fn(photo, bits)
        rounds.append((time.perf_counter() - started) / len(queries) * 1000)
    return statistics.median(rounds)


def plan(photo: Photo, bits: int) -> str:
    sql = f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {store.SIMILAR_SQL}"
    args = {"hash": photo.phash, "id": photo.id, "complaint": photo.complaint_id, "bits": bits, "scan": False}
    with connection.cursor() as cursor:
        cursor.execute(sql, {**args, **store.probes(photo.phash, bits)})
        lines = [row[0] for row in cursor.fetchall()]
    return "\n".join(line for line in lines if "Scan" in line or "Buffers" in line or "Execution" in line)


def run(count: int, repeat: int, keep: bool = False):
    try:
        queries = prepare(count)
        size = Photo.objects.count()
        print(f"{size:,} photos; {len(queries)} after photos checked per round, median of {repeat} rounds")
        for bits in (6, 11):
            found = [store.similar(q, bits) for q in queries]
            assert found == [before(q, bits) for q in queries], "the indexes must find what the scan found"
            hits = sum(bool(f) for f in found)
            old, new = (per_call_ms(fn, queries, bits, repeat) for fn in (before, store.similar))
            print(
                f"within {bits:>2} bits: before {old:8.2f} ms, after {new:6.2f} ms a check ({old / new:5.1f}x); ",
                end="",
            )
            print(f"{hits} of {len(queries)} flagged, the same photos both ways")
        print("plan at 6 bits:\n" + plan(queries[1], 6))
    finally:
        connection.close()
        if not keep:
            admin(f"DROP DATABASE IF EXISTS {DB}")
