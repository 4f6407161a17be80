"""What the API fuzzing found, pinned down: each answered 500 before it was fixed."""

import json
import socket
import urllib.parse

import pytest

from .web import get, post, request


def test_nul_in_a_query_string_is_a_clear_400(live_api):
    reply = get(f"{live_api}/api/v1/stats/trend?agency=A%00B")
    assert reply.status == 400 and "NUL" in reply.json()["error"]["message"]


def test_nul_in_a_json_body_is_a_clear_400(live_api, credentials):
    body = {"lon": 100.5, "lat": 13.75, "category": "road", "description": "broken\u0000pipe"}
    reply = post(f"{live_api}/api/v1/complaints", body, headers={"Authorization": f"Bearer {credentials['key']}"})
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid"


def test_nul_in_a_form_body_is_a_clear_400(live_api, credentials):
    fields = {"api_key": credentials["key"], "service_code": "road", "lat": "13.75", "long": "100.5"}
    fields["description"] = "a\x00b"
    reply = request(
        f"{live_api}/open311/v2/requests.json",
        "POST",
        urllib.parse.urlencode(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert reply.status == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/stats?until=2039-11-25T16:18:06%2B16:23",
        "/api/v1/stats/top?since=0308-02-05T15:27:03-17:33",
        "/api/v1/complaints?since=2026-13-01T00:00:00%2B07:00",
    ],
)
def test_impossible_date_times_are_a_clear_400(live_api, path):
    reply = get(live_api + path)
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid_parameter"


def test_open311_rejects_an_offset_no_zone_has(live_api):
    reply = get(f"{live_api}/open311/v2/requests.json?start_date=2026-11-01T00:00:00%2B16:00")
    assert reply.status == 400


def test_a_real_offset_still_works(live_api):
    assert get(f"{live_api}/api/v1/stats?since=2026-11-01T00:00:00%2B07:00").status == 200
    assert get(f"{live_api}/api/v1/stats?since=2026-11-01T00:00:00").status == 200


def test_ogc_datetime_with_an_offset_no_zone_has_is_a_400(live_api):
    base = f"{live_api}/ogc/collections/complaints/items?datetime="
    assert get(base + "2026-11-01T00:00:00%2B16:00").status == 400
    assert get(base + "2026-11-01T00:00:00%2B07:00/..").status == 200


# Issue 13, item 5: each answered 500 before the parsing layer (params/, api/parsers.py) took it.
HUGE = "9" * 30
SUPERSCRIPT_TWO = urllib.parse.quote("²")


@pytest.mark.parametrize(
    ("path", "status", "fragment"),
    [
        (f"/api/v1/complaints?offset={HUGE}", 400, "offset: expected an integer of at most 18 ASCII digits"),
        (f"/api/v1/complaints?offset={10**19}", 400, "offset: expected an integer of at most 18 ASCII digits"),
        (f"/api/v1/boundaries?level=province&offset={HUGE}", 400, "offset: expected an integer"),
        (f"/ogc/collections/complaints/items?offset={HUGE}", 400, "offset: expected an integer"),
        (f"/ogc/collections/complaints/items?limit={SUPERSCRIPT_TWO}", 400, "limit: expected an integer"),
        (f"/ogc/collections/complaints/items/{SUPERSCRIPT_TWO}", 404, "no feature '²' in complaints"),
        (f"/ogc/collections/complaints/items/{HUGE}", 404, f"no feature '{HUGE}' in complaints"),
        (f"/open311/v2/requests.json?service_request_id={SUPERSCRIPT_TWO}", 400, "service_request_id: expected"),
        (f"/open311/v2/requests.json?service_request_id=1,{HUGE}", 400, "service_request_id: expected"),
        (f"/open311/v2/requests/{urllib.parse.quote('๑๒')}.json", 404, "no such resource"),
        (f"/open311/v2/requests/{HUGE}.json", 404, "no such resource"),
        (f"/api/v1/complaints/{HUGE}", 404, "no such resource"),
        ("/api/v1/complaints?since=0001-01-01T00:00:00%2B14:00", 400, "since: expected an ISO 8601 date-time"),
        ("/api/v1/stats?until=9999-12-31T23:59:59-12:00", 400, "until: expected an ISO 8601 date-time"),
        ("/api/v1/complaints?until=0001-01-01T00:00:00", 400, "until: expected"),  # Bangkok time: year 0 in UTC
        ("/ogc/collections/complaints/items?datetime=0001-01-01T00:00:00%2B14:00", 400, "datetime: an RFC 3339"),
        ("/open311/v2/requests.json?end_date=0001-01-01T00:00:00%2B14:00", 400, "end_date: must be a w3 date-time"),
        ("/open311/v2/requests.json?end_date=0001-01-02T00:00:00Z", 200, "[]"),
    ],
)
def test_parameters_that_overflowed_are_a_clear_4xx(live_api, path, status, fragment):
    reply = get(live_api + path)
    # JSON answers are read as text with their escapes undone (OGC writes "²" as "\u00b2").
    text = json.dumps(json.loads(reply.body), ensure_ascii=False)
    assert reply.status == status and fragment in text


def test_unmatched_routes_answer_in_their_protocols_shape(live_api):
    assert get(f"{live_api}/open311/v2/requests/{HUGE}.xml").body.startswith(b'<?xml version="1.0"')
    assert json.loads(get(f"{live_api}/open311/v2/requests/{HUGE}.json").body)[0]["code"] == 404
    assert get(f"{live_api}/ogc/collections/x/items/1/y").json()["code"] == "NotFound"
    assert get(f"{live_api}/api/v1/complaints/{HUGE}").json()["error"]["code"] == "not_found"


DEEP_LIST = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("path", "body", "code", "message"),
    [
        ("/api/v1/route", DEEP_LIST, "malformed_request", "JSON body: nested more than 64 levels deep"),
        (
            "/api/v1/route",
            '{"lon": 100.5, "lat": 13.7, "id": ' + "[" * 65 + "]" * 65 + "}",
            "malformed_request",
            "JSON body: nested more than 64 levels deep",
        ),
        (
            "/api/v1/complaints",
            '{"x": ' + DEEP_LIST + "}",
            "malformed_request",
            "JSON body: nested more than 64 levels deep",
        ),
        (
            "/api/v1/complaints",
            '{"lon": 100.5, "lat": 13.75, "description": "bad \\ud800 text"}',
            "invalid",
            "JSON body: description contains a lone surrogate (U+D800), which is not a character",
        ),
        (
            "/api/v1/route",
            '{"lon": 100.5, "lat": 13.75, "id": "\\udc00"}',
            "invalid",
            "JSON body: id contains a lone surrogate (U+DC00), which is not a character",
        ),
        (
            "/api/v1/route",
            '{"lon": 100.5, "lat": 13.75, "\\ud83d": 1}',
            "invalid",
            "JSON body: a key in body contains a lone surrogate (U+D83D), which is not a character",
        ),
        (
            "/api/v1/route",
            '{"lon": 100.5, "lat": 13.75, "id": 1e999}',
            "malformed_request",
            "JSON body: the number 1e999 is out of range",
        ),
        (
            "/api/v1/route",
            '{"lon": 1' + "0" * 400 + ', "lat": 13.75}',
            "malformed_request",
            "JSON body: an integer of more than 30 digits",
        ),
        ("/api/v1/route", '{"lon": NaN, "lat": 13.75}', "malformed_request", "JSON body: NaN is not a JSON number"),
        (
            "/api/v1/route",
            b'{"lon": 100.5, "lat": 13.75, "id": "\xff"}',
            "malformed_request",
            "JSON body: the body is not UTF-8 (byte 36)",
        ),
    ],
)
def test_json_bodies_nothing_can_store_are_a_clear_400(live_api, credentials, path, body, code, message):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {credentials['key']}"}
    reply = request(live_api + path, "POST", body, headers=headers)
    assert reply.status == 400 and reply.json()["error"] == {"code": code, "message": message}


def multipart(fields, boundary="b0undary"):
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v.encode() + b"\r\n"
        for k, v in fields.items()
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def test_nul_in_a_multipart_body_is_a_clear_400_in_open311s_shape(live_api, credentials):
    fields = {"api_key": credentials["key"], "service_code": "road", "lat": "13.75", "long": "100.5"}
    for name in ("description", "first_name", "attribute[pole]"):
        body = multipart({**fields, name: "a\x00b"})
        reply = request(
            f"{live_api}/open311/v2/requests.json",
            "POST",
            body,
            headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
        )
        assert reply.status == 400
        assert json.loads(reply.body) == [{"code": 400, "description": f"{name}: contains a NUL character (U+0000)"}]
    # The same form without the NUL is filed.
    ok = request(
        f"{live_api}/open311/v2/requests.json",
        "POST",
        multipart({**fields, "description": "ถนนพัง"}),
        headers={"Content-Type": "multipart/form-data; boundary=b0undary"},
    )
    assert ok.status == 200 and json.loads(ok.body)[0]["service_request_id"].isascii()


def raw_http(base, head: bytes, chunks) -> tuple[int, bytes]:
    """One request over a socket, its body sent in chunks (Transfer-Encoding: chunked)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        for chunk in chunks:
            sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    if b"transfer-encoding: chunked" in head.lower():
        body = dechunk(body)
    return int(head.split(b" ", 2)[1]), body


def dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size, data = data.split(b"\r\n", 1)
        if int(size, 16) == 0:
            break
        out, data = out + data[: int(size, 16)], data[int(size, 16) + 2 :]
    return out


def test_a_chunked_body_is_read_not_taken_as_empty(live_api):
    body = json.dumps({"lon": 100.5018, "lat": 13.7563, "id": "chunked"}).encode()
    head = b"POST /api/v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    status, answer = raw_http(live_api, head, [body[:10], body[10:25], body[25:]])
    assert status == 200
    doc = json.loads(answer)
    assert doc["id"] == "chunked" and doc["jurisdictions"]["subdistrict"]["code"] == "100107"


def test_a_chunked_body_over_the_limit_is_413(live_api):
    head = b"POST /api/v1/route HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    status, answer = raw_http(live_api, head, [b" " * (1024 * 1024)] * 9)
    assert status == 413 and json.loads(answer)["error"]["code"] == "body_too_large"


def test_a_chunked_open311_form_is_read(live_api, credentials):
    form = urllib.parse.urlencode(
        {"api_key": credentials["key"], "service_code": "road", "lat": "13.7563", "long": "100.5018"}
    ).encode()
    head = b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += b"Content-Type: application/x-www-form-urlencoded\r\n"
    status, answer = raw_http(live_api, head, [form[:20], form[20:]])
    assert status == 200 and json.loads(answer)[0]["service_request_id"].isascii()


def test_an_intake_key_name_longer_than_its_column_is_refused_when_issued(django_db_blocker):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="the name is 101 characters; at most 100"):
        call_command("issue_api_key", "x" * 101)
    with pytest.raises(CommandError, match=r"rate 'fast': expected e\.g\. 120/min"):
        call_command("issue_api_key", "LINE bot", "--rate", "fast")


def test_a_key_with_the_longest_name_files_complaints(live_api, django_db_blocker):
    """Keys name complaints' source: the column is as long as the key's name may be (100)."""
    from access.models import IntakeKey

    name = "ระบบรับเรื่องร้องเรียน " * 4 + "x" * (100 - 4 * len("ระบบรับเรื่องร้องเรียน "))
    with django_db_blocker.unblock():
        _, key = IntakeKey.objects.issue(name)
    body = {"lon": 100.0997, "lat": 17.6201, "category": "road"}
    reply = post(f"{live_api}/api/v1/complaints", body, headers={"Authorization": f"Bearer {key}"})
    assert len(name) == 100 and reply.status == 201 and reply.json()["source"] == name


def test_an_idempotency_key_longer_than_its_column_is_a_400_on_both_apis(live_api, credentials):
    long_key = "k" * 201
    native = post(
        f"{live_api}/api/v1/complaints",
        {"lon": 100.0997, "lat": 17.6201, "category": "road"},
        headers={"Authorization": f"Bearer {credentials['key']}", "Idempotency-Key": long_key},
    )
    assert native.status == 400 and native.json()["error"]["message"] == "Idempotency-Key: 1 to 200 characters"
    form = urllib.parse.urlencode(
        {"api_key": credentials["key"], "service_code": "road", "lat": "17.6201", "long": "100.0997"}
    )
    open311 = request(
        f"{live_api}/open311/v2/requests.json",
        "POST",
        form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": long_key},
    )
    assert open311.status == 400
    assert json.loads(open311.body) == [{"code": 400, "description": "Idempotency-Key: 1 to 200 characters"}]
