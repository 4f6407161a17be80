"""Subscriptions over real HTTP: registered through the API, pushed in feed order to a receiver on
loopback, retried with the same body and delivery id, refused batches kept as dead letters."""

import base64
import time

import pytest

from complaints.changes import Position
from subscriptions import push
from subscriptions.models import MAX_PER_KEY, Subscription

from .push_standins import QuickPolicy, Receiver, send
from .web import get, post, request

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}
TOWN_STAFF = {"Authorization": "Basic " + base64.b64encode(b"staff-5399:pw-5399").decode()}
# Changes reach a reader once no older transaction is open anywhere on the cluster (docs/follow-up.md).
HORIZON_WAIT_S = 600


@pytest.fixture(scope="module")
def api(live_api, credentials):
    return live_api + "/api/v1"


@pytest.fixture
def key(django_db_blocker):
    """A key per test: no other test's changes can reach its callbacks, however late they show."""
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        return IntakeKey.objects.issue("subscriptions-intake")[1]


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def subscribe(api, key, url, **extra):
    reply = post(f"{api}/subscriptions", {"callback_url": url, **extra}, headers=bearer(key))
    assert reply.status == 201, reply.body
    return reply.json()


def file(api, key):
    reply = post(f"{api}/complaints", {**UTTARADIT, "category": "road"}, headers=bearer(key))
    assert reply.status == 201, reply.body
    return reply.json()["id"]


def pushed(receiver):
    return [change for body in receiver.bodies() for change in body["changes"]]


def push_until(django_db_blocker, sub_id, done, timeout=HORIZON_WAIT_S):
    """Push (as a worker would) until `done()`; retries wait out their back-off in between."""
    deadline = time.monotonic() + timeout
    with django_db_blocker.unblock():
        while not done() and time.monotonic() < deadline:
            push.drain(sub_id, send=send, policy=QuickPolicy())
            time.sleep(0.05)
    assert done()


def test_changes_are_pushed_in_feed_order(api, key, django_db_blocker):
    with Receiver() as receiver:
        sub = subscribe(api, key, receiver.url + "/hook")
        assert sub["secret"].startswith("whsec_") and sub["state"] == "ok"
        cid = file(api, key)
        for action in ("start", "follow_up", "start", "finish"):
            assert post(f"{api}/complaints/{cid}/transitions", {"action": action}, headers=TOWN_STAFF).status == 200
        push_until(django_db_blocker, sub["id"], lambda: len(pushed(receiver)) >= 5)
        feed = get(f"{api}/changes?after={sub['position']}", headers=bearer(key)).json()
        assert pushed(receiver) == feed["changes"]  # the same changes, in the same order
        assert [(c["complaint_id"], c["event"], c["action"]) for c in feed["changes"]] == [
            (cid, "created", None),
            (cid, "transition", "start"),
            (cid, "transition", "follow_up"),
            (cid, "transition", "start"),
            (cid, "transition", "finish"),
        ]
        headers, _ = receiver.received[0]
        assert headers["x-delivery-kind"] == "changes" and headers["x-delivery-id"]
        state = get(f"{api}/subscriptions/{sub['id']}", headers=bearer(key)).json()
        assert state["delivered_changes"] == 5 and state["attempts"] == 0 and "secret" not in state
        # At or past the last batch's end: with nothing of its own left, the cursor follows the horizon.
        assert Position.parse(state["position"]) >= Position.parse(receiver.bodies()[-1]["next"])
        request(f"{api}/subscriptions/{sub['id']}", "DELETE", headers=bearer(key))


def test_a_failing_receiver_gets_the_same_batch_until_it_takes_it(api, key, django_db_blocker):
    statuses = {1: 500, 2: 503, 3: 429}
    with Receiver(lambda n: statuses.get(n, 200)) as receiver:
        sub = subscribe(api, key, receiver.url)
        file(api, key)
        push_until(django_db_blocker, sub["id"], lambda: len(receiver.received) >= 4)
        ids = {headers["x-delivery-id"] for headers, _ in receiver.received}
        bodies = {body for _, body in receiver.received}
        assert len(receiver.received) == 4 and len(ids) == 1 and len(bodies) == 1  # three failures, then taken
        with django_db_blocker.unblock():
            done = Subscription.objects.get(id=sub["id"])
            assert (done.delivered_changes, done.attempts, done.pending, done.last_status) == (1, 0, None, 200)
        request(f"{api}/subscriptions/{sub['id']}", "DELETE", headers=bearer(key))


def test_a_refused_batch_becomes_a_dead_letter_and_the_next_goes_out(api, key, django_db_blocker):
    with Receiver(lambda n: 422 if n == 1 else 200) as receiver:
        sub = subscribe(api, key, receiver.url)
        first = file(api, key)
        push_until(django_db_blocker, sub["id"], lambda: len(receiver.received) >= 1)
        second = file(api, key)
        push_until(django_db_blocker, sub["id"], lambda: len(receiver.received) >= 2)
        state = get(f"{api}/subscriptions/{sub['id']}", headers=bearer(key)).json()
        (letter,) = state["dead_letters"]
        assert letter["reason"] == "rejected" and letter["changes"] == 1 and letter["message"] == "HTTP 422"
        # The refused change is still in the feed, from the position the letter names.
        lost = get(f"{api}/changes?after={letter['after']}&limit=1", headers=bearer(key)).json()["changes"]
        assert [c["complaint_id"] for c in lost] == [first]
        assert [c["complaint_id"] for c in receiver.bodies()[-1]["changes"]] == [second]
        request(f"{api}/subscriptions/{sub['id']}", "DELETE", headers=bearer(key))


def test_registration_is_checked_and_only_the_owner_sees_it(api, key, credentials):
    url = "http://127.0.0.1:9/hook"
    bad = post(f"{api}/subscriptions", {"callback_url": "ftp://example.org/x"}, headers=bearer(key))
    assert bad.status == 400 and bad.json()["error"]["details"] == {"field": "callback_url"}
    bad_after = post(f"{api}/subscriptions", {"callback_url": url, "after": "nope"}, headers=bearer(key))
    assert bad_after.status == 400 and bad_after.json()["error"]["details"] == {"field": "after"}
    assert post(f"{api}/subscriptions", {"callback_url": url}, headers=TOWN_STAFF).status == 403
    assert get(f"{api}/subscriptions").status == 403
    mine = subscribe(api, key, url)
    listed = get(f"{api}/subscriptions", headers=bearer(key)).json()["results"]
    assert [s["id"] for s in listed] == [mine["id"]] and "secret" not in listed[0]
    other = bearer(credentials["key"])
    assert get(f"{api}/subscriptions/{mine['id']}", headers=other).status == 404
    assert request(f"{api}/subscriptions/{mine['id']}", "DELETE", headers=other).status == 404
    more = [subscribe(api, key, url)["id"] for _ in range(MAX_PER_KEY - 1)]
    over = post(f"{api}/subscriptions", {"callback_url": url}, headers=bearer(key))
    assert over.status == 409 and str(MAX_PER_KEY) in over.json()["error"]["message"]
    for sid in [mine["id"], *more]:
        assert request(f"{api}/subscriptions/{sid}", "DELETE", headers=bearer(key)).status == 204
    assert get(f"{api}/subscriptions/{mine['id']}", headers=bearer(key)).status == 404
