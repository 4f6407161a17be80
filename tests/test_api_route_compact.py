"""POST /api/v1/route/batch?compact=1: per point its id, status, codes and agency code only."""

import time

import pytest

from .web import post


def active_admin_generation(django_db_blocker) -> int:
    from boundaries.models import Generation

    with django_db_blocker.unblock():
        return Generation.objects.get(layer="admin", active=True).id


UTTARADIT = {"lon": 100.0997, "lat": 17.6201}


@pytest.fixture(scope="module")
def api(live_api):
    return live_api + "/api/v1"


def test_compact_answer_written_down(api, thailand, django_db_blocker):
    points = [
        {"id": "utt", **UTTARADIT, "category": "street_light"},
        {"id": "bkk", "lon": 100.5018, "lat": 13.7563, "category": "road"},
        {"id": "sea", "lon": 99.0, "lat": 7.0},
    ]
    # Other modules activate copies of the country (generation switches). The shared server
    # swaps its matcher in the background within a poll or two of the switch: wait for it.
    active = active_admin_generation(django_db_blocker)
    deadline = time.monotonic() + 120
    while True:
        reply = post(f"{api}/route/batch?compact=1", {"points": points})
        assert reply.status == 200
        if reply.json()["generation"] == active or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert reply.json() == {
        "generation": active,
        "count": 3,
        "results": [
            {
                "id": "utt",
                "status": "matched",
                "province_code": "53",
                "district_code": "5301",
                "subdistrict_code": "530101",
                "agency_code": "5399",
            },
            {
                "id": "bkk",
                "status": "matched",
                "province_code": "10",
                "district_code": "1001",
                "subdistrict_code": "100107",  # PostGIS ST_Covers
                "agency_code": "BKK-1001-PW",
            },
            {
                "id": "sea",
                "status": "unmatched",
                "province_code": None,
                "district_code": None,
                "subdistrict_code": None,
                "agency_code": None,
            },
        ],
    }


def test_compact_agrees_with_the_full_answer(api):
    points = [
        {"id": i, "lon": 100.0 + (i % 100) * 0.01, "lat": 13.3 + (i // 100) * 0.01, "category": "road"}
        for i in range(3000)
    ]
    full = post(f"{api}/route/batch", {"points": points}).json()["results"]
    compact = post(f"{api}/route/batch?compact=true", {"points": points}).json()["results"]
    assert len(compact) == len(full) == 3000
    for f, c in zip(full, compact, strict=True):
        codes = {
            level: f["jurisdictions"].get(level, {}).get("code") for level in ("province", "district", "subdistrict")
        }
        assert c == {
            "id": f["id"],
            "status": f["status"],
            **{f"{level}_code": code for level, code in codes.items()},
            "agency_code": f["agency"]["code"] if f["agency"] else None,
        }


def test_compact_flag_is_checked(api):
    reply = post(f"{api}/route/batch?compact=yes", {"points": [UTTARADIT]})
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid"
    assert "compact" in reply.json()["error"]["message"]
    reply = post(f"{api}/route/batch?compact=0", {"points": [UTTARADIT]})
    assert reply.status == 200 and "jurisdictions" in reply.json()["results"][0]
