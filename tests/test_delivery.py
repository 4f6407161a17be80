"""Deliveries by webhook end to end: real worker processes (manage.py run_workers), a real
receiver on loopback, the test database. No mocks. Other channels: tests/test_delivery_channels.py."""

import time
from collections import defaultdict

import pytest
from django.db import connection, transaction

from complaints import commands
from complaints.models import Complaint, HistoryEntry
from delivery import control
from delivery.models import DEAD, DELIVERED, HELD, QUEUED, AgencyDelivery, Attempt, Delivery
from delivery.signing import verify
from geo.workers import Workers

from . import delivery_support
from .delivery_support import PLACES, RUN, TEST_ACTOR, agencies_of, file, first_receipts, states, wait_for, wire
from .receivers import Receiver

# The shared fixtures, bound here for pytest to find by the names the tests take.
database_url, matcher, db = delivery_support.database_url, delivery_support.matcher, delivery_support.db


def test_a_rolled_back_filing_leaves_no_delivery_and_no_job(db):
    target = wire(agencies_of(db)[0], webhook_url="http://127.0.0.1:9/unused")

    def jobs():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE lock = %s", [f"delivery-{target.id}-webhook"])
            return cursor.fetchone()[0]

    before = (Delivery.objects.count(), jobs())

    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        file(db, PLACES[0], 1, "rolled-back")
        assert Delivery.objects.count() == before[0] + 1 and jobs() == before[1] + 1  # inside: both there
        raise Abandoned
    assert not Complaint.objects.filter(client_ticket_id=f"{RUN}-rolled-back-1").exists()
    assert (Delivery.objects.count(), jobs()) == before

    committed = file(db, PLACES[0], 2, "rolled-back")
    assert list(committed.deliveries.values_list("channel", "state")) == [("webhook", "pending")]
    assert jobs() == before[1] + 1


def test_an_agency_without_a_usable_channel_is_reported_unreachable(db):
    target = wire(agencies_of(db)[1])
    complaint = file(db, PLACES[1], 1, "unreachable")
    (delivery,) = complaint.deliveries.all()
    assert (delivery.channel, delivery.state, delivery.reason) == ("none", DEAD, "unreachable")
    assert target.code in delivery.last_error
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE lock LIKE %s", [f"delivery-{target.id}-%"])
        assert cursor.fetchone()[0] == 0  # nothing queued for nobody


def test_a_receiver_failing_three_times_then_answering_gets_it_once_with_one_delivery_id(db, database_url):
    answers = iter([503, 500, 429])

    def flaky(received):
        return next(answers, 200), {}, b"{}"

    with Receiver(flaky) as receiver, Workers(database_url):
        target = wire(agencies_of(db)[0], webhook_url=receiver.url + "/hook")
        complaint = file(db, PLACES[0], 1, "flaky", reporter_name="สมชาย ใจดี", reporter_contact="081-234-5678")
        wait_for(lambda: states(complaint=complaint) == {DELIVERED: 1}, 60, "the delivery")
    delivery = complaint.deliveries.get()
    posts = receiver.received
    assert len(posts) == 4
    assert {p.headers["x-delivery-id"] for p in posts} == {str(delivery.uuid)}
    secret = AgencyDelivery.objects.get(agency=target).webhook_secret
    for post in posts:
        assert post.path == "/hook"
        assert verify(secret, post.headers["x-timestamp"], post.body, post.headers["x-signature"], now=time.time())
        assert b"081-234-5678" not in post.body and "สมชาย".encode() not in post.body  # never personal data
    body = posts[-1].json()
    assert body["complaint"]["id"] == complaint.id and body["kind"] == "new"
    assert body["decision"]["reason"]["en"] and body["links"]["complaint"].endswith(
        f"/api/v1/complaints/{complaint.id}"
    )
    log = list(Attempt.objects.filter(delivery=delivery).values_list("number", "status_code", "outcome"))
    assert log == [(1, 503, "retry"), (2, 500, "retry"), (3, 429, "retry"), (4, 200, "delivered")]
    assert delivery.attempts == 4 and delivery.delivered_at is not None
    delivered = HistoryEntry.objects.get(complaint=complaint, event="delivered")
    assert delivered.data["delivery_id"] == str(delivery.uuid) and delivered.data["attempts"] == 4


def test_a_4xx_is_dead_at_once_with_the_reason_and_resend_delivers_it(db, database_url):
    answers = iter([(422, b'{"error": "unknown field"}')])

    def refusing(received):
        status, body = next(answers, (202, b"{}"))
        return status, {}, body

    with Receiver(refusing) as receiver, Workers(database_url):
        wire(agencies_of(db)[0], webhook_url=receiver.url)
        complaint = file(db, PLACES[0], 1, "refused")
        wait_for(lambda: states(complaint=complaint) == {DEAD: 1}, 30, "the dead letter")
        delivery = complaint.deliveries.get()
        assert (delivery.reason, delivery.attempts, delivery.last_status) == ("rejected", 1, 422)
        assert HistoryEntry.objects.filter(complaint=complaint, event="delivery_failed").count() == 1
        control.resend(delivery.uuid, by="test")
        wait_for(lambda: states(complaint=complaint) == {DELIVERED: 1}, 30, "the resent delivery")
    assert [r.headers["x-delivery-id"] for r in receiver.received] == [str(delivery.uuid)] * 2


def test_receiver_down_while_2000_are_filed_then_back_every_one_delivered_in_each_agencys_order(db, database_url):
    receiver = Receiver()
    targets = agencies_of(db)
    with Workers(database_url, concurrency=8):
        for agency in targets:
            wire(agency, webhook_url=receiver.url)
        made = [file(db, PLACES[n % 4], n, "outage") for n in range(2000)]
        ids = {c.id for c in made}
        # Down: the head of each agency's queue is tried and retried; the rest wait behind it.
        wait_for(lambda: Attempt.objects.filter(delivery__complaint_id__in=ids).count() >= 8, 60, "failed attempts")
        receiver.start()
        try:
            wait_for(lambda: states(complaint_id__in=ids) == {DELIVERED: 2000}, 300, "2,000 deliveries", step=0.5)
        finally:
            receiver.stop()
    seen, repeats = first_receipts(receiver)
    expected = {str(u) for u in Delivery.objects.filter(complaint_id__in=ids).values_list("uuid", flat=True)}
    assert set(seen) == expected and len(expected) == 2000  # none missing
    assert repeats == 0
    by_agency = defaultdict(list)
    agency_of = dict(Complaint.objects.filter(id__in=ids).values_list("id", "agency__code"))
    for complaint_id in seen.values():
        by_agency[agency_of[complaint_id]].append(complaint_id)
    assert sorted(len(v) for v in by_agency.values()) == [500, 500, 500, 500]
    for code, received in by_agency.items():
        assert received == sorted(received), f"{code} received out of order"


def test_a_slow_receiver_does_not_delay_another_agencys(db, database_url):
    def slow(received):
        time.sleep(3.0)
        return 200, {}, b"{}"

    with Receiver(slow) as tortoise, Receiver() as hare, Workers(database_url, concurrency=4):
        targets = agencies_of(db)
        wire(targets[0], webhook_url=tortoise.url)
        wire(targets[1], webhook_url=hare.url)
        for n in range(6):
            file(db, PLACES[0], n, "slow")
        fast = [file(db, PLACES[1], n, "fast") for n in range(20)]
        wait_for(lambda: len(hare.received) == 20, 30, "the fast agency's deliveries")
        # Every fast delivery arrived while the slow agency was still working through its six
        # (18 s in a row): none of them waited behind it. Counted, not timed, so a loaded machine
        # filing slowly cannot fail it.
        assert len(tortoise.received) < 6
    assert states(complaint__in=fast) == {DELIVERED: 20}


def test_a_paused_agency_receives_nothing_until_resumed_then_everything_in_order(db, database_url):
    with Receiver() as receiver, Workers(database_url):
        paused, other = agencies_of(db)[:2]
        wire(paused, webhook_url=receiver.url + "/paused")
        wire(other, webhook_url=receiver.url + "/other")
        control.pause(paused, by="test")
        held = [file(db, PLACES[0], n, "held") for n in range(30)]
        others = [file(db, PLACES[1], n, "other") for n in range(10)]
        wait_for(lambda: len(receiver.bodies("/other")) == 10, 30, "the other agency's deliveries")
        wait_for(lambda: states(complaint__in=held) == {HELD: 30}, 30, "30 held deliveries")
        time.sleep(2)  # the sweep runs every 2 s: it must not send them either
        assert receiver.bodies("/paused") == []
        assert control.resume(paused, by="test") == 30
        wait_for(lambda: len(receiver.bodies("/paused")) == 30, 30, "the released deliveries")
    assert [b["complaint"]["id"] for b in receiver.bodies("/paused")] == [c.id for c in held]
    assert states(complaint__in=held + others) == {DELIVERED: 40}


def test_a_killed_worker_is_replaced_and_nothing_is_lost_or_left_sending(db, database_url):
    def steady(received):
        time.sleep(0.01)
        return 200, {}, b"{}"

    with Receiver(steady) as receiver, Workers(database_url, concurrency=8) as workers:
        for agency in agencies_of(db):
            wire(agency, webhook_url=receiver.url)
        made = [file(db, PLACES[n % 4], n, "killed") for n in range(800)]
        ids = {c.id for c in made}
        wait_for(lambda: len(receiver.received) >= 150, 60, "deliveries under way")
        killed = workers.kill_workers()
        assert killed
        wait_for(lambda: workers.children() and workers.children() != killed, 30, "a new worker")
        wait_for(lambda: states(complaint_id__in=ids) == {DELIVERED: 800}, 120, "800 deliveries", step=0.5)
    seen, repeats = first_receipts(receiver)
    assert len(seen) == 800
    # At-least-once: what was on the wire when the worker died may arrive twice (same delivery id).
    assert repeats <= 4, repeats
    assert not Delivery.objects.filter(complaint_id__in=ids, state__in=QUEUED).exists()


def test_forwarding_sends_to_the_new_agency_and_a_withdrawal_to_the_old(db, database_url):
    with Receiver() as receiver, Workers(database_url):
        old, new = agencies_of(db)[:2]
        wire(old, webhook_url=receiver.url + "/old")
        wire(new, webhook_url=receiver.url + "/new")
        complaint = file(db, PLACES[0], 1, "forwarded")
        wait_for(lambda: len(receiver.received) == 1, 30, "the first delivery")
        commands.transition(complaint.id, "forward", actor=TEST_ACTOR, note="ไม่ใช่พื้นที่ของเรา", forward_to=new.code)
        wait_for(lambda: len(receiver.received) == 3, 30, "three deliveries")
        # Forwarded again before the paused agency got it: taken back, and no withdrawal notice.
        third = wire(agencies_of(db)[2], webhook_url=receiver.url + "/third")
        control.pause(third, by="test")
        commands.transition(complaint.id, "forward", actor=TEST_ACTOR, note="ส่งผิด", forward_to=third.code)
        wait_for(lambda: len(receiver.received) == 4, 30, "the second withdrawal")
        commands.transition(complaint.id, "forward", actor=TEST_ACTOR, note="กลับ", forward_to=new.code)
        wait_for(lambda: len(receiver.received) == 5, 30, "the new agency's second delivery")
        time.sleep(1)
    kinds = [(r.path, r.json()["kind"]) for r in receiver.received]
    assert sorted(kinds[:3]) == [("/new", "new"), ("/old", "new"), ("/old", "withdrawal")]
    assert sorted(kinds[3:]) == [("/new", "new"), ("/new", "withdrawal")]  # nothing ever reached /third
    withdrawal = next(r.json() for r in receiver.received if r.path == "/old" and r.json()["kind"] == "withdrawal")
    assert withdrawal["note"] == "ไม่ใช่พื้นที่ของเรา" and withdrawal["complaint"]["agency"]["code"] == new.code
    assert states(complaint=complaint, agency=third) == {"withdrawn": 1}
