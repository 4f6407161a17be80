"""Deliveries by e-mail and Open311 forward, a malformed endpoint, and the receiver printed in
docs/delivery.md: real worker processes, real receivers on loopback (SMTP, a GeoReport v2 server,
the documented webhook receiver), the test database. No mocks."""

import http.client
import re
import threading
import time
from http.server import HTTPServer
from pathlib import Path

from complaints.models import Complaint, HistoryEntry
from delivery.models import DEAD, DELIVERED, AgencyDelivery, Delivery
from delivery.signing import headers as signed_headers
from geo.server import free_port
from geo.workers import Workers

from . import delivery_support
from .delivery_support import PLACES, agencies_of, file, states, wait_for, wire
from .receivers import Mailbox, Receiver

# The shared fixtures, bound here for pytest to find by the names the tests take.
database_url, matcher, db = delivery_support.database_url, delivery_support.matcher, delivery_support.db


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
