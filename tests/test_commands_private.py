"""Internal notes never leave the agency, over real HTTP: not in the native API (public or the
agency's own staff), the change feed, a subscription's push, Open311 requests and request updates,
nor a delivery's payload; a public reply is in all of those. Also the new transition actions'
answers (reply, note, not_ours, a stale expected_revision)."""

import base64
import json

import pytest

from complaints.models import HistoryEntry
from delivery.models import Delivery
from subscriptions import push, wire

from .receivers import Receiver
from .test_subscriptions import QUICK, wait
from .web import get, post

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}  # the town municipality 5399's area
TOWN_STAFF = {"Authorization": "Basic " + base64.b64encode(b"staff-5399:pw-5399").decode()}
SECRET = "บันทึกภายใน-ห้ามเผยแพร่-7731"
REPLY = "ตอบกลับผู้แจ้ง-4410"


@pytest.fixture(scope="module")
def api(live_api, credentials):
    return live_api + "/api/v1"


@pytest.fixture
def key(django_db_blocker):
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        return IntakeKey.objects.issue("private-notes-intake")[1]


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def act(api, cid, body, headers=TOWN_STAFF):
    return post(f"{api}/complaints/{cid}/transitions", body, headers=headers)


def test_an_internal_note_is_in_no_public_output_and_a_reply_is(api, key, live_api, django_db_blocker):
    with Receiver() as receiver:
        sub = post(f"{api}/subscriptions", {"callback_url": receiver.url + "/hook"}, headers=bearer(key)).json()
        reply = post(f"{api}/complaints", {**UTTARADIT, "category": "road"}, headers=bearer(key))
        cid = reply.json()["id"]
        noted = act(api, cid, {"action": "note", "note": SECRET})
        assert noted.status == 200, noted.body
        replied = act(api, cid, {"action": "reply", "note": REPLY})
        assert replied.status == 200, replied.body
        # a forward after the note: its delivery's payload is built from the complaint as it is now
        assert act(api, cid, {"action": "forward", "agency": "DO-5301", "note": "ถนนของอำเภอ"}).status == 200

        with django_db_blocker.unblock():
            stored = HistoryEntry.with_internal.get(complaint_id=cid, event="internal_note")
            assert (stored.note, stored.actor_agency) == (SECRET, "5399")
            assert not HistoryEntry.objects.filter(complaint_id=cid, event="internal_note").exists()
            payloads = [json.dumps(d.payload, ensure_ascii=False) for d in Delivery.objects.filter(complaint_id=cid)]
            sub_id = sub["id"]
            wait(
                lambda: any(c["event"] == "transition" for c in pushed(receiver)),
                between=lambda: push.drain(sub_id, send=wire.send, policy=QUICK, clock=wire.now),
            )
        assert payloads and not any(SECRET in p for p in payloads)

        answers = {
            "public": get(f"{api}/complaints/{cid}").body,
            "staff": get(f"{api}/complaints/{cid}", headers=TOWN_STAFF).body,
            "transition answer": noted.body + replied.body,
            "feed": get(f"{api}/changes?complaint={cid}", headers=bearer(key)).body,
            "push": json.dumps(pushed(receiver), ensure_ascii=False).encode(),
            "open311 request": get(f"{live_api}/open311/v2/requests/{cid}.json").body,
            "open311 updates": get(f"{live_api}/open311/v2/servicerequestupdates.json?service_request_id={cid}").body,
        }
        for where, body in answers.items():
            text = body.decode()
            assert SECRET not in text and "internal_note" not in text, where
        for where in ("public", "staff", "push", "open311 updates"):
            assert REPLY in answers[where].decode(), where
        events = [c["event"] for c in pushed(receiver)]
        assert events[:3] == ["created", "reply", "transition"]


def pushed(receiver):
    return [change for body in receiver.bodies() for change in body["changes"]]


def test_moderation_cannot_show_an_internal_note(api, credentials, django_db_blocker):
    cid = post(f"{api}/complaints", {**UTTARADIT, "category": "road"}, headers=bearer(credentials["key"])).json()["id"]
    act(api, cid, {"action": "note", "note": SECRET})
    with django_db_blocker.unblock():
        entry = HistoryEntry.with_internal.get(complaint_id=cid, event="internal_note").id
    shown = post(
        f"{api}/complaints/{cid}/moderation",
        {"target": "note", "entry": entry, "reason": "ลองเปิด", "hidden": False},
        headers=TOWN_STAFF,
    )
    assert shown.status == 400 and json.loads(shown.body)["error"]["details"] == {"field": "entry"}


def test_the_new_actions_answer_in_the_api_error_shape(api, credentials):
    cid = post(f"{api}/complaints", {**UTTARADIT, "category": "road"}, headers=bearer(credentials["key"])).json()["id"]
    empty = act(api, cid, {"action": "reply"})
    assert (empty.status, json.loads(empty.body)["error"]["details"]) == (400, {"field": "note"})
    started = act(api, cid, {"action": "start", "expected_revision": 0})
    assert started.status == 200
    stale = act(api, cid, {"action": "reply", "note": "สวัสดี", "expected_revision": 0})
    error = json.loads(stale.body)["error"]
    assert (stale.status, error["code"]) == (409, "changed_meanwhile")
    assert (error["details"]["expected_revision"], error["details"]["revision"]) == (0, 1)
    assert error["details"]["complaint"]["status"] == "in_progress"
    bad = act(api, cid, {"action": "reply", "note": "x", "expected_revision": "one"})
    assert (bad.status, json.loads(bad.body)["error"]["details"]) == (400, {"field": "expected_revision"})
    returned = act(api, cid, {"action": "not_ours", "note": "ถนนทางหลวง", "expected_revision": 1})
    assert returned.status == 200, returned.body
    out = json.loads(returned.body)
    assert out["status"] == "waiting" and out["agency"]["code"] != "5399"
    assert out["history"][-1]["event"] == "returned"
