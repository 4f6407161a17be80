"""OGC API - Features and vector tiles over real HTTP, read by GDAL's own OAPIF, GeoJSON and MVT drivers."""

import json
import subprocess
import time

import pytest
import shapely
from django.db import connection
from shapely.geometry import shape

from .layers import prepared_layers  # noqa: F401 - a fixture
from .web import get

OGC_CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


@pytest.fixture(scope="module")
def base(live_api, prepared_layers):  # noqa: F811 - the imported fixture
    return live_api


def gdal(*args, timeout=300):
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_landing_conformance_and_collections(base):
    landing = get(f"{base}/ogc").json()
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert OGC_CORE in get(f"{base}/ogc/conformance").json()["conformsTo"]
    api = get(rels["service-desc"]["href"]).json()
    limit = next(
        p for p in api["paths"]["/collections/subdistricts/items"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["default"] == 100 and limit["schema"]["maximum"] == 10_000
    resolution = next(
        p for p in api["paths"]["/collections/subdistricts/items"]["get"]["parameters"] if p["name"] == "resolution"
    )
    assert resolution["schema"]["enum"] == ["light", "full"] and resolution["schema"]["default"] == "light"
    complaint_params = api["paths"]["/collections/complaints/items"]["get"]["parameters"]
    assert "resolution" not in {p["name"] for p in complaint_params}
    collections = get(f"{base}/ogc/collections").json()["collections"]
    assert [c["id"] for c in collections] == [
        "provinces",
        "districts",
        "subdistricts",
        "local_government",
        "service_areas",
        "complaints",
    ]
    subdistricts = next(c for c in collections if c["id"] == "subdistricts")
    assert "resolution=full" in subdistricts["description"]
    for c in collections:
        assert "." not in c["id"] and c["title"] and len(c["extent"]["spatial"]["bbox"][0]) == 4
        items = next(link for link in c["links"] if link["rel"] == "items")
        assert items["type"] == "application/geo+json"


def test_items_page_through_to_the_end(base):
    url = f"{base}/ogc/collections/districts/items?limit=400&precision=3"
    seen, pages = [], 0
    while url:
        reply = get(url)
        assert reply.headers["content-type"] == "application/geo+json"
        doc = reply.json()
        assert doc["numberMatched"] == 928 and doc["numberReturned"] == len(doc["features"]) > 0
        seen += [f["id"] for f in doc["features"]]
        url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
        pages += 1
    assert pages == 3 and len(seen) == len(set(seen)) == 928


def test_filters_and_errors(base):
    doc = get(f"{base}/ogc/collections/subdistricts/items?parent_code=5301&precision=3").json()
    assert doc["numberMatched"] == 17 and all(f["properties"]["parent_code"] == "5301" for f in doc["features"])
    boxed = get(f"{base}/ogc/collections/districts/items?bbox=100.09,17.61,100.11,17.63").json()
    assert [f["id"] for f in boxed["features"]] == ["5301"]
    one = get(f"{base}/ogc/collections/provinces/items/53").json()
    assert one["id"] == "53" and one["properties"]["name_en"] == "Uttaradit"
    assert get(f"{base}/ogc/collections/provinces/items/99").status == 404
    assert get(f"{base}/ogc/collections/nothing/items").status == 404
    for bad in (
        "datetime=yesterday",
        "limit=0",
        "limit=20000",
        "bbox=1,2,3",
        "colour=red",
        "datetime=2026-02-01T00:00:00Z/2026-01-01T00:00:00Z",
    ):
        reply = get(f"{base}/ogc/collections/complaints/items?{bad}")
        assert reply.status == 400 and reply.json()["code"] == "InvalidParameterValue", bad
    window = get(f"{base}/ogc/collections/complaints/items?datetime=2000-01-01T00:00:00Z/2000-12-31T00:00:00Z").json()
    assert window["numberMatched"] == 0 and window["features"] == []
    assert get(f"{base}/ogc/collections/complaints/items?datetime=2000-01-01T00:00:00Z/..").status == 200


def test_local_government_areas(base):
    doc = get(f"{base}/ogc/collections/local_government/items?province_code=53&limit=200&precision=4").json()
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    # 76 units in the data; SAO-530407's tambon is 530306 in the 2022 boundaries, so it has no area to draw.
    assert doc["numberMatched"] == doc["numberReturned"] == 75
    assert kinds.count("sao") == 52 and kinds.count("town_municipality") == 1
    town = get(f"{base}/ogc/collections/local_government/items/5399").json()
    assert town["properties"]["coverage"] == "approximate" and town["properties"]["subdistricts"] == 2
    assert town["geometry"]["type"] in ("Polygon", "MultiPolygon")
    boxed = get(f"{base}/ogc/collections/local_government/items?bbox=100.09,17.61,100.11,17.63").json()
    assert "5399" in [f["id"] for f in boxed["features"]]


def test_gdal_oapif_driver_lists_and_reads_every_feature(base, tmp_path):
    listing = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{base}/ogc")
    for name in ("provinces", "districts", "subdistricts", "local_government", "service_areas", "complaints"):
        assert f": {name} (" in listing
    summary = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{base}/ogc", "provinces")
    assert "Feature Count: 77" in summary
    out = tmp_path / "provinces.geojson"
    gdal("ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{base}/ogc", "provinces", "-oo", "PAGE_SIZE=20")
    doc = json.loads(out.read_text())
    assert len(doc["features"]) == 77
    assert {f["properties"]["code"] for f in doc["features"]} >= {"10", "53"}


def test_gdal_geojson_driver_reads_the_boundaries_api(base):
    summary = gdal("ogrinfo", "-ro", "-al", "-so", f"{base}/api/v1/boundaries?level=district&parent=53&simplify=0.001")
    assert "Feature Count: 9" in summary


def test_vector_tiles_read_by_gdal(base, tmp_path):
    tilejson = get(f"{base}/tiles/provinces.json").json()
    assert tilejson["tilejson"] == "3.0.0" and tilejson["vector_layers"][0]["id"] == "provinces"
    assert tilejson["tiles"][0].endswith("/tiles/provinces/{z}/{x}/{y}.mvt")
    reply = get(f"{base}/tiles/provinces/5/25/14.mvt")
    assert reply.status == 200 and reply.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    path = tmp_path / "14.mvt"
    path.write_bytes(reply.body)
    info = gdal("ogrinfo", "-ro", "-al", "-so", "-oo", "X=25", "-oo", "Y=14", "-oo", "Z=5", str(path))
    count = int(info.split("Feature Count: ")[1].split()[0])
    assert count >= 5  # northern provinces around Uttaradit
    assert get(f"{base}/tiles/provinces/5/0/0.mvt").status == 204  # empty ocean tile
    assert get(f"{base}/tiles/provinces/5/40/14.mvt").status == 404  # x out of range
    assert get(f"{base}/tiles/unknown/5/25/14.mvt").status == 404
    assert get(f"{base}/tiles/local_government/12/3191/1890.mvt").status == 404  # no tiles for that layer
    bangkok = get(f"{base}/tiles/subdistricts/12/3191/1890.mvt")
    assert bangkok.status == 200 and len(bangkok.body) > 1000


def _vertices(geometry) -> int:
    return int(shapely.get_num_coordinates(shape(geometry)))


@pytest.mark.django_db
def test_lighter_by_default_full_resolution_on_request(base):
    url = f"{base}/ogc/collections/subdistricts/items?parent_code=5301"
    lighter, full = get(url).json(), get(url + "&resolution=full").json()
    assert lighter["resolution"] == "light" and full["resolution"] == "full"
    assert lighter["numberMatched"] == full["numberMatched"] == 17
    assert [f["id"] for f in lighter["features"]] == [f["id"] for f in full["features"]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(ST_NPoints(b.geom)) FROM boundaries_boundary b JOIN boundaries_generation g"
            " ON g.id = b.generation_id AND g.active WHERE b.level = 'subdistrict' AND b.parent_code = '5301'"
        )
        in_database = cursor.fetchone()[0]
    full_vertices = sum(_vertices(f["geometry"]) for f in full["features"])
    light_vertices = sum(_vertices(f["geometry"]) for f in lighter["features"])
    assert abs(full_vertices - in_database) <= in_database * 0.001  # full resolution is the data
    assert light_vertices < full_vertices * 0.3
    pieces = []
    for a, b in zip(lighter["features"], full["features"]):
        simple, exact = shape(a["geometry"]), shape(b["geometry"])
        assert simple.is_valid and a["geometry"]["type"] == "MultiPolygon"
        assert simple.hausdorff_distance(exact) <= 3.2e-4  # within 33 m of the full-resolution border
        assert abs(simple.area - exact.area) <= exact.area * 0.01
        coords = shapely.get_coordinates(simple)
        assert (abs(coords * 1e6 - (coords * 1e6).round()) < 1e-3).all()  # six decimals
        pieces.append(simple)
    # Neighbours still share one border (no overlaps) and the district is their union, exactly.
    union = shapely.union_all(pieces)
    assert abs(sum(p.area for p in pieces) - union.area) < union.area * 1e-9
    district = shape(get(f"{base}/ogc/collections/districts/items/5301").json()["geometry"])
    assert union.symmetric_difference(district).area < district.area * 1e-9
    coarse = get(url + "&precision=3").json()
    assert coarse["resolution"] == "light" and len(json.dumps(coarse)) < len(json.dumps(lighter))
    assert get(url + "&resolution=coarse").status == 400
    assert get(f"{base}/ogc/collections/complaints/items?resolution=full").status == 400
    one = get(f"{base}/ogc/collections/subdistricts/items/530101?resolution=full").json()
    assert _vertices(one["geometry"]) == _vertices(full["features"][0]["geometry"])


def test_whole_subdistrict_layer_through_gdal(base, tmp_path):
    """What a GIS user does first: the national layer into a GeoPackage (lighter by default)."""
    out = tmp_path / "subdistricts.gpkg"
    started = time.perf_counter()
    gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{base}/ogc", "subdistricts", "-oo", "PAGE_SIZE=1000")
    seconds = time.perf_counter() - started
    summary = gdal("ogrinfo", "-ro", "-so", str(out), "subdistricts")
    assert "Feature Count: 7436" in summary and "Multi Polygon" in summary
    print(f"ogr2ogr read 7,436 subdistricts in {seconds:.1f} s")


@pytest.mark.django_db
def test_boundaries_without_a_lighter_rendition_are_served_at_full_resolution():
    """A generation nobody prepared is served whole (and says so); prepare_layers makes it lighter."""
    from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
    from django.test import Client

    from boundaries.models import Boundary, Generation
    from ogc import lighter

    from .shapes import EAST, WEST

    generation = Generation.objects.create(layer="test-squares", active=True)
    for code, square in (("990101", WEST), ("990102", EAST)):
        dense = GEOSGeometry(square.segmentize(0.01).wkt, srid=4326)  # 400 vertices on a straight outline
        Boundary.objects.create(generation=generation, level="subdistrict", code=code, geom=MultiPolygon(dense))
    client = Client(HTTP_HOST="127.0.0.1")
    items = "/ogc/collections/subdistricts/items?code="
    url = items + "990101"
    before = json.loads(client.get(url).content)
    assert before["resolution"] == "full" and _vertices(before["features"][0]["geometry"]) == 401
    lighter.prepare(generation.id)
    after = json.loads(client.get(url).content)
    assert after["resolution"] == "light" and _vertices(after["features"][0]["geometry"]) == 5
    full = json.loads(client.get(url + "&resolution=full").content)
    assert full["resolution"] == "full" and _vertices(full["features"][0]["geometry"]) == 401
    west, east = (
        shape(json.loads(client.get(items + code).content)["features"][0]["geometry"]) for code in ("990101", "990102")
    )
    assert west.intersection(east).length == 1  # still one shared edge
