"""The boundaries API over real HTTP, against the whole country in PostGIS."""

import json

import pytest
from shapely.geometry import shape

from .web import get

GEOJSON = "application/geo+json"


@pytest.fixture(scope="module")
def api(live_api):
    return live_api + "/api/v1"


def test_provinces_are_77_valid_features(api):
    reply = get(f"{api}/boundaries?level=province")
    assert reply.status == 200 and reply.headers["content-type"] == GEOJSON
    doc = reply.json()
    assert doc["type"] == "FeatureCollection" and doc["numberMatched"] == 77 and len(doc["features"]) == 77
    for feature in doc["features"]:
        assert shape(feature["geometry"]).is_valid
        assert feature["id"] == feature["properties"]["code"]
    assert {f["properties"]["code"] for f in doc["features"]} >= {"10", "53"}


@pytest.mark.parametrize(("level", "count"), [("district", 928), ("subdistrict", 7436)])
def test_other_levels_are_counted_and_paged(api, level, count):
    doc = get(f"{api}/boundaries?level={level}&limit=5&simplify=0.01").json()
    assert doc["numberMatched"] == count and doc["numberReturned"] == 5
    following = next(link["href"] for link in doc["links"] if link["rel"] == "next")
    page2 = get(following).json()
    assert page2["numberReturned"] == 5
    assert not {f["id"] for f in page2["features"]} & {f["id"] for f in doc["features"]}
    last = get(f"{api}/boundaries?level={level}&limit=5&offset={count - 2}&simplify=0.01").json()
    assert last["numberReturned"] == 2 and not [x for x in last["links"] if x["rel"] == "next"]


def test_bbox_returns_what_intersects(api):
    # A small box in Mueang Uttaradit.
    doc = get(f"{api}/boundaries?level=district&bbox=100.09,17.61,100.11,17.63").json()
    assert [f["properties"]["code"] for f in doc["features"]] == ["5301"]


def test_simplify_and_precision_shrink_the_answer(api):
    full = get(f"{api}/boundaries/53").body
    small = get(f"{api}/boundaries/53?simplify=0.01&precision=3").body
    assert len(small) * 20 < len(full)
    coords = json.loads(small)["geometry"]["coordinates"]
    first = coords[0][0] if isinstance(coords[0][0][0], float) else coords[0][0][0]
    assert all(len(str(v).split(".")[-1]) <= 3 for v in first)


def test_detail_by_code(api):
    reply = get(f"{api}/boundaries/530101")
    feature = reply.json()
    assert reply.status == 200 and reply.headers["content-type"] == GEOJSON
    assert feature["properties"]["name_en"] == "Tha It" and feature["properties"]["parent_code"] == "5301"
    assert feature["properties"]["pcode"] == "TH530101"


def test_generation_parameter(api, thailand):
    doc = get(f"{api}/boundaries?level=province&generation={thailand.id}&simplify=0.1").json()
    assert doc["numberMatched"] == 77
    assert {f["properties"]["generation"] for f in doc["features"]} == {thailand.id}
    assert get(f"{api}/boundaries?generation=999999").status == 404


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("level=county", "level"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=100,18,99,17", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=0,0,200,1", "bbox"),
        ("precision=99", "precision"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("offset=-1", "offset"),
        ("generation=abc", "generation"),
        ("simplify=nan", "simplify"),
    ],
)
def test_bad_parameters_are_400_with_one_error_shape(api, query, parameter):
    reply = get(f"{api}/boundaries?{query}")
    assert reply.status == 400
    error = reply.json()["error"]
    assert error["code"] == "invalid_parameter" and error["details"]["parameter"] == parameter
    assert error["message"].startswith(parameter + ":")


def test_unknown_code_and_path_are_404_in_the_same_shape(api):
    for url in (f"{api}/boundaries/000000", f"{api}/nothing-here"):
        reply = get(url)
        assert reply.status == 404 and reply.json()["error"]["code"] == "not_found"


def test_health(api, thailand):
    doc = get(f"{api}/health").json()
    assert doc["status"] == "ok" and doc["database"]["reachable"] is True
    admin = next(g for g in doc["generations"] if g["layer"] == "admin")
    assert admin["id"] == thailand.id
    assert admin["boundaries"] == {"district": 928, "province": 77, "subdistrict": 7436}
