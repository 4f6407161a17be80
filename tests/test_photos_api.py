"""Photos over real HTTP (nginx + gunicorn on loopback, tests/conftest.py's front_server): filed
with a complaint (native multipart, Open311's media), with a transition, served by the project,
flagged when reused, hidden by staff. The stored files are read back from storage."""

import io
import json
import uuid
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from complaints.models import Complaint, HistoryEntry
from photos.models import Photo

from . import photo_files as files
from .test_photo_processing import assert_clean

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}


@pytest.fixture(scope="module")
def live(live_api, credentials, django_db_blocker):
    client = httpx.Client(base_url=live_api, timeout=60)
    yield client, credentials
    client.close()
    files.remove_stored(django_db_blocker)  # the files this module stored leave storage with it


def fresh() -> int:
    """A picture never used before: the test database (and its photos) outlive a run with --reuse-db,
    and a picture seen in an earlier run would be flagged as reused."""
    return uuid.uuid4().int


def bearer(creds):
    return {"Authorization": f"Bearer {creds['key']}"}


def staff(creds, code="5399"):
    return tuple(creds["staff"][code])


def file_complaint(client, creds, *photos, ticket=None, as_fields=False, name="photo.jpg", **extra):
    body = {**UTTARADIT, "category": "street_light", "description": "ไฟดับ", **extra}
    body["client_ticket_id"] = ticket or f"photo-{uuid.uuid4()}"
    if as_fields:
        data = {k: str(v) for k, v in body.items() if k != "category"} | {"category": body["category"]}
    else:
        data = {"complaint": json.dumps(body)}
    if not photos:
        return client.post("/api/v1/complaints", json=body, headers=bearer(creds))
    upload = [("photo", (name, content, "image/jpeg")) for content in photos]
    return client.post("/api/v1/complaints", data=data, files=upload, headers=bearer(creds))


def db(django_db_blocker, fn):
    with django_db_blocker.unblock():
        return fn()


def served(client, url, **headers):
    return client.get(urlsplit(url).path, headers=headers)


def test_a_jpeg_with_gps_is_stored_without_any_of_it(live, django_db_blocker):
    client, creds = live
    reply = file_complaint(client, creds, files.jpeg_with_gps(seed=fresh(), size=(1200, 900)))
    assert reply.status_code == 201, reply.text
    doc = reply.json()
    [photo] = doc["photos"]
    assert photo["kind"] == "before" and (photo["width"], photo["height"]) == (1200, 900)
    assert (photo["thumbnail_width"], photo["thumbnail_height"]) == (320, 240)
    assert "hidden" not in photo and "similar" not in photo  # the intake key is not the agency's staff
    assert urlsplit(photo["url"]).path == f"/api/v1/photos/{photo['id']}.jpg"

    # From storage, as the server wrote it.
    row = db(django_db_blocker, lambda: Photo.objects.get(id=photo["id"]))
    with row.image.storage.open(row.image.name, "rb") as stored:
        data = stored.read()
    assert_clean(data, "JPEG")
    with row.thumbnail.storage.open(row.thumbnail.name, "rb") as stored:
        thumb = stored.read()
    assert_clean(thumb, "WEBP")
    assert Image.open(io.BytesIO(thumb)).size == (320, 240)

    # The agency is sent the photo with the complaint (the delivery is scheduled after the photos).
    from delivery.models import Delivery

    sent = db(django_db_blocker, lambda: [d.payload for d in Delivery.objects.filter(complaint_id=doc["id"])])
    assert sent and [p["url"] for p in sent[0]["complaint"]["photos"]] == [photo["url"]]

    # And over HTTP, from the project's own view, with caching headers.
    image = served(client, photo["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content == data
    assert image.headers["cache-control"] == "public, max-age=60, s-maxage=0"
    again = served(client, photo["url"], **{"If-None-Match": image.headers["etag"]})
    assert again.status_code == 304
    thumbnail = served(client, photo["thumbnail_url"])
    assert thumbnail.headers["content-type"] == "image/webp" and thumbnail.content == thumb


def test_form_fields_and_several_photos_png_and_webp(live):
    client, creds = live
    reply = file_complaint(
        client, creds, files.png_with_metadata(seed=fresh()), files.webp_with_metadata(seed=fresh()), as_fields=True
    )
    assert reply.status_code == 201, reply.text
    doc = reply.json()
    assert doc["agency"]["code"] == "5399" and doc["description"] == "ไฟดับ"
    assert [p["kind"] for p in doc["photos"]] == ["before", "before"]
    for photo in doc["photos"]:
        assert_clean(served(client, photo["url"]).content, "JPEG")


BAD = [
    ("truncated", files.jpeg_with_gps(seed=fresh())[:4000], "malformed"),
    ("random", files.random_bytes(), "unsupported_type"),
    ("bomb", files.png_of_size(20000, 20000), "too_many_pixels"),
    ("gif", files.gif(), "unsupported_type"),
    ("oversized", b"\xff\xd8\xff\xe0" + bytes(10 * 1024 * 1024), "too_large"),  # 10 MiB + 4 bytes
]


@pytest.mark.parametrize(("kind", "data", "problem"), BAD, ids=[b[0] for b in BAD])
def test_bad_photos_are_400_and_file_nothing(live, django_db_blocker, kind, data, problem):
    client, creds = live
    ticket = f"bad-photo-{uuid.uuid4()}"
    good = files.jpeg_with_gps(seed=fresh())
    reply = file_complaint(client, creds, good, data, ticket=ticket, name="photo.jpg")
    assert reply.status_code == 400, reply.text
    error = reply.json()["error"]
    assert error["code"] == "invalid_photo"
    assert error["details"] == {"field": "photo", "problem": problem, "index": 1}
    assert db(django_db_blocker, lambda: Complaint.objects.filter(client_ticket_id=ticket).count()) == 0


def test_a_file_under_another_name_is_400_not_lost(live):
    client, creds = live
    body = {"complaint": json.dumps({**UTTARADIT, "category": "road"})}
    upload = [("photos", ("p.jpg", files.jpeg_with_gps(seed=fresh()), "image/jpeg"))]
    reply = client.post("/api/v1/complaints", data=body, files=upload, headers=bearer(creds))
    assert reply.status_code == 400 and reply.json()["error"]["details"] == {"field": "photos"}
    form = {"api_key": creds["key"], "service_code": "road", "lat": "17.6201", "long": "100.0997"}
    media = [("image", ("p.jpg", files.jpeg_with_gps(seed=fresh()), "image/jpeg"))]
    refused = client.post("/open311/v2/requests.json", data=form, files=media)
    assert refused.status_code == 400 and "`media`" in refused.json()[0]["description"]


def test_the_complaint_part_may_be_a_file_and_must_be_json(live):
    client, creds = live
    body = json.dumps({**UTTARADIT, "category": "road", "client_ticket_id": f"part-{uuid.uuid4()}"}).encode()
    photo = ("photo", ("p.jpg", files.jpeg_with_gps(seed=fresh()), "image/jpeg"))
    as_file = [("complaint", ("c.json", body, "application/json")), photo]
    reply = client.post("/api/v1/complaints", files=as_file, headers=bearer(creds))
    assert reply.status_code == 201 and len(reply.json()["photos"]) == 1
    broken = client.post("/api/v1/complaints", data={"complaint": "{"}, files=[photo], headers=bearer(creds))
    assert broken.status_code == 400 and broken.json()["error"]["details"] == {"field": "complaint"}


def test_more_photos_than_allowed_is_400(live):
    client, creds = live
    reply = file_complaint(client, creds, *[files.jpeg_with_gps(seed=fresh())] * 4)
    assert reply.status_code == 400 and reply.json()["error"]["details"]["problem"] == "too_many_photos"


def test_open311_media_upload_and_its_errors(live, django_db_blocker):
    client, creds = live
    form = {"api_key": creds["key"], "service_code": "street_light", "lat": "17.6201", "long": "100.0997"}
    media = [("media", ("m.heic", files.heic_with_gps(seed=fresh()), "image/heic"))]
    reply = client.post("/open311/v2/requests.json", data=form, files=media)
    assert reply.status_code == 200, reply.text
    [row] = reply.json()
    assert urlsplit(row["media_url"]).path.startswith("/api/v1/photos/")
    assert_clean(served(client, row["media_url"]).content, "JPEG")
    listed = client.get(f"/open311/v2/requests/{row['service_request_id']}.json").json()
    assert listed[0]["media_url"] == row["media_url"]

    before = db(django_db_blocker, Complaint.objects.count)
    bad = [("media", ("m.jpg", files.random_bytes(), "image/jpeg"))]
    refused = client.post("/open311/v2/requests.json", data=form, files=bad)
    assert refused.status_code == 400
    [error] = refused.json()
    assert error["code"] == 400 and error["description"].startswith("media: ")
    xml = client.post("/open311/v2/requests.xml", data=form, files=bad)
    assert xml.status_code == 400 and b"<errors><error><code>400</code>" in xml.content
    assert db(django_db_blocker, Complaint.objects.count) == before


def move(client, creds, cid, action, *photos, code="5399"):
    url, who = f"/api/v1/complaints/{cid}/transitions", staff(creds, code)
    if not photos:
        return client.post(url, json={"action": action}, auth=who)
    upload = [("photo", ("after.jpg", content, "image/jpeg")) for content in photos]
    return client.post(url, data={"action": action}, files=upload, auth=who)


def test_an_after_photo_equal_to_the_before_photo_is_flagged(live):
    client, creds = live
    before = files.jpeg_with_gps(seed=fresh())
    cid = file_complaint(client, creds, before).json()["id"]
    assert move(client, creds, cid, "start").status_code == 200
    reply = move(client, creds, cid, "finish", before)
    assert reply.status_code == 200, reply.text
    doc = reply.json()  # the agency's staff: flags shown
    first, after = doc["photos"]
    assert after["kind"] == "after"
    assert after["similar"] == [{"photo": first["id"], "complaint": cid, "kind": "before", "distance": 0}]
    flagged = [h for h in doc["history"] if h["event"] == "photo_flagged"]
    assert len(flagged) == 1 and flagged[0]["data"]["photo"] == after["id"]
    assert "this complaint's own before photo" in flagged[0]["note"]


def test_a_different_after_photo_is_not_flagged(live):
    client, creds = live
    cid = file_complaint(client, creds, files.jpeg_with_gps(seed=fresh())).json()["id"]
    move(client, creds, cid, "start")
    doc = move(client, creds, cid, "finish", files.jpeg_with_gps(seed=fresh())).json()
    assert doc["photos"][1]["kind"] == "after" and doc["photos"][1]["similar"] == []
    assert "photo_flagged" not in [h["event"] for h in doc["history"]]
    # Open311's request updates give the finish its after photo as media_url.
    rows = client.get(f"/open311/v2/servicerequestupdates.json?service_request_id={cid}").json()
    # (The filing, the start, the finish; the finish may be followed by an "is it fixed?" question.)
    assert [(r["external_status_code"], r["media_url"]) for r in rows[:3]] == [
        ("waiting", doc["photos"][0]["url"]),
        ("in_progress", None),
        ("finished", doc["photos"][1]["url"]),
    ]
    assert all(r["media_url"] is None for r in rows[3:])


def test_another_complaints_photo_as_after_photo_is_flagged(live):
    client, creds = live
    elsewhere = files.jpeg_with_gps(seed=fresh())
    other = file_complaint(client, creds, elsewhere).json()
    cid = file_complaint(client, creds, files.jpeg_with_gps(seed=fresh())).json()["id"]
    move(client, creds, cid, "start")
    doc = move(client, creds, cid, "finish", elsewhere).json()
    assert doc["photos"][1]["similar"][0]["complaint"] == other["id"]


def test_a_bad_after_photo_is_400_and_the_complaint_does_not_move(live):
    client, creds = live
    cid = file_complaint(client, creds).json()["id"]
    reply = move(client, creds, cid, "start", files.jpeg_with_gps(seed=fresh())[:3000])
    assert reply.status_code == 400 and reply.json()["error"]["code"] == "invalid_photo"
    assert client.get(f"/api/v1/complaints/{cid}").json()["status"] == "waiting"


def test_hidden_photos_leave_every_public_output(live, django_db_blocker):
    client, creds = live
    doc = file_complaint(client, creds, files.jpeg_with_gps(seed=fresh()), files.jpeg_with_gps(seed=fresh())).json()
    cid, (hide, keep) = doc["id"], doc["photos"]  # the first: Open311 would show it
    hide_url = f"/api/v1/photos/{hide['id']}/hide"
    assert client.post(hide_url, json={"reason": "x"}, auth=staff(creds, "PEA")).status_code == 403
    assert client.post(hide_url, json={}, auth=staff(creds)).status_code == 400
    reason = "shows a licence plate"
    reply = client.post(f"/api/v1/photos/{hide['id']}/hide", json={"reason": reason}, auth=staff(creds))
    assert reply.status_code == 200 and reply.json()["hidden"] is True

    public = client.get(f"/api/v1/complaints/{cid}").json()
    assert [p["id"] for p in public["photos"]] == [keep["id"]]
    listed = client.get(f"/api/v1/complaints?limit=1000&since={doc['created'].replace('+', '%2B')}").json()
    [mine] = [c for c in listed["results"] if c["id"] == cid]
    assert [p["id"] for p in mine["photos"]] == [keep["id"]]
    assert served(client, hide["url"]).status_code == 404
    assert served(client, hide["thumbnail_url"]).status_code == 404
    assert served(client, keep["url"]).status_code == 200
    gone = f"/api/v1/photos/{hide['id']}"
    as_json, as_xml = (client.get(f"/open311/v2/requests/{cid}.{fmt}").text for fmt in ("json", "xml"))
    assert json.loads(as_json)[0]["media_url"] == keep["url"] and gone not in as_json
    assert f"<media_url>{keep['url']}</media_url>" in as_xml and gone not in as_xml

    own = client.get(f"/api/v1/complaints/{cid}", auth=staff(creds)).json()
    hidden = [p for p in own["photos"] if p["id"] == hide["id"]]
    assert hidden[0]["hidden"] is True and hidden[0]["hidden_reason"] == reason
    [entry] = [h for h in own["history"] if h["event"] == "photo_hidden"]
    assert entry["note"] == reason and entry["data"] == {"photo": hide["id"], "kind": "before"}
    assert entry["actor"] == {"role": "staff", "agency": "5399", "name": "staff-5399 (5399)"}
    row = db(django_db_blocker, lambda: HistoryEntry.objects.get(complaint_id=cid, event="photo_hidden"))
    assert (row.actor, row.note) == ("staff-5399 (5399)", reason)
    assert served(client, hide["url"], Authorization="").status_code == 404

    # Shown again: back in the public outputs.
    client.post(f"/api/v1/photos/{hide['id']}/show", json={"reason": "plate blurred by hand"}, auth=staff(creds))
    assert len(client.get(f"/api/v1/complaints/{cid}").json()["photos"]) == 2


def test_body_limits_allow_the_photos_and_no_more(live):
    """nginx (and the middleware behind it) take GEO_UPLOAD_MAX_BODY, 3 x 10 MiB + 1 MiB = 32,505,856
    bytes, on the upload endpoints only; everywhere else the 8 MiB limit stays."""
    client, creds = live
    filler = bytes(32_505_856)  # with the multipart envelope, just over the limit
    reply = file_complaint(client, creds, filler)
    assert reply.status_code == 413 and reply.json()["error"]["code"] == "body_too_large"
    assert "32505856" in reply.json()["error"]["message"]
    elsewhere = client.post("/api/v1/route/batch", content=bytes(9 * 1024 * 1024), headers=bearer(creds))
    assert elsewhere.status_code == 413


def test_the_same_photo_raises_a_duplicate_candidates_score(live):
    """complaints/duplicates.py's photo term, wired to the stored hashes: two reports 20 m from an
    earlier one, same category and text, one with the earlier photo and one with another."""
    client, creds = live
    offset = 0.001 + (uuid.uuid4().int % 3000) / 1_000_000  # away from the other tests' pins
    first_at = {"lon": UTTARADIT["lon"] + offset, "lat": UTTARADIT["lat"]}
    near = {"lon": first_at["lon"], "lat": first_at["lat"] + 0.00018}  # 20 m north
    seed = fresh()
    picture = files.jpeg_with_gps(seed=seed)
    first = file_complaint(client, creds, picture, **first_at).json()
    same = file_complaint(client, creds, picture, **near).json()
    # another photo: the negative, as far from the first as hashes go (two random pictures of
    # rectangles can share 42 of 64 bits and make the difference depend on the seed)
    other = file_complaint(client, creds, files.jpeg_inverted(seed=seed), **near).json()
    [with_same] = [c for c in same["duplicates"]["candidates"] if c["id"] == first["id"]]
    [with_other] = [c for c in other["duplicates"]["candidates"] if c["id"] == first["id"]]
    assert 19 <= with_same["distance_m"] <= 21 and 19 <= with_other["distance_m"] <= 21
    # Weights 0.4 distance, 0.2 age, 0.25 text, 0.15 photo: the same photo adds 0.15, another ~0.
    assert with_same["score"] - with_other["score"] >= 0.1


def test_a_reporters_photos_are_in_their_export_and_go_on_erasure(live, django_db_blocker):
    from complaints import subject_access
    from complaints.actors import Actor

    client, creds = live
    contact = f"08{uuid.uuid4().int % 10**8:08d}"
    doc = file_complaint(client, creds, files.jpeg_with_gps(seed=fresh()), reporter={"contact": contact}).json()
    cid, [sent] = doc["id"], doc["photos"]
    after = move(client, creds, cid, "start", files.jpeg_with_gps(seed=fresh()))
    assert after.status_code == 200
    exported = db(django_db_blocker, lambda: subject_access.export(contact))
    [mine] = exported["complaints"]
    assert mine["id"] == cid and [p["id"] for p in mine["photos"] if p["kind"] == "before"] == [sent["id"]]
    stored = db(django_db_blocker, lambda: Photo.objects.get(id=sent["id"]))
    names = [stored.image.name, stored.thumbnail.name]
    assert all(stored.image.storage.exists(name) for name in names)

    db(django_db_blocker, lambda: subject_access.erase(contact, Actor("operator", "dpo")))
    assert not db(django_db_blocker, lambda: Photo.objects.filter(id=sent["id"]).exists())
    assert not any(stored.image.storage.exists(name) for name in names)  # the files, not only the rows
    kept = db(django_db_blocker, lambda: list(Photo.objects.filter(complaint_id=cid).values_list("kind", flat=True)))
    assert kept == ["after"]  # the agency's record of the work stays
    assert served(client, sent["url"]).status_code == 404
    entry = db(django_db_blocker, lambda: HistoryEntry.objects.get(complaint_id=cid, event="photos_erased"))
    assert entry.data == {"photos": [sent["id"]]} and entry.actor_role == "operator"
    assert db(django_db_blocker, lambda: Complaint.objects.filter(id=cid).exists())
