"""Complaint intake and tracking over real HTTP: stored exactly once, routed, moved, corrected."""

import base64
import json
import threading
import uuid

import pytest

from complaints.models import Complaint

from .web import get, post, request

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}
BANGKOK = {"lon": 100.5018, "lat": 13.7563}


@pytest.fixture(scope="module")
def api(live_api):
    return live_api + "/api/v1"


@pytest.fixture(scope="module")
def keys(credentials):
    return credentials


def bearer(key, **extra):
    return {"Authorization": f"Bearer {key}", **extra}


def basic(user_password):
    user, password = user_password
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def file(api, keys):
    def send(body, **headers):
        return post(f"{api}/complaints", body, headers=bearer(keys["key"], **headers))

    return send


@pytest.fixture
def stored(django_db_blocker):
    def count(**filters):
        with django_db_blocker.unblock():
            return Complaint.objects.filter(**filters).count()

    return count


def complaint(**extra):
    return {
        **UTTARADIT,
        "category": "street_light",
        "description": "ไฟดับทั้งซอย",
        "reporter": {"name": "สมชาย", "contact": "081-234-5678"},
        **extra,
    }


def test_file_a_complaint_routed_with_a_reason(file, stored):
    key = str(uuid.uuid4())
    reply = file(complaint(), **{"Idempotency-Key": key})
    assert reply.status == 201
    doc = reply.json()
    assert doc["status"] == "waiting" and doc["agency"]["code"] == "5399"
    assert "covered completely by Uttaradit Town Municipality" in doc["reason"]["en"]
    assert doc["jurisdictions"]["subdistrict"]["code"] == "530101"
    assert [h["event"] for h in doc["history"]] == ["created"]
    assert reply.headers["location"] == f"/api/v1/complaints/{doc['id']}"
    assert "สมชาย" not in reply.body.decode() and "081-234-5678" not in reply.body.decode()
    assert stored(idempotency_key=key) == 1


def test_retries_with_the_same_key_return_the_first_and_store_once(file, stored):
    key = str(uuid.uuid4())
    first = file(complaint(), **{"Idempotency-Key": key})
    again = file(complaint(), **{"Idempotency-Key": key})
    assert first.status == 201 and again.status == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    clash = file(complaint(category="road"), **{"Idempotency-Key": key})
    assert clash.status == 409 and clash.json()["error"]["code"] == "idempotency_conflict"
    assert stored(idempotency_key=key) == 1


def test_concurrent_retries_store_exactly_one(file, stored):
    key = str(uuid.uuid4())
    ids, statuses = [], []

    def send():
        reply = file(complaint(), **{"Idempotency-Key": key})
        statuses.append(reply.status)
        ids.append(reply.json()["id"])

    threads = [threading.Thread(target=send) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1 and sorted(statuses).count(201) == 1 and set(statuses) <= {200, 201}
    assert stored(idempotency_key=key) == 1


def test_the_intake_systems_own_ticket_id_also_deduplicates(file, stored):
    ticket = f"LINE-{uuid.uuid4()}"
    a = file(complaint(client_ticket_id=ticket))
    b = file(complaint(client_ticket_id=ticket))
    assert (a.status, b.status) == (201, 200) and a.json()["id"] == b.json()["id"]
    assert a.json()["source"] == "test-intake"  # the key names the intake system
    assert stored(source="test-intake", client_ticket_id=ticket) == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"lon": 17.62, "lat": 100.09, "category": "road"}, 400, "invalid_point"),
        ({"lon": "NaN", "lat": 17.6, "category": "road"}, 400, "invalid_point"),
        ({"lat": 17.6, "category": "road"}, 400, "invalid_point"),
        ({**UTTARADIT, "category": "unicorns"}, 400, "unknown_category"),
        ({"lon": 99.0, "lat": 7.0, "category": "road"}, 400, "invalid"),
        ({**UTTARADIT, "photo_url": "javascript:alert(1)"}, 400, "invalid"),
        ({**UTTARADIT, "description": 42}, 400, "invalid"),
        ({**UTTARADIT, "description": "x" * (1024 * 1024)}, 413, "body_too_large"),
    ],
)
def test_bad_complaints_are_refused_and_nothing_is_stored(file, stored, body, status, code):
    marker = f"bad-{uuid.uuid4()}"
    reply = file({**body, "client_ticket_id": marker})
    assert reply.status == status and reply.json()["error"]["code"] == code
    assert stored(client_ticket_id=marker) == 0


def test_malformed_json_is_400(api, keys):
    headers = bearer(keys["key"], **{"Content-Type": "application/json"})
    reply = request(f"{api}/complaints", "POST", '{"lon": 100,', headers=headers)
    assert reply.status == 400 and reply.json()["error"]["code"] == "malformed_request"


def move(api, complaint_id, action, who, **extra):
    return post(f"{api}/complaints/{complaint_id}/transitions", {"action": action, **extra}, headers=basic(who))


def test_every_state_with_history_and_illegal_moves_are_409(api, file, keys):
    town, pea = keys["staff"]["5399"], keys["staff"]["PEA"]
    cid = file(complaint()).json()["id"]
    assert move(api, cid, "finish", town).status == 409
    for action, expected in [("start", "in_progress"), ("follow_up", "follow_up"), ("start", "in_progress")]:
        assert move(api, cid, action, town).json()["status"] == expected
    done = move(api, cid, "finish", town, note="เปลี่ยนหลอดแล้ว", photo_url="https://example.org/after.jpg").json()
    assert done["status"] == "finished"
    reopened = move(api, cid, "reopen", town, note="ดับอีกแล้ว").json()
    assert reopened["status"] == "waiting" and reopened["reopen_count"] == 1
    bad_forward = move(api, cid, "forward", town, agency="NOPE", note="x")
    assert bad_forward.status == 400 and bad_forward.json()["error"]["details"]["field"] == "agency"
    assert move(api, cid, "start", pea).status == 403  # not PEA's complaint yet
    forwarded = move(api, cid, "forward", town, agency="PEA", note="สายไฟของการไฟฟ้า").json()
    assert forwarded["status"] == "forwarded" and forwarded["agency"]["code"] == "PEA"
    assert move(api, cid, "start", town).status == 403  # no longer the town's
    assert move(api, cid, "reject", pea, note="ซ้ำ").json()["status"] == "irrelevant"
    illegal = move(api, cid, "start", pea)
    assert illegal.status == 409 and illegal.json()["error"]["details"]["allowed"] == ["reopen"]
    history = get(f"{api}/complaints/{cid}").json()["history"]
    assert [h["action"] for h in history] == [
        None,
        "start",
        "follow_up",
        "start",
        "finish",
        None,  # "is it fixed?" asked of the reporter through the intake system
        "reopen",
        "forward",
        "reject",
    ]
    assert history[5]["event"] == "confirmation_asked"
    finish = history[4]
    # Published as agency and role: the staff member's user name is not public.
    assert (
        finish["actor"] == {"role": "staff", "agency": "5399"}
        and finish["photo_url"] == "https://example.org/after.jpg"
    )
    assert history[7]["data"] == {"from_agency": "5399", "to_agency": "PEA"}


def patch(api, cid, body, who):
    headers = {**basic(who), "Content-Type": "application/json"}
    return request(f"{api}/complaints/{cid}", "PATCH", json.dumps(body), headers=headers)


def test_a_corrected_pin_routes_again_and_is_in_the_history(api, file, keys):
    cid = file(complaint()).json()["id"]
    reply = patch(api, cid, BANGKOK, keys["staff"]["5399"])
    doc = reply.json()
    assert reply.status == 200 and doc["agency"]["code"] == "BKK-1001-PW"
    rerouted = doc["history"][-1]
    assert rerouted["event"] == "rerouted" and rerouted["data"]["before"]["agency"] == "5399"
    assert rerouted["data"]["after"]["agency"] == "BKK-1001-PW" and rerouted["actor"] == {
        "role": "staff",
        "agency": "5399",
    }
    assert patch(api, cid, {"category": "water_supply"}, keys["staff"]["5399"]).status == 403  # not theirs now
    category = patch(api, cid, {"category": "water_supply"}, keys["staff"]["BKK-1001-PW"]).json()
    assert category["agency"]["code"] == "MWA" and category["categories"] == ["water_supply"]


def test_list_filters_and_geojson(api, file):
    tag = str(uuid.uuid4())[:8]
    bkk = file({**BANGKOK, "category": "cleanliness", "description": tag}).json()
    file(complaint(description=tag))
    by_agency = get(f"{api}/complaints?agency=BKK-1001-CL&category=cleanliness").json()
    assert bkk["id"] in [c["id"] for c in by_agency["results"]]
    assert all(c["agency"]["code"] == "BKK-1001-CL" for c in by_agency["results"])
    in_khet = get(f"{api}/complaints?jurisdiction=1001&status=waiting").json()
    assert bkk["id"] in [c["id"] for c in in_khet["results"]]
    boxed = get(f"{api}/complaints?bbox=100.49,13.75,100.51,13.76").json()
    assert {c["id"] for c in boxed["results"]} >= {bkk["id"]}
    assert all(13.75 <= c["lat"] <= 13.76 for c in boxed["results"])
    reply = get(f"{api}/complaints?format=geojson&agency=BKK-1001-CL&limit=1")
    doc = reply.json()
    assert reply.headers["content-type"] == "application/geo+json" and doc["numberReturned"] == 1
    assert doc["features"][0]["geometry"]["type"] == "Point"
    assert "reporter" not in json.dumps(doc)
    assert get(f"{api}/complaints?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z").json()["count"] == 0
    assert get(f"{api}/complaints?since=yesterday").status == 400
    assert get(f"{api}/complaints?status=lost").status == 400
    assert get(f"{api}/complaints/999999999").status == 404


def test_writes_need_credentials(api, keys, stored):
    marker = f"anon-{uuid.uuid4()}"
    anonymous = post(f"{api}/complaints", complaint(client_ticket_id=marker))
    assert anonymous.status in (401, 403) and anonymous.json()["error"]["code"] in (
        "not_authenticated",
        "permission_denied",
    )
    revoked = post(f"{api}/complaints", complaint(client_ticket_id=marker), headers=bearer(keys["revoked_key"]))
    assert revoked.status == 401 and revoked.json()["error"]["code"] == "authentication_failed"
    wrong = post(f"{api}/complaints", complaint(client_ticket_id=marker), headers=basic(("staff-PEA", "nope")))
    assert wrong.status == 401
    assert stored(client_ticket_id=marker) == 0
    cid = post(f"{api}/complaints", complaint(), headers=bearer(keys["key"])).json()["id"]
    assert post(f"{api}/complaints/{cid}/transitions", {"action": "start"}).status in (401, 403)
    # An intake key files complaints; it does not work them.
    assert post(f"{api}/complaints/{cid}/transitions", {"action": "start"}, headers=bearer(keys["key"])).status == 403


def test_a_key_over_its_rate_gets_429_with_retry_after(api, keys):
    statuses = []
    for _ in range(8):  # two serving processes, 3/min each: at most 6 pass
        reply = post(f"{api}/complaints", complaint(), headers=bearer(keys["slow_key"]))
        statuses.append(reply.status)
        if reply.status == 429:
            assert int(reply.headers["retry-after"]) > 0
            assert reply.json()["error"]["code"] == "throttled"
    # Counts are per serving process (two workers here): the limit of 3/min bites by the 7th at most.
    assert 429 in statuses and statuses.count(201) <= 6


def test_stats_as_json_csv_and_choropleth(api, file):
    file({**BANGKOK, "category": "road"})
    rows = get(f"{api}/stats?group=district&area=10").json()["rows"]
    phra_nakhon = next(r for r in rows if r["key"] == "1001")
    assert phra_nakhon["complaints"] >= 1 and phra_nakhon["name_en"] == "Phra Nakhon"
    csv_reply = get(f"{api}/stats?group=category&format=csv")
    assert csv_reply.headers["content-type"].startswith("text/csv")
    assert csv_reply.body.decode("utf-8-sig").splitlines()[0].startswith("key,name_th,name_en,complaints")
    choropleth = get(f"{api}/stats?group=district&area=10&format=geojson&simplify=0.01").json()
    assert len(choropleth["features"]) == 50
    feature = next(f for f in choropleth["features"] if f["id"] == "1001")
    assert feature["properties"]["complaints"] >= 1 and feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert get(f"{api}/stats/trend?interval=week").json()["rows"]
    assert get(f"{api}/stats/top?group=district&n=2").json()["rows"]
    assert get(f"{api}/stats?group=planet").status == 400
    assert get(f"{api}/stats?group=agency&format=geojson").status == 400
    assert get(f"{api}/stats?since=tomorrow").status == 400
