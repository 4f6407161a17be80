"""One slow receiver occupies at most its own share (issue 25, item 6), over the real job workers:
two keys with ten callbacks each that hang, and a third key's push and an agency's delivery still
leave within seconds. Before the per-tenant slots (delivery/slots.py), the hanging pushes took
every worker thread and the third key waited for them (26 s in the issue; over 20 s here with the
slots switched off: GEO_TEST_PER_TENANT=0 runs the same test without them and checks that the
third key then waits; docs/delivery.md#outbound)."""

import os
import threading
import time

import pytest
from django.db import connection, transaction

from complaints import changes
from complaints.models import Complaint
from delivery import outbox
from geo.workers import Workers
from routing.models import Agency
from subscriptions.models import MAX_PER_KEY, Subscription

from .receivers import Receiver
from .web import post

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}  # the town municipality's (5399) area
HANG_S = 25  # the hanging receivers answer after this long (or when the test lets them go)
BOUND_S = 5.0  # the third key's push and the delivery leave within this, counted from when they can
PER_TENANT = int(os.environ.get("GEO_TEST_PER_TENANT", "2"))  # the default, 2; 0: no slots


@pytest.fixture(scope="module")
def api(live_api, credentials):
    return live_api + "/api/v1"


def issue(django_db_blocker, name):
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        return IntakeKey.objects.issue(name)


def file(api, token):
    reply = post(f"{api}/complaints", {**UTTARADIT, "category": "road"}, headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 201, reply.body
    return reply.json()["id"]


class Hanging:
    """Answers after HANG_S unless let go earlier; counts how many requests it holds at once."""

    def __init__(self):
        self.go = threading.Event()
        self.lock = threading.Lock()
        self.holding = self.most = 0
        self.receiver = Receiver(self.respond)

    def respond(self, received):
        with self.lock:
            self.holding += 1
            self.most = max(self.most, self.holding)
        self.go.wait(HANG_S)
        with self.lock:
            self.holding -= 1
        return 200, {}, b"{}"


def test_hanging_receivers_of_two_keys_do_not_hold_up_a_third(api, front_server, test_db_url, django_db_blocker):
    keys = {name: issue(django_db_blocker, f"share-{name}") for name in ("a", "b", "c")}
    hanging = {name: Hanging() for name in ("a", "b")}
    quick = {
        "GEO_REDIS_URL": front_server.redis_url,  # the slots shared as in production
        "GEO_OUTBOUND_PER_TENANT": str(PER_TENANT),
        "GEO_DELIVERY_TIMEOUT_S": str(HANG_S + 5),  # the receivers hang within their timeout
        "GEO_SUBSCRIPTION_SWEEP_CRON": "* * * * * */1",
    }
    with django_db_blocker.unblock():
        town = Agency.objects.get(code="5399")
        before = {k: getattr(town, k) for k in ("webhook_url", "open311_endpoint", "email")}
    with (
        hanging["a"].receiver,
        hanging["b"].receiver,
        Receiver() as third,
        Receiver() as agency,
        Workers(test_db_url, extra_env=quick, concurrency=8),
    ):
        try:
            with django_db_blocker.unblock():
                Agency.objects.filter(id=town.id).update(webhook_url=agency.url, open311_endpoint="", email="")
                for name in ("a", "b"):
                    for n in range(MAX_PER_KEY):
                        Subscription.objects.create(
                            intake_key=keys[name][0], callback_url=f"{hanging[name].receiver.url}/{n}"
                        )
                Subscription.objects.create(intake_key=keys["c"][0], callback_url=third.url)
            for name in ("a", "b"):
                file(api, keys[name][1])
            # Every worker thread would be taken by now without the slots: wait until both keys hang.
            deadline = time.monotonic() + 300
            while min(h.holding for h in hanging.values()) < min(PER_TENANT or 2, 2) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert min(h.holding for h in hanging.values()) >= min(PER_TENANT or 2, 2)
            time.sleep(1)  # the others meet full slots and are queued again meanwhile

            sent = time.monotonic()
            cid = file(api, keys["c"][1])
            with django_db_blocker.unblock(), transaction.atomic():
                # Scheduled here: the served stack's filing reads the agencies' channels it cached.
                outbox.schedule(Complaint.objects.get(id=cid), Agency.objects.get(id=town.id))
            seen = _first_times(
                django_db_blocker,
                visible=lambda: (
                    changes.read(changes.Scope(intake_key_id=keys["c"][0].id), changes.Position(), 10).changes
                ),
                pushed=third.bodies,
                delivered=lambda: [b for b in agency.bodies() if b["complaint"]["id"] == cid],
            )
            assert cid in {c["complaint_id"] for c in third.bodies()[0]["changes"]}
            # The push can leave once its change is in the feed (the horizon: docs/follow-up.md).
            waited = {"push": seen["pushed"] - max(seen["visible"], sent), "delivery": seen["delivered"] - sent}
            print(f"per tenant {PER_TENANT}: waited {waited}, held at most {[h.most for h in hanging.values()]}")
            if PER_TENANT:
                assert waited["push"] < BOUND_S and waited["delivery"] < BOUND_S, waited
                # Each key held its share at most, every worker considered.
                assert [h.most for h in hanging.values()] == [PER_TENANT, PER_TENANT]
            else:  # the issue as it was: the hanging pushes took every worker thread
                assert waited["push"] > BOUND_S, waited
        finally:
            for h in hanging.values():
                h.go.set()
            with django_db_blocker.unblock():
                Agency.objects.filter(id=town.id).update(**before)
                Subscription.objects.filter(intake_key__in=[k[0] for k in keys.values()]).delete()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "DELETE FROM procrastinate_jobs WHERE status = 'todo' AND lock LIKE 'subscription-%%'"
                    )


def _first_times(django_db_blocker, timeout=600.0, **conditions) -> dict[str, float]:
    """When each condition was first seen true, watched together."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    with django_db_blocker.unblock():
        while len(seen) < len(conditions):
            for name, condition in conditions.items():
                if name not in seen and condition():
                    seen[name] = time.monotonic()
            if time.monotonic() > deadline:
                raise AssertionError(f"only {sorted(seen)} within {timeout} s")
            time.sleep(0.05)
    return seen
