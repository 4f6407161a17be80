"""The "after photo re-used" check by an index (issue 25, item 10): the perceptual hash in four
16-bit bands (a B-tree index on each band's expression, photos/models.py), each band's
neighbours looked up, the exact Hamming distance checked on what they find. It must find exactly
what the scan of the whole table found, and the planner must use the indexes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from photos import store
from photos.models import Photo, bands, probes

ONE_COMPLAINT = """
INSERT INTO complaints_complaint (
    source, client_ticket_id, request_fingerprint, location, categories, description, photo_url,
    reporter_name, reporter_contact, status, reopen_count, decision, province_code, district_code,
    subdistrict_code, local_government_code, created, updated)
VALUES ('photofix', '', '', ST_SetSRID(ST_MakePoint(100.0997, 17.6201), 4326), '["street_light"]', '', '', '', '',
        'waiting', 0, '{}'::jsonb, '', '', '', '', now(), now())
RETURNING id
"""
# Photos of one complaint with uniformly random 64-bit hashes (from md5), rolled back with the test.
RANDOM_PHOTOS = """
INSERT INTO photos_photo (complaint_id, kind, image, thumbnail, width, height, thumbnail_width,
    thumbnail_height, bytes, uploaded_type, phash, "similar", hidden, hidden_reason, created)
SELECT %(complaint)s, 'before', 'x.jpg', 'x.webp', 1, 1, 1, 1, 1, 'image/jpeg',
       ('x' || md5(%(salt)s || g::text))::bit(64)::bigint, '[]', false, '', now()
FROM generate_series(1, %(count)s) AS g
"""


def signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def flip(phash: int, *positions: int) -> int:
    unsigned = phash & (2**64 - 1)
    for position in positions:
        unsigned ^= 1 << position
    return signed(unsigned)


@pytest.fixture
def complaint_id(db):
    with connection.cursor() as cursor:
        cursor.execute(ONE_COMPLAINT)
        return cursor.fetchone()[0]


def photo(complaint_id, phash, kind="before") -> Photo:
    row = Photo(complaint_id=complaint_id, kind=kind, image="x.jpg", thumbnail="x.webp", phash=phash)
    row.width = row.height = row.thumbnail_width = row.thumbnail_height = row.bytes = 1
    row.save()
    return row


def test_bands_and_probes_as_written_down():
    assert bands(signed(0x0123456789ABCDEF)) == [0xCDEF, 0x89AB, 0x4567, 0x0123]
    assert bands(-1) == [65535] * 4
    assert bands(signed(0x8000_0000_0000_0001)) == [1, 0, 0, 0x8000]
    # Each band, and each band with one (up to 7 bits) or two (up to 11) of its 16 bits flipped.
    assert [len(probes(0, bits)["band2"]) for bits in (3, 6, 7, 8, 11)] == [1, 17, 17, 137, 137]
    near = probes(signed(0x0123456789ABCDEF), 6)
    assert {0xCDEE, 0x4DEF} <= set(near["band0"]) and 0x0123 ^ 0x0100 in near["band3"]


def test_the_database_bands_as_python_does(db):
    hashes = [signed(0x0123456789ABCDEF), -1, 0, signed(0x8000_0000_0000_0001), signed(0xFEDCBA9876543210)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ARRAY[(h >> 0) & 65535, (h >> 16) & 65535, (h >> 32) & 65535, (h >> 48) & 65535]"
            " FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(h, n) ORDER BY n",
            [hashes],
        )
        assert [row[0] for row in cursor.fetchall()] == [bands(h) for h in hashes]
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'photo_phash_band3'")
        assert cursor.fetchone()[0].endswith("USING btree ((((phash >> 48) & (65535)::bigint)))")


def test_the_farthest_photo_within_the_limit_is_found(complaint_id):
    base = signed(0x5A5A_1234_FEDC_0F0F)
    after = photo(complaint_id, flip(base, 63), kind="after")  # the query photo
    # 6 bits from base spread 2, 2, 1, 1 over the bands: base is 7 bits from the after photo.
    six = photo(complaint_id, flip(base, 0, 1, 16, 17, 32, 48))
    seven = photo(complaint_id, flip(after.phash, 2, 3, 18, 19, 34, 35, 50))  # 2, 2, 2, 1
    eleven = photo(complaint_id, flip(after.phash, 4, 5, 6, 20, 21, 22, 36, 37, 38, 52, 53))  # 3, 3, 3, 2
    twelve = photo(complaint_id, flip(after.phash, 7, 8, 9, 23, 24, 25, 39, 40, 41, 54, 55, 56))  # 3 each
    found = {bits: {f["photo"]: f["distance"] for f in store.similar(after, bits)} for bits in (6, 7, 11, 12)}
    assert found[6] == {}
    assert found[7] == {six.id: 7, seven.id: 7}
    assert found[11] == {six.id: 7, seven.id: 7, eleven.id: 11}
    assert found[12] == {six.id: 7, seven.id: 7, eleven.id: 11, twelve.id: 12}  # the scan, beyond 11 bits


def scanned(query: Photo, bits: int) -> list[tuple]:
    """What the check found before the index: the same SQL without the band condition."""
    args = {"hash": query.phash, "id": query.id, "complaint": query.complaint_id, "bits": bits}
    with connection.cursor() as cursor:
        cursor.execute(store.SIMILAR_SQL, {**args, "scan": True, **probes(0, -1)})
        return cursor.fetchall()


def test_the_index_finds_what_the_scan_found(complaint_id):
    with connection.cursor() as cursor:
        cursor.execute(RANDOM_PHOTOS, {"complaint": complaint_id, "salt": "equal", "count": 3000})
    queries = [photo(complaint_id, flip(h, *range(0, 64, 9)), kind="after") for h in (0, -1, 12345)]
    # Near copies of random stored hashes, 3 to 11 bits away, so that every limit finds some.
    for n, stored in enumerate(Photo.objects.filter(complaint_id=complaint_id).values_list("phash", flat=True)[:60]):
        queries.append(photo(complaint_id, flip(stored, *range(n % 9 + 3)), kind="after"))
    total = 0
    for query in queries:
        for bits in (3, 6, 9, 11):
            expected = [{"photo": p, "complaint": c, "kind": k, "distance": d} for p, c, k, d in scanned(query, bits)]
            assert store.similar(query, bits) == expected, (query.phash, bits)
            total += len(expected)
    assert total >= 60  # the comparison saw matches, not only empty answers


def plan_of(query: Photo, bits: int | None) -> str:
    with CaptureQueriesContext(connection) as ran:
        store.similar(query, bits)
    [sql] = [q["sql"] for q in ran.captured_queries if "photos_photo" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_check_reads_the_band_indexes_not_the_table(complaint_id):
    """20,000 photos (the planner weighs the indexes as it would at scale). Written down, at the
    default 6 bits (17 probes a band): a BitmapOr of a Bitmap Index Scan on each band's index, no
    Seq Scan; beyond 11 bits, the scan. (At 11 bits, 137 probes a band, the planner rightly scans
    20,000 rows and uses the indexes at 200,000: benchmarks/photos.py --reuse.)"""
    with connection.cursor() as cursor:
        cursor.execute(RANDOM_PHOTOS, {"complaint": complaint_id, "salt": "plan", "count": 20000})
        cursor.execute("ANALYZE photos_photo")
    query = photo(complaint_id, signed(0x0123456789ABCDEF), kind="after")
    plan = plan_of(query, None)
    assert "BitmapOr" in plan, plan
    for band in range(4):
        assert f"Bitmap Index Scan on photo_phash_band{band}" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert "Seq Scan on photos_photo" in plan_of(query, 12)
