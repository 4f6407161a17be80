"""POST /api/v1/route's fast path (api/fast_path.py) answers exactly as the DRF view does, and
hands everything else to it without charging the client twice."""

import json

import pytest

from .web import answer_of_active_generation, post

BANGKOK = {"lon": 100.5018, "lat": 13.7563, "category": "road"}


@pytest.fixture(scope="module")
def api(live_api):
    return live_api + "/api/v1"


def _issue_key(django_db_blocker, name, rate):
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        return IntakeKey.objects.issue(name, rate=rate)[1]


def test_the_bangkok_answer_written_down(api, thailand, django_db_blocker):
    reply, g = answer_of_active_generation(f"{api}/route", {**BANGKOK, "id": "a-1"}, django_db_blocker)
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == {
        "id": "a-1",
        "lon": 100.5018,
        "lat": 13.7563,
        "status": "matched",
        "generation": g,
        "jurisdictions": {
            "subdistrict": {
                "code": "100107",
                "name_th": "บวรนิเวศ",
                "name_en": "Bowon Niwet",
                "generation": g,
                "on_boundary": False,
            },
            "district": {
                "code": "1001",
                "name_th": "เขตพระนคร",
                "name_en": "Phra Nakhon",
                "generation": g,
                "on_boundary": False,
            },
            "province": {
                "code": "10",
                "name_th": "กรุงเทพมหานคร",
                "name_en": "Bangkok",
                "generation": g,
                "on_boundary": False,
            },
            "local_government": {
                "code": "BMA",
                "kind": "bma",
                "name_th": "กรุงเทพมหานคร",
                "name_en": "Bangkok Metropolitan Administration",
                "coverage": "bma",
                "confidence": "exact",
            },
        },
        "on_boundary": False,
        "categories": ["road"],
        "agency": {
            "code": "BKK-1001-PW",
            "name_th": "ฝ่ายโยธา สำนักงานเขตพระนคร",
            "name_en": "Public Works Division, Phra Nakhon District Office",
            "kind": "bma_public_works",
        },
        "reason": {
            "th": "จุดนี้อยู่ในแขวงบวรนิเวศ (100107) เขตพระนคร; กฎ: ถนน → ฝ่ายโยธา",
            "en": "the point is in Bowon Niwet (100107), Phra Nakhon; rule: Road -> public works division",
        },
        "confidence": "exact",
        "rule": {
            "id": 7,
            "note": "Bangkok roads: the khet's public works division",
            "chain": ["bma_public_works", "bma_district_office"],
        },
        "alternatives": [],
    }


@pytest.mark.parametrize(
    "body",
    [
        BANGKOK,
        {"lon": 100.0997, "lat": 17.6201, "categories": ["street_light", "road"], "id": 7},
        {"lon": 99.0, "lat": 7.0},  # at sea
        {"lon": 100.5018, "lat": 13.7563, "within": 0},
    ],
)
def test_fast_and_drf_paths_answer_the_same_bytes(api, body):
    fast = post(f"{api}/route", body)
    # A query string sends the request through DRF's view (duplicates=0 asks for nothing more).
    drf = post(f"{api}/route?duplicates=0", body)
    assert (fast.status, fast.body) == (drf.status, drf.body) and fast.status == 200
    for header in ("content-type", "allow", "vary", "content-length"):
        assert fast.headers.get(header) == drf.headers.get(header), header
    assert fast.headers["allow"] == "POST, OPTIONS"


@pytest.mark.parametrize("number", [b"1234567890123456789012345", b"-9223372036854775809"])
def test_integers_beyond_64_bits_are_read_as_the_standard_parser_reads_them(api, number):
    # orjson would give a float; the fast path hands the body on and the id comes back exact.
    raw = b'{"lon": 100.5018, "lat": 13.7563, "id": %s}' % number
    reply = post(f"{api}/route", raw, headers={"Content-Type": "application/json"})
    assert reply.status == 200 and b'"id":%s,' % number in reply.body


def test_errors_keep_the_api_shape(api):
    reply = post(f"{api}/route", {"lon": 100.5, "lat": "x"})
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid_point"
    raw = b'{"lon": 100.5, "lat": 13.7, "category": "ro\\u0000ad"}'
    reply = post(f"{api}/route", raw, headers={"Content-Type": "application/json"})
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid"


def test_a_request_handed_on_is_charged_once(api, django_db_blocker):
    key = _issue_key(django_db_blocker, "fast-path-charge", "4/min")
    headers = {"Authorization": f"Bearer {key}"}
    bad = {"lon": "east", "lat": 13.7}
    statuses = [post(f"{api}/route", body, headers=headers).status for body in (bad, bad, BANGKOK, BANGKOK, BANGKOK)]
    # Charged twice, the second bad request would have left room for one good one only.
    assert statuses == [400, 400, 200, 200, 429]


def test_an_unknown_key_is_refused_by_drf(api):
    reply = post(f"{api}/route", BANGKOK, headers={"Authorization": "Bearer not-a-key"})
    assert reply.status == 401 and reply.json()["error"]["code"] == "authentication_failed"
    assert json.loads(reply.body)["error"]["message"] == "unknown or revoked API key"
