"""POST /api/v1/route/batch's fast path (point columns checked with numpy, answers joined from
fragments encoded once per key) answers the same bytes as the DRF view's per-point path, and
the answer is the one written down here."""

import numpy as np
import pytest

from .web import answer_of_active_generation, post

# Accept with a parameter: DRF's negotiation reads it, so the request takes the DRF view's path.
VIA_DRF = {"Content-Type": "application/json", "Accept": "application/json; q=0.9"}
CATEGORIES = ["road", "drain", "street_light", "flooding", None]


@pytest.fixture(scope="module")
def api(live_api):
    return live_api + "/api/v1"


def _vertices(django_db_blocker, code_prefix: str, count: int) -> list[tuple[float, float]]:
    """Corners of subdistrict boundaries: points on edges shared by two polygons or more."""
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_X(p.geom), ST_Y(p.geom) FROM boundaries_boundary b"
            " JOIN boundaries_generation g ON g.id = b.generation_id AND g.active AND g.layer = 'admin',"
            " ST_DumpPoints(b.geom) p WHERE b.level = 'subdistrict' AND b.code LIKE %s"
            " ORDER BY b.code, p.path LIMIT %s",
            [code_prefix + "%", count],
        )
        return cursor.fetchall()


def _points(vertices) -> list[dict]:
    rng = np.random.default_rng(7)
    lon = np.concatenate([rng.normal(100.55, 0.09, 600), rng.uniform(97.5, 105.5, 1400)]).round(6)
    lat = np.concatenate([rng.normal(13.76, 0.07, 600), rng.uniform(5.8, 20.3, 1400)]).round(6)
    out = []
    for k in range(len(lon)):
        item = {"lon": float(lon[k]), "lat": float(lat[k])}
        if k % 7:  # some without an id: their index is theirs
            item["id"] = f"p{k}" if k % 3 else k
        category = CATEGORIES[k % len(CATEGORIES)]
        if category and k % 11 == 0:
            item["categories"] = [category, "road"]
        elif category:
            item["category"] = category
        out.append(item)
    out += [{"id": f"v{k}", "lon": x, "lat": y, "category": "road"} for k, (x, y) in enumerate(vertices)]
    out += [{"id": None, "lon": 100, "lat": 14, "category": "drain"}, {"id": "thai ไทย", "lon": 100.5, "lat": 13.7}]
    return out


def _compact_of(full: dict) -> dict:
    codes = {
        level: full["jurisdictions"].get(level, {}).get("code") for level in ("province", "district", "subdistrict")
    }
    return {
        "id": full["id"],
        "status": full["status"],
        **{f"{level}_code": code for level, code in codes.items()},
        "agency_code": full["agency"]["code"] if full["agency"] else None,
    }


@pytest.mark.parametrize("query", ["", "?compact=1", "?compact=0"])
@pytest.mark.parametrize("within", [None, 1000])
def test_fast_and_drf_batches_answer_the_same_bytes(api, thailand, django_db_blocker, query, within):
    body = {"points": _points(_vertices(django_db_blocker, "1001", 40) + _vertices(django_db_blocker, "5301", 40))}
    if within is not None:
        body["within"] = within  # coasts and borders within a kilometre: snapped points
    fast = post(f"{api}/route/batch{query}", body)
    drf = post(f"{api}/route/batch{query}", body, headers=VIA_DRF)
    assert fast.status == drf.status == 200
    assert fast.body == drf.body
    assert fast.headers["content-type"] == drf.headers["content-type"] == "application/json"
    results = fast.json()["results"]
    if query == "?compact=1":
        # One compact encoder answers both paths: its reference is the DRF view's full answer.
        full = post(f"{api}/route/batch", body, headers=VIA_DRF).json()["results"]
        assert results == [_compact_of(f) for f in full]
    if not query or query == "?compact=0":
        statuses = {r["status"] for r in results}
        assert {"matched", "unmatched"} <= statuses and ("snapped" in statuses or not within)
        assert any(r["on_boundary"] for r in results)
        assert any(r["jurisdictions"].get("local_government", {}).get("confidence") == "partial" for r in results)


@pytest.mark.parametrize("query", ["", "?compact=1"])
def test_an_empty_batch_answers_no_results(api, query):
    reply = post(f"{api}/route/batch{query}", {"points": []})
    assert reply.status == 200 and (reply.json()["count"], reply.json()["results"]) == (0, [])
    assert reply.body.endswith(b',"count":0,"results":[]}')


def test_a_repeated_batch_answers_the_same(api):
    body = {"points": _points([])}
    first = post(f"{api}/route/batch", body).body
    assert post(f"{api}/route/batch", body).body == first  # the second from remembered fragments


def test_the_full_batch_answer_written_down(api, thailand, django_db_blocker):
    points = [{"id": "bkk", "lon": 100.5018, "lat": 13.7563, "category": "road"}, {"lon": 99.0, "lat": 7.0}]
    reply, g = answer_of_active_generation(f"{api}/route/batch", {"points": points}, django_db_blocker)
    assert reply.status == 200
    assert reply.json() == {
        "generation": g,
        "count": 2,
        "results": [
            {
                "id": "bkk",
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
            },
            {
                "id": 1,
                "lon": 99.0,
                "lat": 7.0,
                "status": "unmatched",
                "generation": g,
                "jurisdictions": {},
                "on_boundary": False,
                "categories": [],
                "agency": None,
                "reason": {
                    "th": "จุดนี้ไม่อยู่ในเขตการปกครองใด จึงส่งต่อหน่วยงานไม่ได้",
                    "en": "no agency: the point is not inside Thailand's subdivisions"
                    " (outside every boundary: at sea or outside Thailand)",
                },
                "confidence": "none",
                "rule": None,
                "alternatives": [],
            },
        ],
    }


def test_bad_batches_keep_their_errors(api):
    reply = post(f"{api}/route/batch", {"points": [{"lon": 100.5, "lat": 13.7}, {"lon": True, "lat": 13.7}]})
    assert reply.status == 400 and reply.json()["error"]["details"][0]["field"] == "lon"
    reply = post(f"{api}/route/batch", {"points": [{"lon": 100.5, "lat": 13.7, "category": "no-such"}]})
    assert reply.status == 400 and reply.json()["error"]["code"] == "unknown_category"
    deep = {"points": [{"lon": 100.5, "lat": 13.7, "x": [1]}]}
    for _ in range(35):
        deep["points"][0]["x"] = [deep["points"][0]["x"]]
    assert post(f"{api}/route/batch", deep).status == 200  # 36 levels: allowed, as before
    deeper = {"points": [{"lon": 100.5, "lat": 13.7, "x": [1]}]}
    for _ in range(70):
        deeper["points"][0]["x"] = [deeper["points"][0]["x"]]
    reply = post(f"{api}/route/batch", deeper)
    assert reply.status == 400 and "nested more than 64 levels deep" in reply.json()["error"]["message"]
