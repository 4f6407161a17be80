"""Browser-facing hygiene over real HTTP through the front: CSP on pages, CORS on the public read
APIs, 405 (not a CSRF page) for wrong methods, periods that end before they start, and one type
for `reason`."""

import pytest

from .web import get, post, request

ORIGIN = {"Origin": "https://maps.example.org"}


def test_pages_carry_a_content_security_policy_that_lets_maplibre_run(live_api):
    page = get(f"{live_api}/")
    assert page.status == 200
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["worker-src"] == "'self' blob:" and policy["img-src"] == "'self' data: blob:"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    docs = get(f"{live_api}/api/docs/")
    assert docs.status == 200 and "content-security-policy" in docs.headers
    assert b"<script>" not in docs.body  # the docs' own script is a file, as the policy requires
    assert "content-security-policy" not in get(f"{live_api}/api/v1/health").headers


@pytest.mark.parametrize(
    "path",
    ["/ogc/collections", "/tiles/provinces.json", "/open311/v2/services.json", "/ogc"],
)
def test_public_read_apis_allow_other_origins(live_api, path):
    reply = get(live_api + path, headers=ORIGIN)
    assert reply.status == 200 and reply.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in reply.headers


def test_cors_preflight_and_what_is_left_out(live_api):
    preflight = request(
        f"{live_api}/ogc/collections/provinces/items",
        method="OPTIONS",
        headers={**ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status == 200 and "GET" in preflight.headers["access-control-allow-methods"]
    # The native API is for intake systems and the map page on this origin.
    assert "access-control-allow-origin" not in get(f"{live_api}/api/v1/complaints", headers=ORIGIN).headers


def test_exposed_headers_name_the_cache_and_rate_headers(live_api):
    reply = get(f"{live_api}/ogc/collections", headers=ORIGIN)
    exposed = {h.strip().lower() for h in reply.headers["access-control-expose-headers"].split(",")}
    assert exposed == {"etag", "last-modified", "retry-after"}


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/ogc/collections", "ogc"),
        ("/tiles/provinces/5/24/14.mvt", "ogc"),
        ("/open311/v2/services.json", "open311"),
        ("/open311/v2/requests/1.json", "open311"),
        ("/", "native"),
        ("/livez", "native"),
    ],
)
def test_a_wrong_method_is_a_405_in_the_endpoints_shape_not_a_csrf_page(live_api, path, shape):
    reply = post(live_api + path, b"x=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 405 and reply.headers["allow"] == "GET, HEAD"
    assert reply.headers["content-type"].startswith("application/json")
    doc = reply.json()
    if shape == "ogc":
        assert doc["code"] == "MethodNotAllowed"
    elif shape == "open311":
        assert doc == [{"code": 405, "description": "POST is not allowed here; use GET"}]
    else:
        assert doc["error"]["code"] == "method_not_allowed"


def test_a_period_that_ends_before_it_starts_is_a_400(live_api):
    late, early = "2026-02-01T00:00:00%2B07:00", "2026-01-01T00:00:00%2B07:00"
    open311 = get(f"{live_api}/open311/v2/requests.json?start_date={late}&end_date={early}")
    assert open311.status == 400 and open311.json() == [
        {"code": 400, "description": "start_date: must not be after end_date"}
    ]
    for path in ("/api/v1/stats", "/api/v1/stats/trend", "/api/v1/complaints"):
        reply = get(f"{live_api}{path}?since={late}&until={early}")
        assert reply.status == 400, path
        assert reply.json()["error"]["details"] == {"parameter": "since"}
    # In order, the same period is fine.
    assert get(f"{live_api}/open311/v2/requests.json?start_date={early}&end_date={late}").status == 200


def test_reason_is_an_object_in_both_languages_matched_or_not(live_api):
    at_sea = post(f"{live_api}/api/v1/route", {"lon": 99.0, "lat": 7.0}).json()
    assert at_sea["status"] == "unmatched"
    assert at_sea["reason"] == {
        "th": "จุดนี้ไม่อยู่ในเขตการปกครองใด จึงส่งต่อหน่วยงานไม่ได้",
        "en": "no agency: the point is not inside Thailand's subdivisions"
        " (outside every boundary: at sea or outside Thailand)",
    }
    batch = post(
        f"{live_api}/api/v1/route/batch", {"points": [{"lon": 99.0, "lat": 7.0}, {"lon": 100.5018, "lat": 13.7563}]}
    ).json()
    assert [sorted(r["reason"]) for r in batch["results"]] == [["en", "th"], ["en", "th"]]
    schema = get(f"{live_api}/api/schema/", headers={"Accept": "application/json"}).json()
    result = schema["components"]["schemas"]["RouteResult"]["properties"]["reason"]
    assert result == {"$ref": "#/components/schemas/Reason"}
    assert sorted(schema["components"]["schemas"]["Reason"]["required"]) == ["en", "th"]
