"""Whole collections as FlatGeobuf files: linked from the collections, written once per version,
served whole and by byte ranges through the front, and read by GDAL over HTTP (/vsicurl/)."""

import json
import subprocess

import pytest
import shapely
import shapely.geometry
from django.db import connection

from .layers import prepared_layers  # noqa: F401 - a fixture
from .web import get, request

COUNT_PROVINCES = 77
COUNT_SERVICE_AREAS = 8089


@pytest.fixture(scope="module")
def written(live_api, prepared_layers, django_db_blocker):  # noqa: F811 - the imported fixture
    from ogc import downloads

    with django_db_blocker.unblock():
        files = {
            (collection, resolution): downloads.write(collection, resolution)
            for collection, resolution in [("provinces", "full"), ("service_areas", "light")]
        }
    yield files
    for path, _ in files.values():
        path.unlink(missing_ok=True)


def url(base, collection, resolution="full"):
    return f"{base}/ogc/collections/{collection}/download.fgb?resolution={resolution}"


def gdal(*args):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_collections_link_their_files(live_api):
    provinces = get(f"{live_api}/ogc/collections/provinces").json()
    enclosures = [link for link in provinces["links"] if link["rel"] == "enclosure"]
    assert [(e["type"], e["href"].rsplit("/", 1)[1]) for e in enclosures] == [
        ("application/flatgeobuf", "download.fgb?resolution=full"),
        ("application/flatgeobuf", "download.fgb?resolution=light"),
    ]
    services = get(f"{live_api}/ogc/collections/service_areas").json()
    assert [e["href"].rsplit("=", 1)[1] for e in services["links"] if e["rel"] == "enclosure"] == ["light"]
    complaints = get(f"{live_api}/ogc/collections/complaints").json()
    assert not [link for link in complaints["links"] if link["rel"] == "enclosure"]
    paths = get(f"{live_api}/ogc/api").json()["paths"]
    [resolution] = paths["/collections/provinces/download.fgb"]["get"]["parameters"]
    assert resolution["schema"]["enum"] == ["full", "light"] and resolution["schema"]["default"] == "full"
    assert paths["/collections/service_areas/download.fgb"]["get"]["parameters"][0]["schema"]["enum"] == ["light"]
    assert "/collections/complaints/download.fgb" not in paths


def test_gdal_reads_the_national_file_over_http(live_api, written, django_db_blocker):
    _, count = written[("provinces", "full")]
    assert count == COUNT_PROVINCES
    remote = "/vsicurl/" + url(live_api, "provinces")
    summary = gdal("ogrinfo", "-ro", "-so", "-al", remote)
    assert f"Feature Count: {COUNT_PROVINCES}" in summary
    assert "Geometry: Multi Polygon" in summary
    for field in ("code: String", "name_th: String", "name_en: String", "parent_code: String"):
        assert field in summary
    one = json.loads(gdal("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", remote, "-where", "code = '53'"))
    assert [f["properties"]["name_en"] for f in one["features"]] == ["Uttaradit"]
    # the full-resolution shape: the same area as the stored boundary (PostGIS), to 1e-6
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Area(geom), ST_NPoints(geom) FROM boundaries_boundary b JOIN boundaries_generation g"
            " ON g.id = b.generation_id AND g.active WHERE b.level = 'province' AND b.code = '53'"
        )
        area, points = cursor.fetchone()
    drawn = shapely.geometry.shape(one["features"][0]["geometry"])
    assert abs(drawn.area - area) / area < 1e-6
    assert shapely.get_num_coordinates(drawn) > 0.95 * points  # full resolution, not the lighter ~1/12


def test_service_areas_file_has_every_area(live_api, written):
    # its one resolution is the default
    default = f"{live_api}/ogc/collections/service_areas/download.fgb"
    summary = gdal("ogrinfo", "-ro", "-so", "-al", "/vsicurl/" + default)
    assert f"Feature Count: {COUNT_SERVICE_AREAS}" in summary
    assert "area_source: String" in summary


def test_byte_ranges(live_api, written):
    whole = get(url(live_api, "provinces"))
    assert whole.status == 200 and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-type"] == "application/flatgeobuf"
    size = len(whole.body)
    assert int(whole.headers["content-length"]) == size > 1_000_000
    assert whole.body[:4] == b"fgb\x03" and whole.body[4:7] == b"fgb"  # FlatGeobuf 3's magic bytes

    first = get(url(live_api, "provinces"), headers={"Range": "bytes=0-7"})
    assert first.status == 206 and first.body == whole.body[:8]
    assert first.headers["content-range"] == f"bytes 0-7/{size}"
    middle = get(url(live_api, "provinces"), headers={"Range": "bytes=1000-1999"})
    assert middle.status == 206 and middle.body == whole.body[1000:2000]
    tail = get(url(live_api, "provinces"), headers={"Range": "bytes=-10"})
    assert tail.status == 206 and tail.body == whole.body[-10:]
    beyond_end = get(url(live_api, "provinces"), headers={"Range": f"bytes={size - 5}-{size + 100}"})
    assert beyond_end.status == 206 and beyond_end.body == whole.body[-5:]
    # an end past the file, however far, is clamped to its last byte (RFC 9110 section 14.1.2)
    far = get(url(live_api, "provinces"), headers={"Range": "bytes=0-99999999999999999999999999"})
    assert far.status == 206 and far.headers["content-range"] == f"bytes 0-{size - 1}/{size}"
    assert far.body == whole.body

    # 416 only when no range is satisfiable: every first byte past the end (or a suffix of none)
    for unsatisfiable in (f"bytes={size}-", "bytes=99999999999999999999999999-", "bytes=-0", f"bytes={size}-,-0"):
        refused = get(url(live_api, "provinces"), headers={"Range": unsatisfiable})
        assert refused.status == 416 and refused.headers["content-range"] == f"bytes */{size}", unsatisfiable
        assert refused.body == b""
    # several ranges, or a header that is no valid byte range (ignored): the whole file
    for whole_file in ("bytes=0-1,5-6", f"bytes=0-1,{size}-", "bytes=20-10", "bytes=abc", "items=0-5", "bytes=1-2-3"):
        answered = get(url(live_api, "provinces"), headers={"Range": whole_file})
        assert answered.status == 200 and answered.body == whole.body, whole_file
    spaced = get(url(live_api, "provinces"), headers={"Range": "Bytes= 0-3 , "})
    assert spaced.status == 206 and spaced.body == whole.body[:4]

    # HEAD: the headers a GET would get, no body
    head = request(url(live_api, "provinces"), method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) == size
    assert head.headers["etag"] == whole.headers["etag"] and head.headers["accept-ranges"] == "bytes"
    ranged_head = request(url(live_api, "provinces"), method="HEAD", headers={"Range": "bytes=0-7"})
    assert ranged_head.status == 206 and ranged_head.body == b""
    assert ranged_head.headers["content-range"] == f"bytes 0-7/{size}" and ranged_head.headers["content-length"] == "8"

    etag = whole.headers["etag"]
    assert get(url(live_api, "provinces"), headers={"If-None-Match": etag}).status == 304
    stale = get(url(live_api, "provinces"), headers={"Range": "bytes=0-7", "If-Range": '"another"'})
    assert stale.status == 200 and len(stale.body) == size


def test_refusals_in_the_ogc_shape(live_api, written):
    cases = [
        (url(live_api, "complaints"), 404, "complaints"),
        (url(live_api, "service_areas", "full"), 404, "resolution"),
        (url(live_api, "nowhere"), 404, "nowhere"),
        (url(live_api, "provinces", "medium"), 400, "resolution"),
        (url(live_api, "provinces") + "&limit=5", 400, "limit"),
    ]
    for address, status, named in cases:
        reply = get(address)
        assert reply.status == status, address
        assert set(reply.json()) == {"code", "description"} and named in reply.json()["description"]


def test_a_missing_file_asks_the_workers_and_says_when_to_retry(live_api, written, django_db_blocker):
    reply = get(url(live_api, "districts"))  # not written by this module, nor ever before
    assert reply.status == 503 and reply.headers["retry-after"] == "60"
    assert reply.json()["code"] == "NotReady"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'ogc.write_download' AND status = 'todo'"
        )
        assert cursor.fetchone()[0] == 1
        assert get(url(live_api, "districts")).status == 503  # asked once, not once per request
        cursor.execute(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'ogc.write_download' AND status = 'todo'"
        )
        assert cursor.fetchone()[0] == 1
        # other modules start real workers: they must not spend minutes writing every file
        cursor.execute("DELETE FROM procrastinate_jobs WHERE task_name = 'ogc.write_download' AND status = 'todo'")


def _pending_writes(cursor, collection, resolution):
    cursor.execute(
        "SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = %s AND status IN ('todo', 'doing')",
        [f"ogc.write_download:{collection}:{resolution}"],
    )
    return cursor.fetchone()[0]


def test_an_agency_edit_keeps_the_file_it_does_not_show(live_api, written, django_db_blocker):
    """Issue 25 item 3: saving an agency's webhook URL or e-mail made the service areas and local
    government files answer 503 until rewritten. Only what the file shows changes its key; while
    the new one is written the last one is served, marked stale."""
    from routing.models import Agency

    address = url(live_api, "service_areas", "light")
    before = get(address, headers={"Range": "bytes=0-7"})
    assert before.status == 206 and "x-layer-stale" not in before.headers
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        agency = Agency.objects.get(code="PEA")
        kept = (agency.webhook_url, agency.email, agency.name_en)
        try:
            agency.webhook_url, agency.email = "https://receiver.example/hook", "desk@pea.example"
            agency.save()
            same = get(address, headers={"Range": "bytes=0-7"})
            assert same.status == 206 and same.headers["etag"] == before.headers["etag"]
            assert "x-layer-stale" not in same.headers and _pending_writes(cursor, "service_areas", "light") == 0

            agency.name_en = "Provincial Electricity Authority (renamed)"  # shown in the file
            agency.save()
            stale = get(address, headers={"Range": "bytes=0-7"})
            assert stale.status == 206 and stale.body == before.body and stale.headers["x-layer-stale"] == "true"
            assert stale.headers["x-layer-version"] == before.headers["x-layer-version"]
            assert stale.headers["x-layer-current-version"] != before.headers["x-layer-version"]
            assert stale.headers["cache-control"] == "public, max-age=30"
            assert _pending_writes(cursor, "service_areas", "light") == 1  # the new file asked for once
            assert get(address, headers={"Range": "bytes=0-7"}).status == 206
            assert _pending_writes(cursor, "service_areas", "light") == 1
        finally:
            agency.webhook_url, agency.email, agency.name_en = kept
            agency.save()
            cursor.execute("DELETE FROM procrastinate_jobs WHERE queueing_lock LIKE 'ogc.write_download:%%'")
    again = get(address, headers={"Range": "bytes=0-7"})
    assert (
        again.status == 206 and again.headers["etag"] == before.headers["etag"] and "x-layer-stale" not in again.headers
    )
