"""Duplicates over real HTTP (nginx + gunicorn on loopback): candidates in the filing answer and,
on request, in the route answer; staff merge, children follow, refusals in the native error shape;
statistics count one problem with its reports.

Complaints here are filed in Mueang Khon Kaen (district 4001), where no other test files any."""

import base64
from datetime import UTC, datetime

import pytest

from .web import get, post

KHON_KAEN = (102.8350, 16.4400)
DEG_PER_M = 1 / 110_700.0  # degrees of latitude per metre at 16.4° N


def at(metres_north, category="street_light", **extra):
    return {"lon": KHON_KAEN[0], "lat": KHON_KAEN[1] + metres_north * DEG_PER_M, "category": category, **extra}


@pytest.fixture(scope="module")
def api(live_api, django_db_blocker):
    # Complaints committed by an earlier run on a reused test database would be candidates too.
    from complaints.models import Complaint

    with django_db_blocker.unblock():
        Complaint.objects.filter(district_code="4001").exclude(status__in=["finished", "irrelevant"]).update(
            status="irrelevant"
        )
    return live_api + "/api/v1"


@pytest.fixture(scope="module")
def key(credentials):
    return {"Authorization": f"Bearer {credentials['key']}"}


def file(api, key, body):
    reply = post(f"{api}/complaints", body, headers=key)
    assert reply.status == 201, reply.body
    return reply.json()


@pytest.fixture(scope="module")
def staff(api, key, django_db_blocker):
    """A staff account of the agency street-light complaints at this point go to."""
    from django.contrib.auth.models import User

    from access.models import StaffProfile
    from routing.models import Agency

    code = post(f"{api}/route", at(0)).json()["agency"]["code"]
    with django_db_blocker.unblock():
        user, _ = User.objects.get_or_create(username="staff-dupes")
        user.set_password("pw-dupes")
        user.save()
        StaffProfile.objects.update_or_create(user=user, defaults={"agency": Agency.objects.get(code=code)})
    return {"Authorization": "Basic " + base64.b64encode(b"staff-dupes:pw-dupes").decode()}


def test_filing_answers_with_the_candidates(api, key):
    first = file(api, key, at(0, description="ไฟถนนดับหน้าบ้าน เสาที่ 12"))
    assert first["duplicates"]["candidates"] == []
    assert (first["duplicates"]["radius_m"], first["duplicates"]["days"]) == (50, 7)
    twin = file(api, key, at(20, description="ไฟดับหน้าบ้าน เสา 12"))
    far = file(api, key, at(200))
    other = file(api, key, at(20, "road"))
    assert [c["id"] for c in twin["duplicates"]["candidates"]] == [first["id"]]
    found = twin["duplicates"]["candidates"][0]
    assert 19 <= found["distance_m"] <= 21 and found["age_hours"] < 1 and found["status"] == "waiting"
    assert 0.5 < found["score"] <= 1
    assert far["duplicates"]["candidates"] == [] and other["duplicates"]["candidates"] == []


def test_route_returns_candidates_only_when_asked(api, key):
    parent = file(api, key, at(1000))
    plain = post(f"{api}/route", at(1010))
    assert plain.status == 200 and "duplicates" not in plain.json()
    asked = post(f"{api}/route", at(1010, duplicates=True, description="ไฟดับ"))
    assert [c["id"] for c in asked.json()["duplicates"]["candidates"]] == [parent["id"]]
    by_query = post(f"{api}/route?duplicates=1", at(1010))
    assert [c["id"] for c in by_query.json()["duplicates"]["candidates"]] == [parent["id"]]
    assert post(f"{api}/route", at(1100, duplicates=True)).json()["duplicates"]["candidates"] == []
    for body, code in [
        (at(1010, duplicates="yes"), "invalid"),
        ({"lon": 102.835, "lat": 16.45, "duplicates": True}, "invalid"),
    ]:
        reply = post(f"{api}/route", body)
        assert reply.status == 400 and reply.json()["error"]["code"] == code


def test_staff_merge_children_follow_and_refusals_are_4xx(api, key, staff):
    parent = file(api, key, at(2000))
    child = file(api, key, at(2015))
    assert [c["id"] for c in child["duplicates"]["candidates"]] == [parent["id"]]
    merge = f"{api}/complaints/{child['id']}/merge"
    assert post(merge, {"parent": parent["id"]}, headers=key).status == 403  # an intake key is not staff
    merged = post(merge, {"parent": parent["id"], "note": "เสาเดียวกัน"}, headers=staff)
    assert merged.status == 200, merged.body
    assert merged.json()["parent"] == parent["id"]
    assert [h["event"] for h in merged.json()["history"]] == ["created", "merged"]

    refusals = [
        (merge, {"parent": child["id"]}, 400, "self_merge"),
        (f"{api}/complaints/{parent['id']}/merge", {"parent": child["id"]}, 409, "merge_cycle"),
        (merge, {"parent": "x"}, 400, "invalid"),
        (merge, {"parent": 2**62}, 400, "invalid"),
        (f"{api}/complaints/{child['id']}/transitions", {"action": "start"}, 409, "merged"),
    ]
    for url, body, status, code in refusals:
        reply = post(url, body, headers=staff)
        assert reply.status == status and reply.json()["error"]["code"] == code, (url, body, reply.body)

    for action in ("start", "finish"):
        assert post(f"{api}/complaints/{parent['id']}/transitions", {"action": action}, headers=staff).status == 200
    assert get(f"{api}/complaints/{parent['id']}").json()["reports"] == [child["id"]]
    doc = get(f"{api}/complaints/{child['id']}").json()
    assert doc["status"] == "finished" and doc["parent"] == parent["id"] and doc["reports"] == []
    assert [(h["event"], h["to"]) for h in doc["history"]] == [
        ("created", "waiting"),
        ("merged", "waiting"),
        ("transition", "in_progress"),
        ("transition", "finished"),
        ("confirmation_asked", "finished"),  # its reporter is asked "is it fixed?" as well
    ]
    # A finished parent takes no more reports.
    late = file(api, key, at(2010))
    closed = post(f"{api}/complaints/{late['id']}/merge", {"parent": parent["id"]}, headers=staff)
    assert closed.status == 409 and closed.json()["error"]["code"] == "parent_closed"
    assert post(f"{api}/complaints/{parent['id']}/transitions", {"action": "reopen"}, headers=staff).status == 200
    doc = get(f"{api}/complaints/{child['id']}").json()
    assert (doc["status"], doc["reopen_count"]) == ("waiting", 1)

    unmerged = post(f"{api}/complaints/{child['id']}/unmerge", {}, headers=staff)
    assert unmerged.status == 200 and unmerged.json()["parent"] is None
    assert len(unmerged.json()["history"]) == 7  # created, merged, start, finish, asked, reopen, unmerged
    again = post(f"{api}/complaints/{child['id']}/unmerge", {}, headers=staff)
    assert again.status == 409 and again.json()["error"]["code"] == "not_merged"


def test_the_reporters_intake_system_reads_the_merge_in_its_feed(api, key, staff):
    parent = file(api, key, at(3000))
    child = file(api, key, at(3010))
    assert post(f"{api}/complaints/{child['id']}/merge", {"parent": parent["id"]}, headers=staff).status == 200
    assert post(f"{api}/complaints/{parent['id']}/transitions", {"action": "start"}, headers=staff).status == 200
    seen, after = [], ""
    for _ in range(50):
        page = get(f"{api}/changes?limit=1000&after={after}", headers=key).json()
        seen += [c for c in page["changes"] if c["complaint_id"] == child["id"]]
        after = page["next"]
        if not page["more"] and len(seen) >= 3:
            break
    assert [(c["event"], c["to"], c["data"].get("parent")) for c in seen] == [
        ("created", "waiting", None),
        ("merged", "waiting", parent["id"]),
        ("transition", "in_progress", parent["id"]),
    ]


def test_statistics_count_one_problem_with_its_reports(api, key, staff):
    since = datetime.now(UTC).isoformat()
    parent = file(api, key, at(4000))
    for metres in (4005, 4010):
        child = file(api, key, at(metres))
        assert post(f"{api}/complaints/{child['id']}/merge", {"parent": parent["id"]}, headers=staff).status == 200
    file(api, key, at(4000, "road"))
    reply = get(f"{api}/stats?group=district&area=4001&since={since.replace('+', '%2B')}")
    row = {r["key"]: r for r in reply.json()["rows"]}["4001"]
    assert (row["complaints"], row["problems"], row["followers"], row["open"]) == (4, 2, 2, 2)
