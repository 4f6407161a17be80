"""Deliveries end to end: real worker processes (manage.py run_workers), real receivers on
loopback (HTTP, SMTP, a GeoReport v2 server), the test database. No mocks."""

import http.client
import re
import threading
import time
import uuid
from collections import defaultdict
from http.server import HTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, transaction

from complaints import commands, intake
from complaints.actors import Actor
from complaints.models import Complaint, HistoryEntry
from delivery import control
from delivery.models import DEAD, DELIVERED, HELD, QUEUED, AgencyDelivery, Attempt, Delivery
from delivery.signing import headers as signed_headers
from delivery.signing import verify
from geo.server import free_port
from geo.workers import Workers
from routing import live
from routing.models import Agency

from .receivers import Mailbox, Receiver, small_matcher

# Four places whose complaints four different agencies receive.
PLACES = [
    (100.0997, 17.6201, "flooding"),  # Uttaradit town municipality
    (100.06, 17.55, "flooding"),  # Thung Yang subdistrict municipality
    (100.5018, 13.7563, "street_light"),  # Phra Nakhon public works (Bangkok)
    (100.5018, 13.7563, "cleanliness"),  # Phra Nakhon cleanliness (Bangkok)
]


TEST_ACTOR = Actor("operator", "test")


@pytest.fixture(scope="module")
def database_url(thailand, agencies, django_db_blocker):
    settings_dict = connection.settings_dict
    host = quote(settings_dict["HOST"], safe="")
    return f"postgis://{settings_dict['USER']}@{host}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.fixture(scope="module")
def matcher(thailand, django_db_blocker):
    with django_db_blocker.unblock():
        return small_matcher(thailand.id)


@pytest.fixture
def db(django_db_blocker, matcher, agencies):
    """Committed work on the test database (the workers are other processes); the agencies'
    channels and every queued delivery and job are put back afterwards."""
    with django_db_blocker.unblock():
        yield matcher
        for agency_id, row in WIRED.items():
            Agency.objects.filter(id=agency_id).update(**row)
        WIRED.clear()
        # Other modules count complaints by area: what these tests filed goes (deliveries with it).
        Complaint.objects.filter(client_ticket_id__startswith=f"{RUN}-").delete()
        AgencyDelivery.objects.update(paused=False, paused_at=None, paused_by="", problems={})
        Delivery.objects.filter(state__in=(*QUEUED, HELD)).update(state="withdrawn")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")


def agencies_of(matcher) -> list[Agency]:
    found = []
    for lon, lat, category in PLACES:
        complaint_fields = intake._route(matcher, live.directory.current(), lon, lat, (category,))
        found.append(complaint_fields["agency"])
    assert len({a.code for a in found}) == len(PLACES), [a.code for a in found]
    return found


RUN = uuid.uuid4().hex[:8]  # committed rows outlive a --reuse-db run: ticket ids unique per run
WIRED = {}  # agency id -> its channels before a test changed them


def wire(agency: Agency, **channels) -> Agency:
    values = {"webhook_url": "", "open311_endpoint": "", "email": "", **channels}
    WIRED.setdefault(agency.id, {k: getattr(agency, k) for k in values})
    Agency.objects.filter(id=agency.id).update(**values)
    for name, value in values.items():
        setattr(agency, name, value)
    intake._per_version["version"] = None  # the filing code's cached rows: read the new channels
    return agency


def file(matcher, place, n: int, tag: str, **extra):
    lon, lat, category = place
    extra.setdefault("description", f"{tag} {n}")
    filing = intake.Filing(lon=lon, lat=lat, categories=(category,), client_ticket_id=f"{RUN}-{tag}-{n}", **extra)
    complaint, created = commands.file(filing, matcher=matcher, directory=live.directory.current())
    assert created
    return complaint


def wait_for(condition, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


def states(**filters) -> dict:
    counts = defaultdict(int)
    for state in Delivery.objects.filter(**filters).values_list("state", flat=True):
        counts[state] += 1
    return dict(counts)


def first_receipts(receiver: Receiver) -> dict:
    """delivery id -> complaint id, in the order they first arrived; and how many repeats."""
    seen, repeats = {}, 0
    for body in receiver.bodies():
        if body["delivery_id"] in seen:
            repeats += 1
        else:
            seen[body["delivery_id"]] = body["complaint"]["id"]
    return seen, repeats


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


def test_e_mail_arrives_in_thai_and_english_at_a_real_smtp_server(db, database_url, settings):
    with Mailbox() as mailbox:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", mailbox.port
        env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(mailbox.port)}
        with Workers(database_url, extra_env=env):
            wire(agencies_of(db)[0], email="saraban@uttaradit.example")
            complaint = file(db, PLACES[0], 1, "mail")
            wait_for(lambda: len(mailbox.messages) == 1, 30, "the e-mail")
    import email
    from email import policy

    envelope = mailbox.messages[0]
    message = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert envelope.rcpt_tos == ["saraban@uttaradit.example"]
    text = message.get_body().get_content()
    assert "เรื่องร้องเรียนใหม่" in message["subject"] and f"#{complaint.id}" in message["subject"]
    assert complaint.decision["reason"]["th"] in text and complaint.decision["reason"]["en"] in text
    assert f"/api/v1/complaints/{complaint.id}" in text
    delivery = complaint.deliveries.get()
    assert message["X-Delivery-Id"] == str(delivery.uuid) and delivery.state == DELIVERED


class GeoReportServer:
    """A GeoReport v2 server on loopback: POST requests.json files a request, GET requests.json
    answers its status, which the test changes as the agency would."""

    def __init__(self):
        self.requests = {}
        self.receiver = Receiver(self.respond)

    def respond(self, received):
        import json

        if received.method == "POST":
            form = received.form()
            if form.get("api_key") != "agency-issued-key":
                return 403, {}, b'[{"code": 403, "description": "api_key is missing or not valid"}]'
            number = f"UTT-{len(self.requests) + 1}"
            self.requests[number] = {"service_request_id": number, "status": "open", "updated_datetime": "t0"}
            return 201, {}, json.dumps([{"service_request_id": number}]).encode()
        wanted = self.receiver.query(received).get("service_request_id", "").split(",")
        return 200, {}, json.dumps([self.requests[n] for n in wanted if n in self.requests]).encode()


def test_open311_forward_stores_the_remote_id_and_the_status_pull_finishes_the_complaint(db, database_url):
    server = GeoReportServer()
    with server.receiver, Workers(database_url):
        target = wire(agencies_of(db)[0], open311_endpoint=server.receiver.url + "/open311/v2/")
        AgencyDelivery.of(target.id)
        AgencyDelivery.objects.filter(agency=target).update(open311_api_key="agency-issued-key")
        complaint = file(db, PLACES[0], 1, "open311", description="น้ำท่วมขัง")
        wait_for(lambda: states(complaint=complaint) == {DELIVERED: 1}, 30, "the forward")
        delivery = complaint.deliveries.get()
        assert delivery.remote_id == "UTT-1"
        post = next(r for r in server.receiver.received if r.method == "POST")
        form = post.form()
        assert post.path == "/open311/v2/requests.json"
        assert (form["service_code"], float(form["lat"]), float(form["long"])) == ("flooding", 17.6201, 100.0997)
        assert form["description"].startswith("น้ำท่วมขัง") and post.headers["idempotency-key"] == str(delivery.uuid)
        # The agency closes it in its own system; the next pull finishes the complaint here.
        server.requests["UTT-1"].update(status="closed", status_notes="สูบน้ำออกแล้ว", updated_datetime="t1")
        wait_for(lambda: Complaint.objects.get(id=complaint.id).status == "finished", 30, "the remote close")
    steps = list(
        HistoryEntry.objects.filter(complaint=complaint, event="transition").values_list("action", "actor", "note")
    )
    assert steps == [
        ("start", f"open311 ({target.code})", "สูบน้ำออกแล้ว"),
        ("finish", f"open311 ({target.code})", "สูบน้ำออกแล้ว"),
    ]
    assert Delivery.objects.get(id=delivery.id).remote_status == "closed"
    gets = [r for r in server.receiver.received if r.method == "GET"]
    assert gets and all(server.receiver.query(r)["service_request_id"] == "UTT-1" for r in gets)


def test_a_malformed_endpoint_is_recorded_on_the_agency_and_the_worker_carries_on(db, database_url):
    with Receiver() as receiver, Workers(database_url):
        broken, fine = agencies_of(db)[:2]
        wire(broken, webhook_url="http://[::1/hook")  # an IPv6 address without its bracket
        wire(fine, webhook_url=receiver.url)
        bad = file(db, PLACES[0], 1, "broken")
        good = file(db, PLACES[1], 1, "fine")
        wait_for(lambda: states(complaint=bad) == {DEAD: 1}, 30, "the dead letter")
        wait_for(lambda: states(complaint=good) == {DELIVERED: 1}, 30, "the other agency's delivery")
    delivery = bad.deliveries.get()
    assert delivery.reason == "config"
    problem = AgencyDelivery.objects.get(agency=broken).problems["webhook"]
    assert problem["configuration"] is True and problem["delivery"] == str(delivery.uuid)


# The webhook receiver printed in docs/delivery.md, run as written.
DOC = Path(__file__).resolve().parent.parent / "docs" / "delivery.md"


def receiver_code() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    (code,) = [b for b in blocks if "class Receiver" in b]
    return code


def post(port, body: bytes, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", "/", body=body, headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


def test_the_documented_receiver_verifies_deliveries_and_refuses_replays(db, database_url):
    namespace = {"__name__": "docs_receiver"}
    exec(compile(receiver_code(), str(DOC), "exec"), namespace)
    port = free_port()
    server = HTTPServer(("127.0.0.1", port), namespace["Receiver"])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        target = wire(agencies_of(db)[0], webhook_url=f"http://127.0.0.1:{port}/")
        secret = AgencyDelivery.of(target.id).webhook_secret
        namespace["SECRET"] = secret.encode()
        with Workers(database_url):
            complaint = file(db, PLACES[0], 1, "docs-receiver")
            wait_for(lambda: states(complaint=complaint) == {DELIVERED: 1}, 30, "the delivery")
        delivery = complaint.deliveries.get()
        assert namespace["seen"] == {str(delivery.uuid)}

        body = b'{"complaint": {"id": 1, "categories": [], "description": ""}}'
        fresh = signed_headers(secret, int(time.time()), body, "replay-test")
        assert post(port, body, fresh) == 204
        assert post(port, body + b" ", fresh) == 401  # tampered
        stale = signed_headers(secret, int(time.time()) - 301, body, "replay-test")
        assert post(port, body, stale) == 401  # a replay older than 5 minutes
        assert post(port, body, signed_headers("whsec_other", int(time.time()), body, "x")) == 401
    finally:
        server.shutdown()
        server.server_close()
