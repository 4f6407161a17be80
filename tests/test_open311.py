"""Open311 GeoReport v2 over real HTTP, validated against the spec's JSON Schemas and XML examples."""

import base64
import json
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import jsonschema
import pytest
from django.conf import settings
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from .web import get, post, request

SCHEMAS = settings.GEO_DATA_DIR / "open311" / "json-schema" / "georeport-v2"
EXAMPLES = settings.GEO_DATA_DIR / "open311" / "xml-examples"


@pytest.fixture(scope="module")
def v2(live_api):
    return live_api + "/open311/v2"


@pytest.fixture(scope="module")
def validate():
    schemas = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (name, Resource.from_contents(schema, default_specification=DRAFT7)) for name, schema in schemas.items()
    )

    def check(document, schema_name):
        jsonschema.Draft7Validator(schemas[schema_name], registry=registry).validate(document)

    return check


def form_post(url, fields, headers=None):
    body = urllib.parse.urlencode(fields)
    return request(url, "POST", body, headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def tags(element):
    return {child.tag for child in element}


def test_services_in_json_and_xml(v2, validate):
    reply = get(f"{v2}/services.json")
    assert reply.status == 200 and reply.headers["content-type"].startswith("application/json")
    services = reply.json()
    validate(services, "services.json")
    assert {"road", "street_light", "water_supply", "flooding"} <= {s["service_code"] for s in services}
    xml = get(f"{v2}/services.xml")
    assert xml.headers["content-type"] == "text/xml; charset=utf-8"
    assert xml.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(xml.body)
    example = ET.parse(EXAMPLES / "services.xml").getroot()
    assert root.tag == example.tag and root[0].tag == example[0].tag
    assert tags(example[0]) <= tags(root[0])
    definition = get(f"{v2}/services/road.json").json()
    validate(definition, "service-definition.json")
    assert get(f"{v2}/services/nothing.xml").status == 404


def test_post_a_request_then_read_it_back(v2, validate, credentials):
    token = str(uuid.uuid4())
    fields = {
        "api_key": credentials["key"],
        "service_code": "street_light",
        "lat": "17.6201",
        "long": "100.0997",
        "description": "ไฟถนนดับ",
        "first_name": "สมหญิง",
        "email": "somying@example.org",
        "attribute[pole_number]": "UTT-0042",
    }
    reply = form_post(f"{v2}/requests.json", fields, headers={"Idempotency-Key": token})
    assert reply.status == 200
    created = reply.json()
    assert len(created) == 1 and created[0]["service_request_id"].isdigit()
    assert "Uttaradit Town Municipality" in created[0]["service_notice"]
    rid = created[0]["service_request_id"]
    again = form_post(f"{v2}/requests.json", fields, headers={"Idempotency-Key": token}).json()
    assert again[0]["service_request_id"] == rid  # a retry is the same request

    one = get(f"{v2}/requests/{rid}.json").json()
    validate(one, "requests.json")
    assert one[0]["status"] == "open" and one[0]["service_code"] == "street_light"
    assert one[0]["zipcode"] == "53000" and one[0]["agency_responsible"].startswith("เทศบาลเมืองอุตรดิตถ์")
    assert "UTT-0042" in one[0]["description"]
    assert "somying" not in json.dumps(one) and "สมหญิง" not in json.dumps(one)
    mine = f"api_key={credentials['key']}"  # a token resolves only for the system that sent it
    assert get(f"{v2}/tokens/{token}.json?{mine}").json() == [{"service_request_id": rid, "token": token}]
    assert get(f"{v2}/tokens/no-such-token.json?{mine}").status == 404

    xml = get(f"{v2}/requests/{rid}.xml")
    root = ET.fromstring(xml.body)
    assert root.tag == "service_requests" and root[0].tag == "request"
    assert root[0].find("service_request_id").text == rid
    posted_xml = ET.fromstring(form_post(f"{v2}/requests.xml", fields, headers={"Idempotency-Key": token}).body)
    example = ET.parse(EXAMPLES / "requestpost.xml").getroot()
    assert posted_xml.tag == example.tag and posted_xml[0].tag == example[0].tag


def test_search_filters_window_and_cap(v2, validate, credentials):
    fields = {"api_key": credentials["key"], "service_code": "road", "lat": "13.7563", "long": "100.5018"}
    rid = form_post(f"{v2}/requests.json", fields).json()[0]["service_request_id"]
    found = get(f"{v2}/requests.json?service_code=road&status=open").json()
    validate(found, "requests.json")
    assert rid in {r["service_request_id"] for r in found} and all(r["service_code"] == "road" for r in found)
    assert rid not in {r["service_request_id"] for r in get(f"{v2}/requests.json?status=closed").json()}
    assert get(f"{v2}/requests.json?service_request_id={rid}").json()[0]["service_request_id"] == rid
    old = get(f"{v2}/requests.json?start_date=2001-01-01T00:00:00Z&end_date=2001-02-01T00:00:00Z").json()
    assert old == []
    wide = get(f"{v2}/requests.json?start_date=2001-01-01T00:00:00Z&end_date=2002-01-01T00:00:00Z")
    assert wide.status == 400 and "90 days" in wide.json()[0]["description"]
    assert get(f"{v2}/requests.json?start_date=yesterday").status == 400
    assert get(f"{v2}/requests/999999999.json").status == 404


@pytest.mark.parametrize(
    ("fields", "status", "fragment"),
    [
        ({"service_code": "road", "lat": "17.6", "long": "100.1"}, 403, "api_key"),
        ({"api_key": "wrong", "service_code": "road", "lat": "17.6", "long": "100.1"}, 403, "api_key"),
        ({"service_code": "", "lat": "17.6", "long": "100.1"}, 400, "service_code"),
        ({"service_code": "unicorns", "lat": "17.6", "long": "100.1"}, 404, "unicorns"),
        ({"service_code": "road", "address_string": "Somewhere"}, 400, "lat and long"),
        ({"service_code": "road", "lat": "100.1", "long": "17.6"}, 400, "swapped"),
        ({"service_code": "road", "lat": "abc", "long": "100.1"}, 400, "lat"),
        ({"service_code": "road", "lat": "nan", "long": "100.1"}, 400, "finite"),
        ({"service_code": "road", "lat": "7.0", "long": "99.0"}, 400, "not inside Thailand"),
    ],
)
def test_errors_follow_the_spec(v2, credentials, fields, status, fragment):
    if "api_key" not in fields and status != 403:
        fields = {**fields, "api_key": credentials["key"]}
    for fmt in ("json", "xml"):
        reply = form_post(f"{v2}/requests.{fmt}", fields)
        assert reply.status == status
        if fmt == "json":
            error = reply.json()[0]
            assert error["code"] == status and fragment in error["description"]
        else:
            root = ET.fromstring(reply.body)
            assert root.tag == "errors" and root[0].find("code").text == str(status)


@pytest.fixture
def toilet_target(django_db_blocker):
    """The toilet category's target set to 36 hours for one test, then put back."""
    from routing.models import Category

    with django_db_blocker.unblock():
        category = Category.objects.get(code="toilet")
        before = category.target_hours
        category.target_hours = 36
        category.save()
        yield 36
        category.target_hours = before
        category.save()


def moment():
    from django.utils import timezone

    return urllib.parse.quote(timezone.now().isoformat())


def move(v2, credentials, rid, body):
    """A staff member of Uttaradit Town Municipality works the request through the native API."""
    user, password = credentials["staff"]["5399"]
    headers = {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}
    reply = post(f"{v2.replace('/open311/v2', '/api/v1')}/complaints/{rid}/transitions", body, headers=headers)
    assert reply.status == 200, reply.body


def ids(reply):
    assert reply.status == 200, reply.body
    return [r["service_request_id"] for r in reply.json()]


def test_paging_updated_after_and_expected_datetime(v2, validate, credentials, toilet_target):
    fields = {"api_key": credentials["key"], "service_code": "toilet", "lat": "17.6201", "long": "100.0997"}
    before = moment()
    a, b, c = (form_post(f"{v2}/requests.json", fields).json()[0]["service_request_id"] for _ in range(3))
    middle = moment()
    d, e = (form_post(f"{v2}/requests.json", fields).json()[0]["service_request_id"] for _ in range(2))
    mine = f"{v2}/requests.json?service_code=toilet&updated_after={before}"
    listed = get(mine).json()
    validate(listed, "requests.json")
    assert [r["service_request_id"] for r in listed] == [e, d, c, b, a]  # newest first
    assert ids(get(f"{mine}&page_size=2")) == [e, d]
    assert ids(get(f"{mine}&page_size=2&page=2")) == [c, b]
    assert ids(get(f"{mine}&page_size=2&page=3")) == [a]
    assert ids(get(f"{mine}&page_size=2&page=4")) == []
    assert ids(get(f"{mine}&updated_before={middle}")) == [c, b, a]
    # The target: 36 hours after filing (the toilet category's, set above).
    for row in listed:
        requested, expected = (datetime.fromisoformat(row[k]) for k in ("requested_datetime", "expected_datetime"))
        assert expected - requested == timedelta(hours=36) and row["expected_datetime"].endswith("+07:00")
    # A change is an update: only the started one is updated after it.
    started = moment()
    move(v2, credentials, b, {"action": "start"})
    assert ids(get(f"{mine.replace(before, started)}")) == [b]


@pytest.mark.parametrize(
    ("path", "query", "fragment"),
    [
        ("requests", "page=0", "page: must be"),
        ("requests", "page=abc", "page: expected an integer"),
        ("requests", "page_size=1001", "page_size: must be"),
        ("requests", "page_size=-5", "page_size: must be"),
        ("requests", "updated_after=yesterday", "updated_after"),
        ("requests", "updated_after=2001-01-01T00:00:00Z&updated_before=2002-01-01T00:00:00Z", "90 days"),
        ("servicerequestupdates", "page=99999999999999999999", "page: "),
        ("servicerequestupdates", "start_date=2026-13-01T00:00:00Z", "start_date"),
        ("servicerequestupdates", "start_date=2001-01-01T00:00:00Z&end_date=2002-01-01T00:00:00Z", "90 days"),
        ("servicerequestupdates", "service_request_id=1,x", "service_request_id"),
    ],
)
def test_bad_paging_and_windows_are_400(v2, path, query, fragment):
    for fmt in ("json", "xml"):
        reply = get(f"{v2}/{path}.{fmt}?{query}")
        assert reply.status == 400
        if fmt == "json":
            assert fragment in reply.json()[0]["description"]
        else:
            assert fragment in ET.fromstring(reply.body)[0].find("description").text


UPDATE_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id", "update_id", "updated_datetime", "status", "description", "media_url"],
        "properties": {
            "service_request_id": {"type": "string"},
            "update_id": {"type": "string"},
            "updated_datetime": {"type": "string", "format": "date-time"},
            "status": {"enum": ["open", "in_progress", "action_scheduled", "internal_referral", "fixed", "closed"]},
            "description": {"type": "string"},
            "media_url": {"type": ["string", "null"]},
            "external_status_code": {"type": ["string", "null"]},
            "actor": {"type": "string"},
        },
    },
}


def test_service_request_updates_read_the_history_without_names(v2, credentials):
    fields = {"api_key": credentials["key"], "service_code": "road", "lat": "17.6201", "long": "100.0997"}
    fields["first_name"], fields["email"] = "สมหญิง", "somying@example.org"
    rid = form_post(f"{v2}/requests.json", fields).json()[0]["service_request_id"]
    move(v2, credentials, rid, {"action": "start", "note": "รับเรื่องแล้ว"})
    before_finish = moment()
    move(v2, credentials, rid, {"action": "finish", "note": "ซ่อมแล้ว", "photo_url": "https://example.org/after.jpg"})

    reply = get(f"{v2}/servicerequestupdates.json?service_request_id={rid}")
    assert reply.status == 200
    rows = reply.json()
    jsonschema.Draft7Validator(UPDATE_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(rows)
    town = "เทศบาลเมืองอุตรดิตถ์ (Uttaradit Town Municipality)"
    assert [(r["status"], r["external_status_code"], r["description"], r["media_url"], r["actor"]) for r in rows] == [
        ("open", "waiting", f"received; sent to {town}", None, "intake system"),
        ("in_progress", "in_progress", "รับเรื่องแล้ว", None, f"agency staff, {town}"),
        ("fixed", "finished", "ซ่อมแล้ว", "https://example.org/after.jpg", f"agency staff, {town}"),
        ("fixed", "finished", "confirmation asked", None, "system"),  # "is it fixed?" to the reporter
    ]
    assert {r["service_request_id"] for r in rows} == {rid}
    assert [int(r["update_id"]) for r in rows] == sorted(int(r["update_id"]) for r in rows)
    for personal in ("staff-5399", "สมหญิง", "somying"):
        assert personal not in reply.body.decode()
    later = get(f"{v2}/servicerequestupdates.json?service_request_id={rid}&start_date={before_finish}").json()
    assert [r["status"] for r in later] == ["fixed", "fixed"]  # the finish and the question
    in_window = get(f"{v2}/servicerequestupdates.json?start_date={before_finish}").json()
    assert rows[-1] in in_window
    xml = ET.fromstring(get(f"{v2}/servicerequestupdates.xml?service_request_id={rid}").body)
    assert xml.tag == "service_requests_updates" and [u.tag for u in xml] == ["request_update"] * 4
    assert [u.find("status").text for u in xml] == ["open", "in_progress", "fixed", "fixed"]
    assert xml[2].find("media_url").text == "https://example.org/after.jpg"
    assert get(f"{v2}/servicerequestupdates.json?service_request_id={rid}&page_size=1&page=3").json() == rows[2:3]
