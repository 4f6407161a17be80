"""POST /api/v1/route and /route/batch over real HTTP against the national snapshot."""

import json
import time

import pytest
from django.db import connection

from boundaries.generations import activate
from boundaries.models import Generation

from .web import post

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}


@pytest.fixture(scope="module")
def api(live_api):
    return live_api + "/api/v1"


def test_route_one_point(api, thailand):
    reply = post(f"{api}/route", {**UTTARADIT, "category": "road"})
    assert reply.status == 200
    doc = reply.json()
    assert doc["status"] == "matched" and doc["generation"] == thailand.id
    assert {level: j["code"] for level, j in doc["jurisdictions"].items()} == {
        "province": "53",
        "district": "5301",
        "subdistrict": "530101",
        "local_government": "5399",
    }
    assert doc["jurisdictions"]["province"]["name_en"] == "Uttaradit"
    assert doc["categories"] == ["road"] and doc["on_boundary"] is False
    assert doc["agency"]["code"] == "5399" and doc["agency"]["name_th"] == "เทศบาลเมืองอุตรดิตถ์"
    assert doc["jurisdictions"]["local_government"]["coverage"] == "completely"
    assert "Tha It (530101)" in doc["reason"]["en"] and "ท่าอิฐ" in doc["reason"]["th"]


def test_route_at_sea_is_unmatched_with_reason(api):
    doc = post(f"{api}/route", {"lon": 99.0, "lat": 7.0}).json()
    assert doc["status"] == "unmatched" and doc["jurisdictions"] == {} and "sea" in doc["reason"]["en"]


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"lon": 17.62, "lat": 100.09}, "lat", "look swapped"),
        ({"lon": 200, "lat": 10}, "lon", "-180..180"),
        ({"lon": "100.1", "lat": 17.6}, "lon", "must be a number"),
        ({"lon": True, "lat": 17.6}, "lon", "must be a number"),
        ({"lat": 17.6}, "lon", "missing"),
        ({"lon": 100.1, "lat": 17.6, "category": 5}, "category", "category code"),
        ({"lon": 100.1, "lat": 17.6, "categories": "road"}, "category", "list"),
    ],
)
def test_bad_points_are_400s_that_say_why(api, body, field, fragment):
    reply = post(f"{api}/route", body)
    assert reply.status == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid_point" and error["details"]["field"] == field and fragment in error["message"]


def test_swapped_pair_inside_valid_ranges_gets_a_hint(api):
    # lat 13.7 / lon 100.5 swapped gives lon 13.7, lat 100.5 (out of range); a subtler swap stays in range:
    reply = post(f"{api}/route", {"lon": 15.0, "lat": 100.0})
    assert reply.status == 400 and "did you mean lon=100.0, lat=15.0" in reply.json()["error"]["message"]
    reply = post(f"{api}/route", {"lon": 16.0, "lat": 88.0})
    assert reply.status == 200  # valid and not Thailand either way: an honest unmatched answer
    assert reply.json()["status"] == "unmatched"


def test_malformed_json_nan_and_wrong_media_type(api):
    for body, headers in [
        ('{"lon": 100.5,', {"Content-Type": "application/json"}),
        ('{"lon": NaN, "lat": 13}', {"Content-Type": "application/json"}),
        ("lon=100&lat=13", {"Content-Type": "application/x-www-form-urlencoded"}),
    ]:
        reply = post(f"{api}/route", body, headers=headers)
        assert reply.status in (400, 415)
        assert set(reply.json()["error"]) >= {"code", "message"}


def test_batch_answers_in_input_order(api, thailand):
    points = [
        {"id": "bkk", "lon": 100.5018, "lat": 13.7563, "category": "flooding"},
        {"id": "sea", "lon": 99.0, "lat": 7.0},
        {"id": "utt", **UTTARADIT},
    ]
    doc = post(f"{api}/route/batch", {"points": points}).json()
    assert doc["count"] == 3 and doc["generation"] == thailand.id
    assert [r["id"] for r in doc["results"]] == ["bkk", "sea", "utt"]
    assert [r["status"] for r in doc["results"]] == ["matched", "unmatched", "matched"]
    assert doc["results"][0]["jurisdictions"]["province"]["code"] == "10"
    single = post(f"{api}/route", points[0]).json()
    assert single == doc["results"][0]


def test_batch_as_geojson_feature_collection(api):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "f1",
                "geometry": {"type": "Point", "coordinates": [100.5018, 13.7563]},
                "properties": {"category": "street_light"},
            },
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [100.0997, 17.6201]}, "properties": {}},
        ],
    }
    doc = post(f"{api}/route/batch", fc, headers={"Content-Type": "application/geo+json"}).json()
    assert [r["id"] for r in doc["results"]] == ["f1", 1]
    assert doc["results"][0]["categories"] == ["street_light"]
    assert doc["results"][0]["agency"]["kind"] == "bma_public_works"
    assert doc["results"][1]["jurisdictions"]["district"]["code"] == "5301"


def test_batch_names_every_bad_item(api):
    points = [
        {"id": "ok", "lon": 100.5, "lat": 13.7},
        {"id": "swap", "lon": 13.7, "lat": 100.5},
        "not an object",
        {"id": "nan-string", "lon": "NaN", "lat": 13.7},
    ]
    reply = post(f"{api}/route/batch", {"points": points})
    assert reply.status == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid_points" and "3 of 4" in error["message"]
    assert [(p["index"], p["id"], p["field"]) for p in error["details"]] == [
        (1, "swap", "lat"),
        (2, None, "point"),
        (3, "nan-string", "lon"),
    ]


def test_unknown_category_is_400_listing_the_known_ones(api):
    reply = post(f"{api}/route", {**UTTARADIT, "category": "unicorns"})
    error = reply.json()["error"]
    assert reply.status == 400 and error["code"] == "unknown_category"
    assert "unicorns" in error["message"] and "street_light" in error["message"]
    reply = post(f"{api}/route/batch", {"points": [{**UTTARADIT, "category": "road"}, {**UTTARADIT, "category": "x"}]})
    assert reply.status == 400 and reply.json()["error"]["details"][0]["index"] == 1


def test_oversized_batch_is_413(api):
    points = [{"lon": 100.5, "lat": 13.7}] * 10_001
    reply = post(f"{api}/route/batch", {"points": points})
    assert reply.status == 413 and reply.json()["error"]["code"] == "batch_too_large"
    assert "10000" in reply.json()["error"]["message"] or "10,000" in reply.json()["error"]["message"]
    huge = json.dumps({"points": [{"id": "x" * 1000, "lon": 100.5, "lat": 13.7}] * 9000})
    reply = post(f"{api}/route/batch", huge, headers={"Content-Type": "application/json"})
    assert reply.status == 413 and reply.json()["error"]["code"] == "body_too_large"


def test_full_batch_of_10000(api):
    points = [{"id": i, "lon": 100.3 + (i % 100) * 0.004, "lat": 13.6 + (i // 100) * 0.003} for i in range(10_000)]
    reply = post(f"{api}/route/batch", {"points": points})
    assert reply.status == 200
    results = reply.json()["results"]
    assert len(results) == 10_000 and [r["id"] for r in results] == list(range(10_000))
    # PostGIS says 9,991 of these grid points lie in a subdistrict (ST_Covers over the active
    # generation); the other 9 are at sea off Samut Prakan and are snapped or unmatched.
    assert sum(r["status"] == "matched" for r in results) == 9_991
    assert {r["status"] for r in results} - {"matched"} <= {"snapped", "unmatched"}


def test_within_parameter(api):
    assert post(f"{api}/route", {**UTTARADIT, "within": 0}).json()["status"] == "matched"
    for bad in (5000, -1, "50", True):
        reply = post(f"{api}/route", {**UTTARADIT, "within": bad})
        assert reply.status == 400 and reply.json()["error"]["message"].startswith("within:")


def test_serving_processes_switch_generation_without_mixing(api, thailand, django_db_blocker):
    """Copy the national generation, activate the copy, and watch both gunicorn workers move to it.

    No django_db mark: the writes must be committed for the server processes to see them.
    """
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO boundaries_generation (layer, description, report, fingerprint, created, active)"
            " VALUES ('admin', 'copy for a switch test', '{}', '', now(), false) RETURNING id"
        )
        copy_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO boundaries_boundary (generation_id, level, code, pcode, name_th, name_en, parent_code, source,"
            " geom) SELECT %s, level, code, pcode, name_th, name_en, parent_code, source, geom"
            " FROM boundaries_boundary WHERE generation_id = %s",
            [copy_id, thailand.id],
        )
    try:
        with django_db_blocker.unblock():
            activate(copy_id)
        seen = set()
        deadline = time.monotonic() + 120
        points = [{"id": i, "lon": 100.0997, "lat": 17.6201} for i in range(200)]
        while time.monotonic() < deadline:
            doc = post(f"{api}/route/batch", {"points": points}).json()
            generations = {doc["generation"]} | {
                j["generation"] for r in doc["results"] for j in r["jurisdictions"].values() if "generation" in j
            }
            assert len(generations) == 1, f"one response mixed generations {generations}"
            seen |= generations
            if doc["generation"] == copy_id:
                # Both workers must get there: several more answers all from the new generation.
                later = [post(f"{api}/route", UTTARADIT).json()["generation"] for _ in range(20)]
                if set(later) == {copy_id}:
                    break
            time.sleep(0.2)
        assert copy_id in seen and set(later) == {copy_id}
    finally:
        with django_db_blocker.unblock():
            activate(thailand.id)
            Generation.objects.filter(id=copy_id).delete()


def test_openapi_schema_and_docs_are_served(live_api):
    from .web import get

    schema = get(f"{live_api}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    assert schema.status == 200
    doc = schema.json()
    assert doc["openapi"].startswith("3.") and "/api/v1/route/batch" in doc["paths"]
    assert "Idempotency-Key" in str(doc["paths"]["/api/v1/complaints"]["post"]["parameters"])
    docs = get(f"{live_api}/api/docs/")
    assert docs.status == 200 and b"swagger" in docs.body.lower()
    asset = get(f"{live_api}/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status == 200  # served locally: the docs page needs no CDN
