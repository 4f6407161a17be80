"""What one request may cost, over real HTTP through the front: tiles and boundary pages computed
once per generation and revalidated with ETags, pages bounded by vertices, the national
full-resolution choropleth refused."""

import gzip
import json

import redis
from django.db import connection

from .web import get

BANGKOK_Z7 = "/tiles/districts/7/99/59.mvt"  # the tile holding Bangkok at zoom 7


def _layer_keys(server) -> set:
    client = redis.Redis(unix_socket_path=str(server.run.redis_socket))
    return set(client.scan_iter("geo:*layer:*"))


def test_a_tile_is_computed_once_and_revalidated_with_its_etag(front_server):
    base = front_server.base
    before = _layer_keys(front_server)
    first = get(base + BANGKOK_Z7)
    assert first.status == 200 and first.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    stored = _layer_keys(front_server) - before
    assert len(stored) == 1  # the tile is now in the shared cache

    again = get(base + BANGKOK_Z7)
    assert again.status == 200 and again.body == first.body and again.headers["etag"] == etag
    assert _layer_keys(front_server) - before == stored  # served from the cache, nothing new stored

    unchanged = get(base + BANGKOK_Z7, headers={"If-None-Match": etag})
    assert unchanged.status == 304 and unchanged.body == b"" and unchanged.headers["etag"] == etag
    other = get(base + BANGKOK_Z7, headers={"If-None-Match": '"something-else"'})
    assert other.status == 200 and other.body == first.body
    assert modified.endswith("GMT")


def test_a_boundary_page_carries_an_etag_and_complaint_pages_are_not_cached(live_api):
    page = get(f"{live_api}/ogc/collections/provinces/items?limit=5")
    assert page.status == 200 and page.headers["etag"].startswith('"')
    assert (
        get(
            f"{live_api}/ogc/collections/provinces/items?limit=5", headers={"If-None-Match": page.headers["etag"]}
        ).status
        == 304
    )
    # Another page is another answer.
    assert get(f"{live_api}/ogc/collections/provinces/items?limit=6").headers["etag"] != page.headers["etag"]
    complaints = get(f"{live_api}/ogc/collections/complaints/items?limit=5")
    assert complaints.status == 200 and "etag" not in complaints.headers


def test_a_full_resolution_page_stops_at_its_vertex_budget(live_api, django_db_blocker):
    # Expected independently of the code under test: provinces in code order, their vertices
    # added up until half a million would be passed.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            """SELECT ST_NPoints(b.geom) FROM boundaries_boundary b
               JOIN boundaries_generation g ON g.id = b.generation_id AND g.active
               WHERE b.level = 'province' ORDER BY b.code"""
        )
        sizes = [n for (n,) in cursor.fetchall()]
    expected, total = 0, 0
    for n in sizes:
        if total + n > 500_000:
            break
        total, expected = total + n, expected + 1
    assert 1 <= expected < 77

    page = get(f"{live_api}/ogc/collections/provinces/items?limit=77&resolution=full").json()
    assert page["numberReturned"] == expected and page["numberMatched"] == 77
    after = next(link["href"] for link in page["links"] if link["rel"] == "next")
    assert f"offset={expected}&" in after  # the next page starts where this one stopped


def test_a_national_choropleth_at_full_resolution_is_refused_and_an_area_may_have_it(live_api):
    refused = get(f"{live_api}/api/v1/stats?group=subdistrict&format=geojson&simplify=0")
    assert refused.status == 400
    assert refused.json()["error"]["details"] == {"parameter": "simplify"}
    bangkok = get(f"{live_api}/api/v1/stats?group=subdistrict&format=geojson&simplify=0&area=10")
    assert bangkok.status == 200 and len(bangkok.json()["features"]) == 180  # Bangkok's khwaeng


def test_a_large_page_is_compressed_once_and_served_from_the_cache_either_way(front_server):
    url = f"{front_server.base}/ogc/collections/districts/items?limit=50&resolution=full"
    before = _layer_keys(front_server)
    packed = get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.status == 200 and packed.headers["content-encoding"] == "gzip"
    assert packed.headers["etag"].endswith('-gzip"') and "Accept-Encoding" in packed.headers["vary"]
    text = gzip.decompress(packed.body)
    page = json.loads(text)
    assert page["numberReturned"] == 50 and page["features"][0]["properties"]["code"] == "1001"
    stored = _layer_keys(front_server) - before
    assert len(stored) == 1
    client = redis.Redis(unix_socket_path=str(front_server.run.redis_socket))
    assert client.strlen(next(iter(stored))) < len(text) / 2  # kept compressed

    plain = get(url)  # a client without gzip: the same page, from the cache
    assert plain.status == 200 and "content-encoding" not in plain.headers and plain.body == text
    assert plain.headers["etag"] == packed.headers["etag"].replace('-gzip"', '"')
    refused = get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "content-encoding" not in refused.headers and refused.body == text
    again = get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert again.body == packed.body  # the stored bytes as they are: not compressed again
    assert _layer_keys(front_server) - before == stored

    for reply in (packed, plain):
        unchanged = get(url, headers={"If-None-Match": reply.headers["etag"], "Accept-Encoding": "gzip"})
        assert unchanged.status == 304 and unchanged.body == b""
