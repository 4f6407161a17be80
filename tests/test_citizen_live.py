"""Issue 17, over real HTTP (gunicorn behind nginx, the test database): "is it fixed?" asked through
the change feed and answered by the filing intake system only; moderation keeps hidden text out of
every public output; personal-data requests are for operators.

Committed data, so each test works in a district no other test files complaints in: Bo Kluea (Nan)
for confirmations, Chai Buri (Surat Thani) for moderation, and deletes its complaints at the end.
"""

import base64
import time
import xml.etree.ElementTree as ET

import pytest

from .web import get, post

BO_KLUEA = {"lon": 101.16, "lat": 19.15}  # Bo Kluea Tai (551202): the district office DO-5512
CHAI_BURI = {"lon": 99.0, "lat": 8.5}  # Khlong Noi (841803): SAO-841803
DISTRICTS = ("5512", "8418")


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def people(credentials, django_db_blocker):
    """A second intake key, staff of the two agencies and an operator (committed); the complaints
    these tests file are deleted afterwards."""
    from django.contrib.auth.models import User

    from access.models import IntakeKey, StaffProfile
    from complaints.models import Complaint
    from routing.models import Agency

    with django_db_blocker.unblock():
        _, other_key = IntakeKey.objects.issue("citizen-other-intake")
        users = {}
        for code in ("DO-5512", "SAO-841803"):
            user, _ = User.objects.get_or_create(username=f"citizen-staff-{code}")
            user.set_password("pw-citizen")
            user.save()
            StaffProfile.objects.update_or_create(user=user, defaults={"agency": Agency.objects.get(code=code)})
            users[code] = basic(user.username, "pw-citizen")
        operator, _ = User.objects.get_or_create(username="citizen-operator")
        operator.is_staff = True
        operator.set_password("pw-citizen")
        operator.save()
        users["operator"] = basic("citizen-operator", "pw-citizen")
    yield {
        "key": {"Authorization": f"Bearer {credentials['key']}"},
        "other_key": {"Authorization": f"Bearer {other_key}"},
        **users,
    }
    with django_db_blocker.unblock():
        Complaint.objects.filter(district_code__in=DISTRICTS).delete()


def file(live_api, headers, where, description, **extra):
    reply = post(
        f"{live_api}/api/v1/complaints",
        {**where, "category": "street_light", "description": description, **extra},
        headers=headers,
    )
    assert reply.status == 201, reply.body
    return reply.json()["id"]


def move(live_api, staff, cid, action, note=""):
    reply = post(f"{live_api}/api/v1/complaints/{cid}/transitions", {"action": action, "note": note}, headers=staff)
    assert reply.status == 200, reply.body
    return reply.json()


def feed_until(live_api, headers, cid, event, seconds=20):
    """The complaint's changes as the intake system reads them, once `event` has passed the horizon."""
    deadline = time.monotonic() + seconds
    while True:
        found = get(f"{live_api}/api/v1/changes?complaint={cid}&limit=1000", headers=headers).json()["changes"]
        if any(c["event"] == event for c in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_not_fixed_reopens_counts_and_only_the_filing_key_answers(live_api, people):
    cid = file(live_api, people["key"], BO_KLUEA, "ไฟถนนดับหน้าวัด", reporter={"contact": "0861110001"})
    staff = people["DO-5512"]
    before = get(f"{live_api}/api/v1/stats?group=district&area=5512").json()["rows"]
    assert [r["reopen_rate"] for r in before] == [0.0]
    answer = {"fixed": False, "rating": 2, "comment": "ยังดับอยู่ โทร 081-234-5678"}
    url = f"{live_api}/api/v1/complaints/{cid}/confirmation"
    assert post(url, answer, headers=people["key"]).json()["error"]["code"] == "no_question"  # not finished yet
    move(live_api, staff, cid, "start")
    move(live_api, staff, cid, "finish", "เปลี่ยนหลอดแล้ว")

    changes = feed_until(live_api, people["key"], cid, "confirmation_asked")
    question = next(c for c in changes if c["event"] == "confirmation_asked")
    assert question["data"]["answer_to"] == f"/api/v1/complaints/{cid}/confirmation"
    assert question["to"] == "finished" and question["data"]["expires_at"]

    other = post(url, answer, headers=people["other_key"])
    assert (other.status, other.json()["error"]["code"]) == (404, "not_found")
    assert post(url, answer).status == 401
    assert post(url, answer, headers=staff).status == 403
    for bad in ({"fixed": False, "rating": 6}, {"fixed": False, "rating": True}, {"rating": 3}, {"fixed": "no"}):
        reply = post(url, bad, headers=people["key"])
        assert reply.status == 400 and reply.json()["error"]["code"] == "invalid", bad

    reply = post(url, answer, headers=people["key"])
    assert reply.status == 200, reply.body
    assert (reply.json()["fixed"], reply.json()["rating"], reply.json()["status"]) == (False, 2, "waiting")
    again = post(url, {"fixed": True, "rating": 5}, headers=people["key"])
    assert (again.status, again.json()["error"]["code"]) == (409, "already_answered")

    detail = get(f"{live_api}/api/v1/complaints/{cid}").json()
    assert detail["status"] == "waiting" and detail["reopen_count"] == 1
    tail = [(h["event"], h["action"], h["to"]) for h in detail["history"][-3:]]
    assert tail == [
        ("confirmation_asked", None, "finished"),
        ("confirmation_given", None, "finished"),
        ("transition", "reopen", "waiting"),
    ]
    answered = detail["history"][-2]
    assert answered["note"] == "ยังดับอยู่ โทร [phone hidden]" and answered["actor"]["role"] == "intake"
    assert answered["data"] == {"confirmation": question["data"]["confirmation"], "fixed": False, "rating": 2}
    after = get(f"{live_api}/api/v1/stats?group=district&area=5512").json()["rows"]
    assert [r["reopen_rate"] for r in after] == [1.0]  # the one complaint here, reopened
    by_agency = get(f"{live_api}/api/v1/stats?group=agency&area=5512").json()["rows"]
    # One rating is below the minimum (5): counted, neither averaged nor ranked.
    assert [(r["key"], r["rating_count"], r["rating_mean"], r["rating_rank"], r["not_fixed"]) for r in by_agency] == [
        ("DO-5512", 1, None, None, 1)
    ]

    # Finished again: a new question, answered once; a second answer is a 409.
    move(live_api, staff, cid, "start")
    move(live_api, staff, cid, "finish")
    assert post(url, {"fixed": True, "rating": 4}, headers=people["key"]).status == 200
    twice = post(url, {"fixed": True, "rating": 5}, headers=people["key"])
    assert (twice.status, twice.json()["error"]["code"]) == (409, "already_answered")
    assert get(f"{live_api}/api/v1/complaints/{cid}").json()["status"] == "finished"


SECRET_TEXT = "ข้อความที่ถูกซ่อน-HIDDEN-7731"
SECRET_NOTE = "บันทึกที่ถูกซ่อน-NOTE-5519"


def test_hidden_description_and_note_are_absent_from_every_public_output(live_api, people):
    staff = people["SAO-841803"]
    cid = file(live_api, people["key"], CHAI_BURI, f"ถนนพัง {SECRET_TEXT}")
    assert SECRET_TEXT in get(f"{live_api}/open311/v2/requests/{cid}.json").body.decode()  # public until hidden
    move(live_api, staff, cid, "start", f"ตรวจแล้ว {SECRET_NOTE}")
    noted = get(f"{live_api}/api/v1/complaints/{cid}").json()["history"][-1]
    assert noted["note"].endswith(SECRET_NOTE)
    entry = get(f"{live_api}/open311/v2/servicerequestupdates.json?service_request_id={cid}").json()[-1]
    assert SECRET_NOTE in entry["description"]  # published before it is hidden

    url = f"{live_api}/api/v1/complaints/{cid}/moderation"
    assert post(url, {"target": "description", "reason": "x"}, headers=people["DO-5512"]).status == 403
    assert post(url, {"target": "description"}, headers=staff).json()["error"]["details"] == {"field": "reason"}
    done = post(url, {"target": "description", "reason": "ข้อความหมิ่นประมาท"}, headers=staff)
    assert done.status == 200 and done.json()["description"].endswith(SECRET_TEXT)  # the agency still reads it
    update_id = int(entry["update_id"])
    assert post(url, {"target": "note", "entry": update_id, "reason": "ชื่อบุคคล"}, headers=staff).status == 200

    public = {
        "native detail": get(f"{live_api}/api/v1/complaints/{cid}").body,
        "native list": get(f"{live_api}/api/v1/complaints?jurisdiction=8418").body,
        "native geojson": get(f"{live_api}/api/v1/complaints?jurisdiction=8418&format=geojson").body,
        "open311 json": get(f"{live_api}/open311/v2/requests/{cid}.json").body,
        "open311 xml": get(f"{live_api}/open311/v2/requests/{cid}.xml").body,
        "open311 updates": get(f"{live_api}/open311/v2/servicerequestupdates.json?service_request_id={cid}").body,
        "ogc": get(f"{live_api}/ogc/collections/complaints/items?district_code=8418&limit=1000").body,
        "changes (intake)": b"".join(str(c).encode() for c in feed_until(live_api, people["key"], cid, "moderated")),
        "changes (public)": get(f"{live_api}/api/v1/changes?complaint={cid}&limit=1000").body,
        "other agency's staff": get(f"{live_api}/api/v1/complaints/{cid}", headers=people["DO-5512"]).body,
    }
    for where, body in public.items():
        text = body.decode()
        assert SECRET_TEXT not in text and SECRET_NOTE not in text, where
    detail = get(f"{live_api}/api/v1/complaints/{cid}").json()
    assert detail["description"] is None and detail["description_hidden"] is True
    moderated = [h for h in detail["history"] if h["event"] == "moderated"]
    assert [(h["note"], h["data"], h["actor"]) for h in moderated] == [
        ("ข้อความหมิ่นประมาท", {"target": "description", "hidden": True}, {"role": "staff", "agency": "SAO-841803"}),
        ("ชื่อบุคคล", {"target": "note", "hidden": True, "entry": update_id}, {"role": "staff", "agency": "SAO-841803"}),
    ]
    root = ET.fromstring(public["open311 xml"])
    assert root.find("request/description").text is None
    own = get(f"{live_api}/api/v1/complaints/{cid}", headers=staff).json()
    assert own["description"].endswith(SECRET_TEXT) and any(
        h["note"] == f"ตรวจแล้ว {SECRET_NOTE}" for h in own["history"]
    )
    # The history records who and why, never the hidden text.
    assert SECRET_TEXT not in str(own["history"])
    assert own["history"][-1]["actor"]["name"] == "citizen-staff-SAO-841803 (SAO-841803)"


def test_personal_data_requests_are_for_operators(live_api, people):
    contact = "line:chaiburi_citizen_4471"
    cid = file(live_api, people["key"], CHAI_BURI, "ไฟดับ", reporter={"name": "ทดสอบ สิทธิ", "contact": contact})
    export = f"{live_api}/api/v1/personal-data/export"
    for who in (people["key"], people["SAO-841803"]):
        assert post(export, {"contact": contact}, headers=who).status == 403
    assert post(export, {"contact": contact}).status == 401
    assert post(export, {}, headers=people["operator"]).json()["error"]["details"] == {"field": "contact"}
    held = post(export, {"contact": contact}, headers=people["operator"]).json()
    assert [c["id"] for c in held["complaints"]] == [cid]
    assert held["complaints"][0]["reporter"] == {"name": "ทดสอบ สิทธิ", "contact": contact}
    erased = post(f"{live_api}/api/v1/personal-data/erase", {"contact": contact}, headers=people["operator"]).json()
    assert erased["anonymised"] == [cid]
    assert post(export, {"contact": contact}, headers=people["operator"]).json()["complaints"] == []
    detail = get(f"{live_api}/api/v1/complaints/{cid}").json()
    assert detail["status"] == "waiting" and detail["history"][-1]["event"] == "anonymised"
