"""Issue 25, item 10 over real HTTP: a key given twice in a JSON body is a 400 naming it (the last
one no longer wins silently), on every endpoint that reads JSON (the routing fast path included);
unknown top-level fields of a filing are a 400 naming them, and nothing is filed."""

import uuid

import pytest

from .web import post, request

UTTARADIT = '"lon": 100.0997, "lat": 17.6201'


@pytest.fixture(scope="module")
def api(live_api):
    return f"{live_api}/api/v1"


@pytest.fixture(scope="module")
def key(credentials):
    return {"Authorization": f"Bearer {credentials['key']}", "Content-Type": "application/json"}


def raw_post(url, text, headers=None):
    return request(url, "POST", text, headers={"Content-Type": "application/json", **(headers or {})})


def refused_for(reply, *keys):
    assert reply.status == 400, reply.body
    error = reply.json()["error"]
    assert error["code"] == "duplicate_key" and error["details"] == {"duplicate_keys": list(keys)}, error
    for name in keys:
        assert repr(name) in error["message"]


def test_a_key_given_twice_is_refused_when_routing(api):
    refused_for(raw_post(f"{api}/route", '{"lon": 100.0997, "lat": 17.6201, "lon": 99.5}'), "lon")
    # Inside a point of a batch, and in a GeoJSON batch's feature properties.
    batch = '{"points": [{' + UTTARADIT + '}, {"lon": 100.5, "lat": 13.7, "lat": 13.8, "category": "road"}]}'
    refused_for(raw_post(f"{api}/route/batch", batch), "lat")
    features = (
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"category": "road",'
        ' "category": "drain"}, "geometry": {"type": "Point", "coordinates": [100.5, 13.7]}}]}'
    )
    refused_for(raw_post(f"{api}/route/batch", features), "category")
    # The same keys in different objects are no duplicates; nor is a colon inside a string.
    fine = raw_post(f"{api}/route/batch", '{"points": [{' + UTTARADIT + "}, {" + UTTARADIT + ', "id": "a:b"}]}')
    assert fine.status == 200 and [p["id"] for p in fine.json()["results"]] == [0, "a:b"]
    assert raw_post(f"{api}/route", "{" + UTTARADIT + "}").status == 200


def filed(django_db_blocker, ticket):
    from complaints.models import Complaint

    with django_db_blocker.unblock():
        return Complaint.objects.filter(client_ticket_id=ticket).count()


def test_a_key_given_twice_is_refused_when_filing_and_subscribing(api, key, django_db_blocker):
    ticket = f"guards-dup-{uuid.uuid4().hex[:8]}"
    body = "{" + UTTARADIT + f', "category": "road", "client_ticket_id": "{ticket}", "category": "flooding"}}'
    refused_for(raw_post(f"{api}/complaints", body, key), "category")
    nested = "{" + UTTARADIT + ', "reporter": {"contact": "081-111-1111", "contact": "081-222-2222"}}'
    refused_for(raw_post(f"{api}/complaints", nested, key), "contact")
    assert filed(django_db_blocker, ticket) == 0
    twice = '{"callback_url": "https://example.org/a", "callback_url": "https://example.org/b"}'
    refused_for(raw_post(f"{api}/subscriptions", twice, key), "callback_url")
    # A colon in a string (a time, a URL) is no duplicate: filed.
    fine = (
        "{" + UTTARADIT + f', "category": "road", "description": "ไฟดับตั้งแต่ 19:30 น.", "client_ticket_id": "{ticket}"}}'
    )
    reply = raw_post(f"{api}/complaints", fine, key)
    assert reply.status == 201 and reply.json()["description"] == "ไฟดับตั้งแต่ 19:30 น."


def test_unknown_top_level_fields_of_a_filing_are_refused_by_name(api, key, django_db_blocker):
    ticket = f"guards-unknown-{uuid.uuid4().hex[:8]}"
    body = {
        "lon": 100.0997,
        "lat": 17.6201,
        "category": "road",
        "client_ticket_id": ticket,
        "reporter_contact": "081-234-5678",  # meant for reporter.contact
        "priority": "high",
    }
    reply = post(f"{api}/complaints", body, headers=key)
    assert reply.status == 400
    error = reply.json()["error"]
    assert error["code"] == "unknown_field" and error["details"] == {"fields": ["priority", "reporter_contact"]}
    assert "'priority'" in error["message"] and "'reporter_contact'" in error["message"]
    # The same in a multipart filing's JSON part.
    boundary = "guards-boundary"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="complaint"\r\n\r\n'
    part = head + "{" + UTTARADIT + ', "extra_field": 1}' + f"\r\n--{boundary}--\r\n"
    multipart = request(
        f"{api}/complaints",
        "POST",
        part.encode(),
        headers={"Authorization": key["Authorization"], "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert multipart.status == 400 and multipart.json()["error"]["details"] == {"fields": ["extra_field"]}
    # Nothing was filed; the documented fields alone file it.
    assert filed(django_db_blocker, ticket) == 0
    known = {k: v for k, v in body.items() if k not in ("reporter_contact", "priority")}
    reply = post(f"{api}/complaints", {**known, "reporter": {"contact": "081-234-5678"}}, headers=key)
    assert reply.status == 201 and reply.json()["client_ticket_id"] == ticket
