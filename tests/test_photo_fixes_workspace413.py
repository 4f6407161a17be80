"""An officer's too large "after" photo (issue 25, item 10): the workspace's finish form got the
API's JSON 413. Now, through the front (nginx refuses the body before a worker sees it) and
without it (api/middleware.BodySizeLimit), the officer gets the complaint's page with the finish
form and the reason, in Thai by default and in English by choice, still as a 413."""

import json
import uuid

import httpx
import pytest
from django.test import Client

TOO_LARGE = 33_000_000  # over GEO_UPLOAD_MAX_BODY (3 x 10 MiB + 1 MiB = 32,505,856 bytes)
THAI = "ภาพใหญ่เกินกว่าจะส่งได้: ไม่เกิน 10 MB กรุณาเลือกภาพที่เล็กกว่านี้"
ENGLISH = "The photo is too large to send: at most 10 MB. Choose a smaller one."


@pytest.fixture(scope="module")
def started(live_api, credentials, django_db_blocker):
    """A complaint of agency 5399 in progress (so its page offers the finish form), and a session of
    that agency's officer."""
    from django.contrib.auth.models import User

    body = {"lon": 100.0997, "lat": 17.6201, "category": "street_light", "client_ticket_id": f"w-{uuid.uuid4()}"}
    with httpx.Client(base_url=live_api, timeout=60) as client:
        filed = client.post("/api/v1/complaints", json=body, headers={"Authorization": f"Bearer {credentials['key']}"})
        assert filed.status_code == 201, filed.text
        cid = filed.json()["id"]
        officer = tuple(credentials["staff"]["5399"])
        assert client.post(f"/api/v1/complaints/{cid}/transitions", json={"action": "start"}, auth=officer).is_success
    with django_db_blocker.unblock():
        browser = Client()
        browser.force_login(User.objects.get(username=officer[0]))
    return cid, browser


def big_photo():
    return {"note": "เสร็จแล้ว", "revision": "1"}, [("photo", ("after.jpg", bytes(TOO_LARGE), "image/jpeg"))]


def assert_form_page(status, content_type, html, message):
    assert status == 413
    assert content_type.startswith("text/html")
    assert 'id="finish-form"' in html and 'id="refusal" data-status="413"' in html
    assert message in html
    assert "body_too_large" not in html


def test_through_the_front_the_officer_gets_the_form_and_the_reason(live_api, started):
    cid, browser = started
    cookies = {"sessionid": browser.cookies["sessionid"].value}
    data, files = big_photo()
    with httpx.Client(base_url=live_api, timeout=120, cookies=cookies) as front:
        reply = front.post(f"/work/complaints/{cid}/finish/", data=data, files=files)
        assert_form_page(reply.status_code, reply.headers["content-type"], reply.text, THAI)
        front.cookies.set("django_language", "en")
        reply = front.post(f"/work/complaints/{cid}/finish/", data=data, files=files)
        assert_form_page(reply.status_code, reply.headers["content-type"], reply.text, ENGLISH)
        # The API's uploads keep their JSON answer.
        api = front.post("/api/v1/complaints", data={"complaint": json.dumps({})}, files=files)
        assert api.status_code == 413 and api.json()["error"]["code"] == "body_too_large"


def test_without_the_front_the_middleware_does_the_same(started, django_db_blocker):
    cid, browser = started
    data, files = big_photo()
    [(_, (name, content, kind))] = files
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_db_blocker.unblock():
        reply = browser.post(
            f"/work/complaints/{cid}/finish/", {**data, "photo": SimpleUploadedFile(name, content, kind)}
        )
    assert_form_page(reply.status_code, reply["Content-Type"], reply.content.decode(), THAI)
    with django_db_blocker.unblock():  # nothing was done: still in progress, no photo
        from complaints.models import Complaint

        complaint = Complaint.objects.get(id=cid)
        assert (complaint.status, complaint.photos.count()) == ("in_progress", 0)
