"""What is published (issue 13, item 8): personal data typed into text is masked in every public
output and kept verbatim for the agency's staff; links are plain http(s) URLs."""

import base64
import json
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

import pytest

from complaints.privacy import mask

from .web import get, post, request

# Written down by hand: input -> what the public sees.
MASKED = [
    ("โทร 081-234-5678 ครับ", "โทร [phone hidden] ครับ"),
    ("ติดต่อ 0812345678", "ติดต่อ [phone hidden]"),
    ("บ้าน 02-123-4567 หรือ 02 123 4567", "บ้าน [phone hidden] หรือ [phone hidden]"),
    ("มือถือ +66 81 234 5678", "มือถือ [phone hidden]"),
    ("+66-2-123-4567", "[phone hidden]"),
    ("66812345678", "[phone hidden]"),
    ("เบอร์ 0812345678,0898765432", "เบอร์ [phone hidden],[phone hidden]"),
    ("081-23-45-678", "[phone hidden]"),
    ("๐๘๑-๒๓๔-๕๖๗๘", "[phone hidden]"),
    ("บัตรประชาชน 1-2345-67890-12-3 ค่ะ", "บัตรประชาชน [national ID hidden] ค่ะ"),
    ("เลขบัตร 1234567890123", "เลขบัตร [national ID hidden]"),
    ("1 2345 67890 12 3", "[national ID hidden]"),
    ("อีเมล somchai.j@example.co.th แจ้งด้วย", "อีเมล [e-mail hidden] แจ้งด้วย"),
    ("ติดต่อsomchai@mail.com", "ติดต่อ[e-mail hidden]"),
    ("ไฟดับ\ncontact: 0812345678\npole_number: UTT-0042", "ไฟดับ\ncontact: [phone hidden]\npole_number: UTT-0042"),
]
KEPT = [
    "วันที่ 2026-11-30 เวลา 08:30",
    "บ้านเลขที่ 45/6 หมู่ 4 ซอย 12",
    "พิกัด 13.7563, 100.5018",
    "สายด่วน 1555 ของ กทม.",
    "ราคา 1,500 บาท",
    "ไฟดับ 3 ต้น ตั้งแต่ 20 พ.ย.",
    "pole_number: UTT-0042",
    "",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_in_text_is_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", KEPT)
def test_ordinary_numbers_are_kept(text):
    assert mask(text) == text


DESCRIPTION = "ไฟดับทั้งซอย โทร 081-234-5678 อีเมล somchai@example.org บัตร 1-2345-67890-12-3"
PUBLISHED = "ไฟดับทั้งซอย โทร [phone hidden] อีเมล [e-mail hidden] บัตร [national ID hidden]"
NOTE = "โทรหาผู้แจ้งที่ 0898765432 แล้ว"
NOTE_PUBLISHED = "โทรหาผู้แจ้งที่ [phone hidden] แล้ว"
UTTARADIT = {"lon": 100.0997, "lat": 17.6201}  # the town municipality 5399's area


def basic(user_password):
    user, password = user_password
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def filed(live_api, credentials):
    """One complaint with personal data in its description and a staff note, filed over HTTP."""
    body = {**UTTARADIT, "category": "street_light", "description": DESCRIPTION, "client_ticket_id": str(uuid.uuid4())}
    reply = post(f"{live_api}/api/v1/complaints", body, headers={"Authorization": f"Bearer {credentials['key']}"})
    assert reply.status == 201, reply.body
    cid = reply.json()["id"]
    moved = post(
        f"{live_api}/api/v1/complaints/{cid}/transitions",
        {"action": "start", "note": NOTE},
        headers=basic(credentials["staff"]["5399"]),
    )
    assert moved.status == 200, moved.body
    return cid


def test_the_filing_answer_and_the_public_detail_are_masked(live_api, credentials, filed):
    doc = get(f"{live_api}/api/v1/complaints/{filed}").json()
    assert doc["description"] == PUBLISHED
    assert doc["history"][-1]["note"] == NOTE_PUBLISHED


def test_the_agencys_staff_read_the_text_verbatim(live_api, credentials, filed):
    own = get(f"{live_api}/api/v1/complaints/{filed}", headers=basic(credentials["staff"]["5399"])).json()
    assert own["description"] == DESCRIPTION and own["history"][-1]["note"] == NOTE
    other = get(f"{live_api}/api/v1/complaints/{filed}", headers=basic(credentials["staff"]["PEA"])).json()
    assert other["description"] == PUBLISHED


def test_lists_and_geojson_are_masked(live_api, filed):
    listed = get(f"{live_api}/api/v1/complaints?agency=5399&limit=1000").json()["results"]
    assert [c["description"] for c in listed if c["id"] == filed] == [PUBLISHED]
    features = get(f"{live_api}/api/v1/complaints?agency=5399&limit=1000&format=geojson").json()["features"]
    assert [f["properties"]["description"] for f in features if f["id"] == filed] == [PUBLISHED]


def test_ogc_items_publish_no_description(live_api, filed):
    reply = get(f"{live_api}/ogc/collections/complaints/items/{filed}")
    assert reply.status == 200
    text = reply.body.decode()
    assert "081-234-5678" not in text and "somchai" not in text and "description" not in reply.json()["properties"]


def test_open311_json_and_xml_are_masked(live_api, filed):
    rows = get(f"{live_api}/open311/v2/requests/{filed}.json").json()
    assert rows[0]["description"] == PUBLISHED and rows[0]["status_notes"] == NOTE_PUBLISHED
    xml = ET.fromstring(get(f"{live_api}/open311/v2/requests/{filed}.xml").body)
    assert xml.find("request/description").text == PUBLISHED
    listed = get(f"{live_api}/open311/v2/requests.json?service_request_id={filed}").json()
    assert listed[0]["description"] == PUBLISHED


def test_open311_attributes_appended_to_the_description_are_masked(live_api, credentials):
    fields = {
        "api_key": credentials["key"],
        "service_code": "street_light",
        "lat": "17.6201",
        "long": "100.0997",
        "description": "ไฟดับ",
        "attribute[callback]": "0812345678",
        "attribute[pole_number]": "UTT-0042",
    }
    body = urllib.parse.urlencode(fields)
    reply = request(
        f"{live_api}/open311/v2/requests.json",
        "POST",
        body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 200, reply.body
    rid = reply.json()[0]["service_request_id"]
    row = get(f"{live_api}/open311/v2/requests/{rid}.json").json()[0]
    assert row["description"] == "ไฟดับ\ncallback: [phone hidden]\npole_number: UTT-0042"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        'https://example.org/a.jpg"><script>alert(1)</script>',
        "https://example.org/<b>x</b>.jpg",
        "https://user:password@example.org/a.jpg",
        "ftp://example.org/a.jpg",
        "https://",
        "//example.org/a.jpg",
    ],
)
def test_links_are_plain_http_urls(live_api, credentials, url):
    ticket = str(uuid.uuid4())
    body = {**UTTARADIT, "category": "road", "photo_url": url, "client_ticket_id": ticket}
    reply = post(f"{live_api}/api/v1/complaints", body, headers={"Authorization": f"Bearer {credentials['key']}"})
    assert reply.status == 400 and reply.json()["error"]["details"] == {"field": "photo_url"}
    fields = {"api_key": credentials["key"], "service_code": "road", "lat": "17.6201", "long": "100.0997"}
    form = urllib.parse.urlencode({**fields, "media_url": url})
    reply = request(
        f"{live_api}/open311/v2/requests.json",
        "POST",
        form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 400 and json.loads(reply.body)[0]["description"].startswith("media_url: ")


def test_a_plain_https_link_is_published(live_api, credentials):
    url = "https://example.org/photos/2026/a%20b.jpg?size=large"
    body = {**UTTARADIT, "category": "road", "photo_url": url, "client_ticket_id": str(uuid.uuid4())}
    reply = post(f"{live_api}/api/v1/complaints", body, headers={"Authorization": f"Bearer {credentials['key']}"})
    assert reply.status == 201 and reply.json()["photo_url"] == url
