"""Photos in a filing's idempotency fingerprint (issue 25, item 10), over real HTTP through the front
(nginx + gunicorn): a retry with the same photos replays the first answer; the same
Idempotency-Key (or ticket id, or Open311 token) with other photos, fewer, more or in another
order is a 409, and stores nothing."""

import json
import uuid

import httpx
import pytest

from complaints import intake
from photos.models import Photo

from . import photo_files as files

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}


@pytest.fixture(scope="module")
def live(live_api, credentials, django_db_blocker):
    client = httpx.Client(base_url=live_api, timeout=60)
    made: list[int] = []
    yield client, credentials, made
    client.close()
    files.remove_stored(django_db_blocker, made)  # this module's files leave storage with it


def picture() -> bytes:
    return files.jpeg_with_gps(seed=uuid.uuid4().int % 2**32, size=(320, 240))


def native(client, creds, token, *photos, ticket=None, description="ไฟดับ"):
    body = {**UTTARADIT, "category": "street_light", "description": description}
    if ticket:
        body["client_ticket_id"] = ticket
    headers = {"Authorization": f"Bearer {creds['key']}"}
    if token:
        headers["Idempotency-Key"] = token
    if not photos:
        return client.post("/api/v1/complaints", json=body, headers=headers)
    upload = [("photo", (f"p{n}.jpg", content, "image/jpeg")) for n, content in enumerate(photos)]
    return client.post("/api/v1/complaints", data={"complaint": json.dumps(body)}, files=upload, headers=headers)


def photo_rows(django_db_blocker, complaint_id) -> int:
    with django_db_blocker.unblock():
        return Photo.objects.filter(complaint_id=complaint_id).count()


def test_a_filing_without_photos_keeps_the_fingerprint_it_had():
    """Fingerprints stored before photos counted must still match a photo-less retry: the value below
    is what the code before this change computed for this filing."""
    filing = intake.Filing(
        lon=100.0997, lat=17.6201, categories=("street_light",), description="ไฟดับ", client_ticket_id="T-1"
    )
    filing.intake_key_id = 7
    assert filing.fingerprint() == "03f522bdf73be8955821124f89dd0eae64ab5c89eb76a673d65969751fab00ae"
    filing.photo_digests = ("ab",)
    assert filing.fingerprint() == "803f74ec2d83f8d7f819d4da5c631e528878289d0e43c473943c338cce227d60"


def test_same_key_same_photos_replays_other_photos_conflict(live, django_db_blocker):
    client, creds, made = live
    token, a, b = f"ph-{uuid.uuid4()}", picture(), picture()
    first = native(client, creds, token, a, b)
    assert first.status_code == 201, first.text
    cid = first.json()["id"]
    made.append(cid)

    again = native(client, creds, token, a, b)
    assert (again.status_code, again.json()["id"]) == (200, cid)
    assert again.headers["idempotent-replayed"] == "true"

    for photos in ((b, a), (a,), (a, b, picture()), (picture(), b), ()):
        reply = native(client, creds, token, *photos)
        assert reply.status_code == 409, (len(photos), reply.text)
        error = reply.json()["error"]
        assert error["code"] == "idempotency_conflict"
        assert error["message"] == f"Idempotency-Key {token!r} was used for a different complaint"
    assert photo_rows(django_db_blocker, cid) == 2  # the first filing's, nothing more


def test_a_key_first_used_without_photos_conflicts_with_photos(live):
    client, creds, _ = live
    token = f"ph-{uuid.uuid4()}"
    assert native(client, creds, token).status_code == 201
    assert native(client, creds, token).status_code == 200
    reply = native(client, creds, token, picture())
    assert reply.status_code == 409 and reply.json()["error"]["code"] == "idempotency_conflict"


def test_a_ticket_id_reused_with_another_photo_conflicts(live, django_db_blocker):
    client, creds, made = live
    ticket, a = f"T-{uuid.uuid4()}", picture()
    first = native(client, creds, None, a, ticket=ticket)
    assert first.status_code == 201, first.text
    made.append(first.json()["id"])
    assert native(client, creds, None, a, ticket=ticket).json()["id"] == first.json()["id"]
    reply = native(client, creds, None, picture(), ticket=ticket)
    assert reply.status_code == 409
    assert reply.json()["error"]["message"] == f"client_ticket_id {ticket!r} was used for a different complaint"
    assert photo_rows(django_db_blocker, first.json()["id"]) == 1


def open311(client, creds, token, *media):
    form = {"api_key": creds["key"], "service_code": "street_light", "lat": "17.6201", "long": "100.0997"}
    upload = [("media", ("m.jpg", content, "image/jpeg")) for content in media]
    headers = {"Idempotency-Key": token}
    return client.post("/open311/v2/requests.json", data=form | {"description": "ไฟดับ"}, files=upload, headers=headers)


def test_open311_media_is_part_of_the_token(live, django_db_blocker):
    client, creds, made = live
    token, a = f"tok-{uuid.uuid4()}", picture()
    first = open311(client, creds, token, a)
    assert first.status_code == 200, first.text
    rid = first.json()[0]["service_request_id"]
    made.append(int(rid))
    again = open311(client, creds, token, a)
    assert (again.status_code, again.json()[0]["service_request_id"]) == (200, rid)
    other = open311(client, creds, token, picture())
    assert other.status_code == 409
    assert other.json() == [
        {"code": 409, "description": f"Idempotency-Key {token!r} was used for a different complaint"}
    ]
    assert photo_rows(django_db_blocker, int(rid)) == 1
