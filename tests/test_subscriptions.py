"""Subscriptions over real HTTP: registered through the API, pushed in feed order to a receiver on
loopback, signed like agency webhooks, retried with the same body and delivery id, refused batches
kept as dead letters; and end to end through the workers, escalation notices included."""

import base64
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from complaints.changes import Position
from complaints.models import Complaint
from delivery.models import ESCALATION, Delivery
from delivery.policy import RetryPolicy
from delivery.signing import verify
from geo.workers import Workers
from routing.models import Agency
from subscriptions import push, wire
from subscriptions.models import MAX_PER_KEY, Subscription

from .receivers import Receiver
from .web import get, post, request

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}
BAN_DAN = {"lon": 100.2785, "lat": 17.6538}  # an SAO's area: escalates to district office DO-5301
TOWN_STAFF = {"Authorization": "Basic " + base64.b64encode(b"staff-5399:pw-5399").decode()}
# Retries a fraction of a second apart, so the tests do not wait for real back-off.
QUICK = RetryPolicy(base_s=0.05, cap_s=0.2)
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


def file(api, key, where=UTTARADIT, category="road"):
    reply = post(f"{api}/complaints", {**where, "category": category}, headers=bearer(key))
    assert reply.status == 201, reply.body
    return reply.json()["id"]


def pushed(receiver):
    return [change for body in receiver.bodies() for change in body["changes"]]


def wait(done, timeout=HORIZON_WAIT_S, between=None):
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        if between:
            between()
        time.sleep(0.05)
    assert done()


def push_until(django_db_blocker, sub_id, done):
    """Push in this process (as a worker would) until `done()`; retries wait out their back-off."""
    with django_db_blocker.unblock():
        wait(done, between=lambda: push.drain(sub_id, send=wire.send, policy=QUICK, clock=wire.now))


def test_changes_are_pushed_in_feed_order_and_signed(api, key, django_db_blocker):
    with Receiver() as receiver:
        sub = subscribe(api, key, receiver.url + "/hook")
        assert sub["secret"].startswith("whsec_") and sub["state"] == "ok"
        cid = file(api, key)
        for action in ("start", "follow_up", "start", "finish"):
            assert post(f"{api}/complaints/{cid}/transitions", {"action": action}, headers=TOWN_STAFF).status == 200
        push_until(django_db_blocker, sub["id"], lambda: len(pushed(receiver)) >= 6)
        feed = get(f"{api}/changes?after={sub['position']}", headers=bearer(key)).json()
        assert pushed(receiver) == feed["changes"]  # the same changes, in the same order
        assert [(c["complaint_id"], c["event"], c["action"]) for c in feed["changes"]] == [
            (cid, "created", None),
            (cid, "transition", "start"),
            (cid, "transition", "follow_up"),
            (cid, "transition", "start"),
            (cid, "transition", "finish"),
            (cid, "confirmation_asked", None),  # "is it fixed?", for the reporter
        ]
        got = receiver.received[0]
        assert got.headers["x-delivery-kind"] == "changes"
        assert verify(sub["secret"], got.headers["x-timestamp"], got.body, got.headers["x-signature"], time.time())
        assert not verify("whsec_other", got.headers["x-timestamp"], got.body, got.headers["x-signature"], time.time())
        state = get(f"{api}/subscriptions/{sub['id']}", headers=bearer(key)).json()
        assert state["delivered_changes"] == 6 and state["attempts"] == 0 and "secret" not in state
        # At or past the last batch's end: with nothing of its own left, the cursor follows the horizon.
        assert Position.parse(state["position"]) >= Position.parse(receiver.bodies()[-1]["next"])
        request(f"{api}/subscriptions/{sub['id']}", "DELETE", headers=bearer(key))


def test_a_failing_receiver_gets_the_same_batch_until_it_takes_it(api, key, django_db_blocker):
    answers = iter([500, 503, 429])

    def flaky(received):
        return next(answers, 200), {"Retry-After": "0"}, b"{}"

    with Receiver(flaky) as receiver:
        sub = subscribe(api, key, receiver.url)
        file(api, key)
        push_until(django_db_blocker, sub["id"], lambda: len(receiver.received) >= 4)
        ids = {r.headers["x-delivery-id"] for r in receiver.received}
        bodies = {r.body for r in receiver.received}
        assert len(receiver.received) == 4 and len(ids) == 1 and len(bodies) == 1  # three failures, then taken
        with django_db_blocker.unblock():
            done = Subscription.objects.get(id=sub["id"])
            assert (done.delivered_changes, done.attempts, done.pending, done.last_status) == (1, 0, None, 200)
        request(f"{api}/subscriptions/{sub['id']}", "DELETE", headers=bearer(key))


def test_a_refused_batch_becomes_a_dead_letter_and_the_next_goes_out(api, key, django_db_blocker):
    refuse = {"on": True}

    def strict(received):
        return (422 if refuse["on"] else 200), {}, b"{}"

    with Receiver(strict) as receiver:
        sub = subscribe(api, key, receiver.url)
        first = file(api, key)
        push_until(django_db_blocker, sub["id"], lambda: len(receiver.received) >= 1)
        refuse["on"] = False
        second = file(api, key)
        push_until(django_db_blocker, sub["id"], lambda: len(receiver.received) >= 2)
        state = get(f"{api}/subscriptions/{sub['id']}", headers=bearer(key)).json()
        (letter,) = state["dead_letters"]
        # The class of the answer only: what the receiver said is for operators (docs/delivery.md#outbound).
        assert (letter["reason"], letter["changes"], letter["message"]) == ("rejected", 1, "http_4xx")
        # The refused change is still in the feed, from the position the letter names.
        lost = get(f"{api}/changes?after={letter['after']}&limit=1", headers=bearer(key)).json()["changes"]
        assert [c["complaint_id"] for c in lost] == [first]
        assert [c["complaint_id"] for c in receiver.bodies()[-1]["changes"]] == [second]
        request(f"{api}/subscriptions/{sub['id']}", "DELETE", headers=bearer(key))


def test_registration_is_checked_and_only_the_owner_sees_it(api, key, credentials):
    url = "http://127.0.0.1:9999/hook"  # nothing listens there: registering does not call it
    bad = post(f"{api}/subscriptions", {"callback_url": "ftp://example.org/x"}, headers=bearer(key))
    assert bad.status == 400 and bad.json()["error"]["details"] == {"field": "callback_url", "rule": "scheme"}
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


@pytest.fixture
def database_url(django_db_blocker, live_api):
    settings_dict = connection.settings_dict
    host = quote(settings_dict["HOST"], safe="")
    return f"postgis://{settings_dict['USER']}@{host}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.fixture
def district_office_webhook(django_db_blocker):
    """Mueang Uttaradit's district office reachable by webhook for one test, then as it was."""
    with django_db_blocker.unblock():
        office = Agency.objects.get(code="DO-5301")
        before = office.webhook_url
        with Receiver() as receiver:
            Agency.objects.filter(id=office.id).update(webhook_url=receiver.url + "/do-5301")
            yield receiver
        Agency.objects.filter(id=office.id).update(webhook_url=before)


def test_the_workers_push_changes_and_escalate_at_the_deadline(
    api, key, django_db_blocker, database_url, district_office_webhook
):
    """Real worker processes: a recorded change wakes its subscription's pusher; the periodic sweep
    escalates a complaint past its deadline, the district office gets the notice by webhook and the
    intake system hears of the escalation through its subscription."""
    quick = {"GEO_SUBSCRIPTION_SWEEP_CRON": "* * * * * */2", "GEO_ESCALATION_CRON": "* * * * * */2"}
    with Receiver() as receiver, Workers(database_url, extra_env=quick):
        sub = subscribe(api, key, receiver.url)
        cid = file(api, key, where=BAN_DAN)
        wait(lambda: [c["event"] for c in pushed(receiver)] == ["created"])
        with django_db_blocker.unblock():
            past = timezone.now() - timedelta(minutes=1)
            Complaint.objects.filter(id=cid).update(due_at=past, alarm_at=past)
        # The escalation, then the notice's delivery to the district office, both in the feed.
        wait(lambda: len(pushed(receiver)) >= 3)
        events = [(c["complaint_id"], c["event"]) for c in pushed(receiver)]
        assert events == [(cid, "created"), (cid, "escalated"), (cid, "delivered")]
        escalated, delivered = pushed(receiver)[1:]
        assert escalated["data"]["to_agency"] == "DO-5301" and escalated["data"]["level"] == 1
        assert delivered["data"]["agency"] == "DO-5301" and delivered["data"]["kind"] == ESCALATION
        wait(lambda: district_office_webhook.bodies())
        notice = district_office_webhook.bodies()[0]
        assert district_office_webhook.received[0].headers["x-delivery-kind"] == ESCALATION
        assert str(cid) in str(notice)
        with django_db_blocker.unblock():
            assert Delivery.objects.filter(complaint_id=cid, kind=ESCALATION, agency__code="DO-5301").exists()
        request(f"{api}/subscriptions/{sub['id']}", "DELETE", headers=bearer(key))
