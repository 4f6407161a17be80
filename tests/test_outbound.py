"""Outbound requests cannot be aimed inside (issue 25, item 2), over real HTTP against the served
stack: callbacks at loopback, private, link-local... addresses in every spelling, internal ports,
credentials in the URL are refused at registration with a 400 naming the rule and again when
sent (the address connected to is the one checked); a subscriber and agency staff read a status
class, never what the receiver said. The suite allow-lists 127.0.0.1/32 only (tests/conftest.py):
the loopback tests refuse 127.0.0.2, ::1 and the spellings of both, and 127.0.0.1 itself with
the allow-list emptied."""

import base64
import os
import socket
import threading
import time

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from complaints.models import Complaint
from delivery import http as delivery_http
from delivery import outbox, sender
from delivery.models import Delivery
from delivery.policy import RetryPolicy
from geo.http import outbound
from geo.server import free_port
from routing.models import Agency
from subscriptions import push, wire
from subscriptions.models import DeadLetter, Subscription

from .receivers import Receiver
from .web import get, post, request

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}  # the town municipality's (5399) area
QUICK = RetryPolicy(base_s=0.05, cap_s=0.2)
SECRET = "pg at 10.9.8.7 password=hunter2"  # what a receiver says: never shown to a key or staff

# (callback_url, rule): the attacks of issue 25, as an intake key would send them.
REFUSED = [
    (f"http://127.0.0.1:{os.environ.get('GEO_PGPORT', '54329')}/", "port"),  # this deployment's PostgreSQL
    ("http://localhost:6379/", "port"),  # Redis
    ("http://127.0.0.1:99999/", "port"),
    ("http://127.0.0.1:22/", "port"),
    ("http://user:pw@127.0.0.1:8080/", "credentials"),
    ("gopher://127.0.0.1:8080/", "scheme"),
    ("http://[::1]:8080/", "loopback"),
    ("http://2130706434:8080/", "loopback"),  # 127.0.0.2 in decimal
    ("http://0x7f.0.0.2:8080/", "loopback"),
    ("http://127.2:8080/", "loopback"),
    ("http://[::ffff:127.0.0.1]:8080/", "ipv4_mapped"),
    ("http://[::127.0.0.1]:8080/", "ipv4_mapped"),
    ("http://0:8080/", "unspecified"),
    ("http://169.254.169.254/latest/meta-data/", "link_local"),
    ("http://[fe80::1]:8080/", "link_local"),
    ("http://10.1.2.3:8080/", "private"),
    ("http://[fd00::1]:8080/", "private"),
    ("http://100.64.0.1/", "shared"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[64:ff9b::7f00:1]/", "ipv4_embedded"),
    ("http://nothing.invalid/", "unresolvable"),
]


@pytest.fixture(scope="module")
def api(live_api, credentials):
    return live_api + "/api/v1"


@pytest.fixture
def key(django_db_blocker):
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        return IntakeKey.objects.issue("outbound-intake")[1]


def bearer(key):
    return {"Authorization": f"Bearer {key}"}


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def subscribe(api, key, url):
    reply = post(f"{api}/subscriptions", {"callback_url": url}, headers=bearer(key))
    assert reply.status == 201, reply.body
    return reply.json()


def test_callbacks_aimed_inside_are_refused_at_registration_naming_the_rule(api, key):
    for url, rule in REFUSED:
        reply = post(f"{api}/subscriptions", {"callback_url": url}, headers=bearer(key))
        assert reply.status == 400, (url, reply.body)
        error = reply.json()["error"]
        assert error["details"] == {"field": "callback_url", "rule": rule}, (url, error)
        assert f"refused ({rule})" in error["message"]
    assert get(f"{api}/subscriptions", headers=bearer(key)).json()["results"] == []  # none stored


def test_every_spelling_of_loopback_is_refused_unless_allow_listed(settings):
    with Receiver() as receiver:
        port = receiver.port
        for host, rule in [
            ("127.0.0.1", "loopback"),
            ("localhost", "loopback"),
            ("2130706433", "loopback"),
            ("0x7f000001", "loopback"),
            ("127.1", "loopback"),
            ("[::1]", "loopback"),
            ("[::ffff:127.0.0.1]", "ipv4_mapped"),
            ("[::ffff:7f00:1]", "ipv4_mapped"),
        ]:
            url = f"http://{host}:{port}/"
            settings.GEO_OUTBOUND_ALLOW = []
            with pytest.raises(outbound.Refused) as refused:
                outbound.check_destination(url)
            assert refused.value.rule == rule, url
            # And when sent: refused before connecting, on the address the name resolved to.
            outcome, _ = delivery_http.request("POST", url, content=b"{}")
            assert (outcome.error, outcome.config_problem, outcome.transient) == ("refused", True, False), url
            assert f"({rule})" in outcome.detail
        assert receiver.received == []
        settings.GEO_OUTBOUND_ALLOW = ["127.0.0.1/32"]  # the operator's allow-list opens exactly that
        for host in ("127.0.0.1", "localhost", "2130706433", "0x7f000001", "127.1"):
            outcome, answer = delivery_http.request("POST", f"http://{host}:{port}/", content=b"{}")
            assert outcome.ok and answer.status_code == 200, (host, outcome)
        assert len(receiver.received) == 5
        for host in ("[::1]", "[::ffff:127.0.0.1]", "127.0.0.2"):
            outcome, _ = delivery_http.request("POST", f"http://{host}:{port}/", content=b"{}")
            assert outcome.error == "refused", host


def test_agency_and_subscription_urls_are_checked_in_the_admin(django_db_blocker):
    agency = Agency(code="X-OUTBOUND", name_th="x", kind="test")
    agency.webhook_url = "http://169.254.169.254/latest/"
    agency.open311_endpoint = "http://[::1]:8080/open311/v2/"
    with pytest.raises(ValidationError) as invalid:
        agency.clean()
    assert set(invalid.value.message_dict) == {"webhook_url", "open311_endpoint"}
    assert "(link_local)" in invalid.value.message_dict["webhook_url"][0]
    assert "(loopback)" in invalid.value.message_dict["open311_endpoint"][0]
    agency.webhook_url, agency.open311_endpoint = "http://127.0.0.1:8080/hook", ""
    agency.clean()  # allow-listed in the suite
    with pytest.raises(ValidationError) as invalid:
        Subscription(callback_url="http://user:pw@127.0.0.1:8080/").clean()
    assert "(credentials)" in invalid.value.message_dict["callback_url"][0]


def _file(api, key):
    reply = post(f"{api}/complaints", {**UTTARADIT, "category": "road"}, headers=bearer(key))
    assert reply.status == 201, reply.body
    return reply.json()["id"]


def _push_until_failed(django_db_blocker, sub_id, timeout=600):
    """Push in this process until the subscription records a failure (the change may first have
    to wait for the feed's horizon: docs/follow-up.md)."""
    deadline = time.monotonic() + timeout
    with django_db_blocker.unblock():
        while time.monotonic() < deadline:
            push.push_once(sub_id, send=wire.send, policy=QUICK, clock=wire.now)
            sub = Subscription.objects.get(id=sub_id)
            if sub.last_error:
                return sub
            time.sleep(0.05)
    raise AssertionError(f"subscription {sub_id} recorded no failure")


class Disconnecting:
    """Accepts a connection and closes it without a word."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()


def test_a_subscriber_reads_a_status_class_never_the_receivers_words(api, key, django_db_blocker):
    def forbidden(received):
        return 403, {}, SECRET.encode()

    def moved(received):
        return 302, {"Location": elsewhere.url + "/admin"}, b""

    closed = f"http://127.0.0.1:{free_port()}/"  # nothing listens: connection refused
    disconnecting = Disconnecting()
    with Receiver() as elsewhere, Receiver(forbidden) as refuser, Receiver(moved) as mover:
        subs = {
            "refused": subscribe(api, key, closed),
            "disconnected": subscribe(api, key, disconnecting.url),
            "forbidden": subscribe(api, key, refuser.url),
            "moved": subscribe(api, key, mover.url),
        }
        _file(api, key)
        done = {name: _push_until_failed(django_db_blocker, s["id"]) for name, s in subs.items()}
        assert elsewhere.received == []  # the redirect was not followed
    disconnecting.sock.close()
    # Refused and disconnected look the same to the key: no port scanning through the pushes.
    expected = {
        "refused": ("unreachable", "retrying"),
        "disconnected": ("unreachable", "retrying"),
        "forbidden": ("http_4xx", "ok"),
        "moved": ("http_3xx", "ok"),
    }
    for name, sub in subs.items():
        reply = get(f"{api}/subscriptions/{sub['id']}", headers=bearer(key))
        shown = reply.json()
        assert (shown["last_error"], shown["state"]) == expected[name], (name, shown)
        for said in ("hunter2", "10.9.8.7", "/admin", "Connection refused", "disconnected", "Errno"):
            assert said not in reply.body.decode(), (name, said)
    (letter,) = get(f"{api}/subscriptions/{subs['forbidden']['id']}", headers=bearer(key)).json()["dead_letters"]
    assert (letter["reason"], letter["message"]) == ("config", "http_4xx")  # 403: the key or URL is wrong
    # Operators have the receivers' words (the admin shows these fields).
    with django_db_blocker.unblock():
        assert "Connection refused" in done["refused"].last_detail
        assert DeadLetter.objects.get(subscription_id=subs["forbidden"]["id"]).detail == f"HTTP 403: {SECRET}"
        assert "redirect to " + elsewhere.url + "/admin" in done["moved"].last_detail
        Subscription.objects.filter(id__in=[s["id"] for s in subs.values()]).delete()


def test_a_callback_refused_when_sent_is_a_dead_letter_not_a_request(api, key, django_db_blocker, settings):
    """Registered while allowed; when pushed the address is checked again (a name that now
    resolves inside, or an allow-list since narrowed): nothing is sent, nothing retried."""
    with Receiver() as receiver:
        sub = subscribe(api, key, receiver.url)
        _file(api, key)
        settings.GEO_OUTBOUND_ALLOW = []
        _push_until_failed(django_db_blocker, sub["id"])
        assert receiver.received == []
    shown = get(f"{api}/subscriptions/{sub['id']}", headers=bearer(key)).json()
    assert shown["last_error"] == "refused" and "loopback" not in str(shown)
    assert [(d["reason"], d["message"]) for d in shown["dead_letters"]] == [("config", "refused")]
    with django_db_blocker.unblock():
        assert "(loopback)" in Subscription.objects.get(id=sub["id"]).last_detail
    request(f"{api}/subscriptions/{sub['id']}", "DELETE", headers=bearer(key))


@pytest.fixture
def town_webhook(django_db_blocker):
    """The town municipality (5399) by webhook only, to a receiver refusing with its own words."""

    def refuse(received):
        return 400, {}, SECRET.encode()

    with django_db_blocker.unblock(), Receiver(refuse) as receiver:
        town = Agency.objects.get(code="5399")
        before = {k: getattr(town, k) for k in ("webhook_url", "open311_endpoint", "email")}
        Agency.objects.filter(id=town.id).update(webhook_url=receiver.url, open311_endpoint="", email="")
        town.webhook_url, town.open311_endpoint, town.email = receiver.url, "", ""
        yield town
        Agency.objects.filter(id=town.id).update(**before)
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM procrastinate_jobs WHERE lock LIKE %s AND status = 'todo'", [f"delivery-{town.id}-%"]
            )


def test_agency_staff_read_the_status_class_and_operators_the_answer(
    api, key, credentials, django_db_blocker, town_webhook
):
    cid = _file(api, key)
    with django_db_blocker.unblock():
        with transaction.atomic():
            (delivery,) = outbox.schedule(Complaint.objects.get(id=cid), town_webhook)
        assert sender.drain(town_webhook.id, "webhook", policy=QUICK) >= 1
        delivery.refresh_from_db()
        assert (delivery.state, delivery.reason, delivery.last_error) == ("dead", "rejected", "http_4xx")
        operator, _ = User.objects.get_or_create(username="outbound-operator", defaults={"is_staff": True})
        operator.is_staff = True
        operator.set_password("pw-operator")
        operator.save()
    staff = basic(*credentials["staff"]["5399"])
    for url in (f"{api}/deliveries/{delivery.uuid}", f"{api}/complaints/{cid}", f"{api}/changes"):
        headers = bearer(key) if "changes" in url else staff
        reply = get(url, headers=headers)
        assert reply.status == 200 and "hunter2" not in reply.body.decode(), url
    history = get(f"{api}/complaints/{cid}", headers=staff).json()["history"]
    notes = [h["note"] for h in history if h["event"] == "delivery_failed"]  # the filing's own delivery too
    assert notes and set(notes) == {"http_4xx"}, notes
    (attempt,) = get(f"{api}/deliveries/{delivery.uuid}", headers=staff).json()["attempt_log"]
    assert (attempt["status_code"], attempt["error"]) == (400, "http_4xx") and "detail" not in attempt
    as_operator = get(f"{api}/deliveries/{delivery.uuid}", headers=basic("outbound-operator", "pw-operator")).json()
    assert as_operator["attempt_log"][0]["detail"] == f"HTTP 400: {SECRET}"
    with django_db_blocker.unblock():
        Delivery.objects.filter(id=delivery.id).delete()


class Trickle:
    """Answers one byte of its headers every 0.2 s, for ever: each read is quick, the whole is not."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        try:
            conn, _ = self.sock.accept()
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                conn.send(bytes([byte]))
                time.sleep(0.2)
        except OSError:
            return


def test_a_trickling_receiver_is_cut_at_the_total_time(settings):
    settings.GEO_DELIVERY_CONNECT_TIMEOUT_S, settings.GEO_DELIVERY_TIMEOUT_S = 0.5, 1.0
    delivery_http._client = None  # made again with these timeouts
    trickle = Trickle()
    try:
        started = time.monotonic()
        outcome, _ = delivery_http.request("POST", trickle.url, content=b"{}")
        took = time.monotonic() - started
    finally:
        trickle.sock.close()
        delivery_http._client = None
    assert outcome.error == "timeout" and 1.4 < took < 3.0, (outcome, took)
