"""Agencies' service areas as an OGC API - Features collection, over real HTTP, read by GDAL too."""

import subprocess
from collections import Counter, defaultdict

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from shapely.geometry import shape

from boundaries.models import Boundary
from routing.models import Agency, LocalCoverage, LocalGovernment

from .layers import prepared_layers  # noqa: F401 - a fixture
from .web import get

LEVEL_OF_LENGTH = {2: "province", 4: "district", 6: "subdistrict"}


@pytest.fixture(scope="module")
def base(live_api, prepared_layers):  # noqa: F811 - the imported fixture
    return f"{live_api}/ogc/collections/service_areas"


def expected_sources() -> dict:
    """Which agencies have an area and where it comes from, worked out here from the tables."""
    drawn = set(Boundary.objects.active().filter(generation__layer="admin").values_list("level", "code"))
    units = {u.code: u for u in LocalGovernment.objects.all()}
    covered = defaultdict(list)
    for unit, subdistrict in LocalCoverage.objects.values_list("local_government__code", "subdistrict_code"):
        covered[unit].append(subdistrict)
    out = {}
    for a in Agency.objects.filter(active=True):
        code = a.jurisdiction_code
        if a.service_area:
            out[a.code] = "explicit"
        elif a.service_provinces:
            if any(("province", p) in drawn for p in a.service_provinces):
                out[a.code] = "provinces"
        elif code in units:
            whole_province = not covered[code] and units[code].kind in ("pao", "bma")
            if any(("subdistrict", s) in drawn for s in covered[code]) or (
                whole_province and ("province", units[code].province_code) in drawn
            ):
                out[a.code] = "local_government"
        elif (LEVEL_OF_LENGTH.get(len(code)), code) in drawn:
            out[a.code] = "boundary"
    return out


def union_area(level: str, codes) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_Area(ST_Union(b.geom)) FROM boundaries_boundary b JOIN boundaries_generation g"
            " ON g.id = b.generation_id AND g.active AND g.layer = 'admin' WHERE b.level = %s AND b.code = ANY(%s)",
            [level, list(codes)],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_counts_match_the_database(base):
    expected = expected_sources()
    doc = get(f"{base}/items?limit=1").json()
    assert doc["numberMatched"] == len(expected)
    for source, count in Counter(expected.values()).items():
        assert get(f"{base}/items?limit=1&area_source={source}").json()["numberMatched"] == count, source
    assert Counter(expected.values())["provinces"] == 4  # MEA, MWA, PEA, PWA
    left_out = set(Agency.objects.filter(active=True).values_list("code", flat=True)) - set(expected)
    # The police serve the whole country without an area of their own; SAO-530407's tambon is
    # 530306 in the 2022 boundaries; a dozen municipalities have no subdistricts in the data.
    assert {"RTP", "SAO-530407"} <= left_out and len(left_out) < 20
    for code in ("RTP", "SAO-530407"):
        assert get(f"{base}/items/{code}").status == 404


@pytest.mark.django_db
def test_a_utility_is_the_union_of_its_provinces(base):
    metro = ["10", "11", "12"]
    expected = union_area("province", metro)
    lighter = get(f"{base}/items/MEA").json()
    full = get(f"{base}/items/MEA?resolution=full").json()
    assert lighter["properties"]["area_source"] == full["properties"]["area_source"] == "provinces"
    assert lighter["properties"]["categories"] == "electricity" and lighter["properties"]["kind"] == "utility"
    assert abs(shape(full["geometry"]).area - expected) <= expected * 1e-6
    # the default overview: simplified within 110 m, so within 1% of the area
    assert abs(shape(lighter["geometry"]).area - expected) <= expected * 0.01
    assert shape(lighter["geometry"]).is_valid and full["geometry"]["type"] == "MultiPolygon"
    pea = Agency.objects.get(code="PEA")
    whole = get(f"{base}/items/PEA?resolution=full").json()
    assert sorted(pea.service_provinces) == sorted(set(pea.service_provinces)) and len(pea.service_provinces) == 74
    provinces = union_area("province", pea.service_provinces)
    assert abs(shape(whole["geometry"]).area - provinces) <= provinces * 1e-6
    overview = get(f"{base}/items/PEA").json()
    assert abs(shape(overview["geometry"]).area - provinces) <= provinces * 0.01
    # Full-resolution areas are the provinces' union: PEA's and MEA's overlap only where the
    # provinces themselves do (Bangkok's BMA boundary overlaps three neighbours by about 1.6 km²).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0) FROM boundaries_boundary a"
            " JOIN boundaries_boundary b ON b.generation_id = a.generation_id AND b.level = 'province'"
            " AND b.code = ANY(%s) AND ST_Intersects(a.geom, b.geom)"
            " JOIN boundaries_generation g ON g.id = a.generation_id AND g.active AND g.layer = 'admin'"
            " WHERE a.level = 'province' AND a.code = ANY(%s)",
            [pea.service_provinces, metro],
        )
        overlap = cursor.fetchone()[0]
    full_overlap = shape(whole["geometry"]).intersection(shape(full["geometry"])).area
    assert abs(full_overlap - overlap) <= overlap * 1e-3 + expected * 1e-9


@pytest.mark.django_db
def test_areas_from_boundaries_and_local_government(base):
    hall = get(f"{base}/items/PH-53").json()
    assert hall["properties"]["area_source"] == "boundary" and hall["properties"]["jurisdiction_code"] == "53"
    province = get(f"{base.rsplit('/', 1)[0]}/provinces/items/53").json()
    # the overview is the province's lighter boundary simplified within 110 m (1e-3°)
    assert shape(hall["geometry"]).hausdorff_distance(shape(province["geometry"])) <= 1.05e-3
    assert (
        abs(shape(hall["geometry"]).area - shape(province["geometry"]).area) <= shape(province["geometry"]).area * 0.01
    )
    full_hall = get(f"{base}/items/PH-53?resolution=full").json()
    full_province = get(f"{base.rsplit('/', 1)[0]}/provinces/items/53?resolution=full").json()
    assert full_hall["geometry"] == full_province["geometry"]  # the very same boundary
    town = get(f"{base}/items/5399").json()  # Uttaradit town municipality covers two subdistricts, one partly
    assert town["properties"]["area_source"] == "local_government" and town["properties"]["coverage"] == "approximate"
    drawn = get(f"{base.rsplit('/', 1)[0]}/local_government/items/5399").json()
    assert shape(town["geometry"]).hausdorff_distance(shape(drawn["geometry"])) <= 1.05e-3
    pao = get(f"{base}/items/PAO-53").json()
    assert pao["properties"]["area_source"] == "local_government" and pao["geometry"] == hall["geometry"]
    division = get(f"{base}/items/BKK-1001-PW").json()
    assert division["properties"]["kind"] == "bma_public_works"
    assert division["properties"]["jurisdiction_code"] == "1001"


def test_filters_paging_and_errors(base):
    utilities = get(f"{base}/items?kind=utility&precision=3").json()
    assert sorted(f["id"] for f in utilities["features"]) == ["MEA", "MWA", "PEA", "PWA"]
    assert get(f"{base}/items?code=DO-5301").json()["features"][0]["properties"]["area_source"] == "boundary"
    assert get(f"{base}/items?jurisdiction_code=5301").json()["numberMatched"] == 1
    # A point in Uttaradit town: its hall, district office, PAO, town, and the provincial utilities.
    boxed = get(f"{base}/items?bbox=100.09,17.61,100.11,17.63&precision=3&limit=50").json()
    ids = {f["id"] for f in boxed["features"]}
    assert {"PH-53", "DO-5301", "PAO-53", "5399", "PEA", "PWA"} <= ids and not ids & {"MEA", "MWA", "PH-10"}
    url, seen = f"{base}/items?kind=pao&limit=30&precision=2", []
    while url:
        doc = get(url).json()
        assert doc["numberMatched"] == 77
        seen += [f["id"] for f in doc["features"]]
        url = next((link["href"] for link in doc["links"] if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == 77
    for bad in ("colour=red", "resolution=half", "limit=0", "bbox=1,2"):
        reply = get(f"{base}/items?{bad}")
        assert reply.status == 400 and reply.json()["code"] == "InvalidParameterValue", bad


def test_an_explicit_area_wins_and_edits_show_at_once(base, django_db_blocker):
    square = MultiPolygon(Polygon.from_bbox((100.0, 17.0, 100.1, 17.1)), srid=4326)
    with django_db_blocker.unblock():
        agency = Agency.objects.create(
            code="TEST-AREA", name_th="ทดสอบ", kind="highway", service_area=square, categories=["road"]
        )
    try:
        doc = get(f"{base}/items/TEST-AREA").json()
        assert doc["properties"]["area_source"] == "explicit" and doc["properties"]["categories"] == "road"
        assert abs(shape(doc["geometry"]).area - 0.01) < 1e-9
        with django_db_blocker.unblock():
            agency.service_area = None
            agency.service_provinces = ["53"]
            agency.save()
        assert get(f"{base}/items/TEST-AREA").json()["properties"]["area_source"] == "provinces"
        with django_db_blocker.unblock():
            agency.active = False
            agency.save()
        assert get(f"{base}/items/TEST-AREA").status == 404
    finally:
        with django_db_blocker.unblock():
            agency.delete()


def test_gdal_reads_every_service_area(base, tmp_path):
    matched = get(f"{base}/items?limit=1").json()["numberMatched"]
    out = tmp_path / "service_areas.gpkg"
    root = base.split("/collections/")[0]
    result = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{root}", "service_areas", "-oo", "PAGE_SIZE=1000"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    info = subprocess.run(["ogrinfo", "-ro", "-so", str(out), "service_areas"], capture_output=True, text=True)
    assert f"Feature Count: {matched}" in info.stdout
    assert "area_source: String" in info.stdout and "Multi Polygon" in info.stdout
    sql = subprocess.run(
        ["ogrinfo", "-ro", "-q", str(out), "-sql", "SELECT code FROM service_areas WHERE area_source = 'provinces'"],
        capture_output=True,
        text=True,
    )
    assert sorted(line.split("=")[1].strip() for line in sql.stdout.splitlines() if "code (String)" in line) == [
        "MEA",
        "MWA",
        "PEA",
        "PWA",
    ]
