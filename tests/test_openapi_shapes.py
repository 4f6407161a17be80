"""The OpenAPI document describes every answer of /api/v1 (none is a bare object), and real answers
of the running service match it: the document is generated from the types the code returns
(complaints/representations/types.py, api/shapes.py), so a mismatch here is a wrong type."""

import base64
import copy
from typing import Any

import jsonschema
import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator

from api import schema

from .receivers import Receiver
from .web import get, post, request

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}  # Uttaradit Town Municipality (5399)
NO_BODY = {"204", "304"}
# Maps whose keys and values differ by event, written down: everything else is described.
FREE_FORM = {"HistoryEntry.data", "ExportedHistoryEntry.data"}


@pytest.fixture(scope="module")
def document():
    return SchemaGenerator().get_schema(request=None, public=True)


def _bare(schema) -> bool:
    return (
        schema.get("type") == "object"
        and not schema.get("properties")
        and schema.get("additionalProperties") in (None, {}, True)
    )


def _walk(schema, where, found, seen):
    """Every bare object reachable from `schema`, components followed once each."""
    if isinstance(schema, list):
        for item in schema:
            _walk(item, where, found, seen)
        return
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen[name] = True
            _walk(found["components"][name], name, found, seen)
        return
    if _bare(schema) and where not in FREE_FORM:
        found["bare"].append(where)
    for key, value in schema.get("properties", {}).items():
        _walk(value, f"{where}.{key}", found, seen)
    for key in ("items", "additionalProperties", "allOf", "oneOf", "anyOf"):
        if isinstance(schema.get(key), (dict, list)):
            _walk(schema[key], where, found, seen)


def test_every_answer_of_the_api_has_a_described_schema(document):
    found = {"components": document["components"]["schemas"], "bare": []}
    undescribed, answers = [], 0
    for path, operations in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status in NO_BODY:
                    continue
                content = response.get("content") or {}
                if not content:
                    undescribed.append((method, path, status))
                for media, body in content.items():
                    answers += 1
                    if media.startswith("image/"):
                        assert body["schema"] == {"type": "string", "format": "binary"}
                        continue
                    _walk(body["schema"], f"{method} {path} {status} {media}", found, {})
    assert undescribed == [] and found["bare"] == []
    assert answers >= 100  # 31 operations, their errors included


def test_the_complaint_schemas_name_their_fields(document):
    schemas = document["components"]["schemas"]
    public = schemas["PublicComplaint"]["properties"]
    for name in ("id", "status", "agency", "lon", "lat", "reason", "jurisdictions", "history", "photos", "due_at"):
        assert name in public, name
    assert "reporter" not in public and "deliveries" not in public
    assert set(schemas["ComplaintStatusEnum"]["enum"]) == {
        "waiting",
        "in_progress",
        "forwarded",
        "follow_up",
        "finished",
        "irrelevant",
    }
    # No endpoint answers the staff form yet (the officers' workspace will): its component.
    staff = schema.STAFF_COMPLAINT.fields
    assert all(staff[name].required for name in ("history", "reports", "deliveries", "confirmation"))
    assert not schema.COMPLAINT.fields["history"].required and "deliveries" not in schema.COMPLAINT.fields
    assert schemas["HistoryEntry"]["properties"]["actor"] == {"$ref": "#/components/schemas/Actor"}
    assert set(schemas["HistoryEntry"]["properties"]) == {
        "event",
        "action",
        "from",
        "to",
        "actor",
        "note",
        "photo_url",
        "data",
        "at",
    }
    assert schemas["DeliveryPayload"]["properties"]["complaint"] == {"$ref": "#/components/schemas/PublicComplaint"}
    detail = document["paths"]["/api/v1/complaints/{complaint_id}"]["get"]["responses"]["200"]
    assert detail["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ComplaintWithReports"}


def _json_schema(openapi: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type, for jsonschema to check answers."""
    if isinstance(openapi, list):
        return [_json_schema(item) for item in openapi]
    if not isinstance(openapi, dict):
        return openapi
    out = {key: _json_schema(value) for key, value in openapi.items() if key != "nullable"}
    if openapi.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def people(credentials, django_db_blocker):
    from django.contrib.auth.models import User

    from access.models import IntakeKey

    with django_db_blocker.unblock():
        # A key of its own: the suite's shared key may already hold the most subscriptions a key may.
        _, key = IntakeKey.objects.issue("openapi-intake")
        operator, _ = User.objects.get_or_create(username="openapi-operator")
        operator.is_staff = True
        operator.set_password("pw-openapi")
        operator.save()
    return {
        "intake": {"Authorization": f"Bearer {key}"},
        "staff": basic(*credentials["staff"]["5399"]),
        "operator": basic("openapi-operator", "pw-openapi"),
    }


def test_real_answers_match_the_document(live_api, people):
    doc = yaml.safe_load(get(live_api + "/api/schema/").body)
    components = copy.deepcopy(doc["components"])
    checked, mismatches = [], []

    def check(reply, path, method="get", media="application/json"):
        assert reply.status < 300, (path, reply.status, reply.body[:300])
        responses = doc["paths"][path][method]["responses"]
        schema = responses[str(reply.status)]["content"][media]["schema"]
        root = _json_schema({"allOf": [schema], "components": components})
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft7Validator(root).iter_errors(reply.json())
        ]
        mismatches.extend((method, path, error) for error in errors[:5])
        checked.append((method, path, reply.status))
        return reply.json()

    api = live_api + "/api/v1"
    contact = "081-555-0142"
    body = {**UTTARADIT, "category": "street_light", "description": "ไฟดับ", "reporter": {"contact": contact}}
    filed = check(post(f"{api}/complaints", body, headers=people["intake"]), "/api/v1/complaints", "post")
    cid = filed["id"]
    one = "/api/v1/complaints/{complaint_id}"
    check(get(f"{api}/complaints/{cid}"), one)
    as_staff = check(get(f"{api}/complaints/{cid}", headers=people["staff"]), one)
    assert "deliveries" in as_staff and as_staff["history"][0]["actor"]["name"] is not None
    check(get(f"{api}/complaints?limit=3"), "/api/v1/complaints")
    check(get(f"{api}/complaints?limit=3&format=geojson"), "/api/v1/complaints", media="application/geo+json")
    moves = "/api/v1/complaints/{complaint_id}/transitions"
    for action in ("start", "finish"):
        check(post(f"{api}/complaints/{cid}/transitions", {"action": action}, headers=people["staff"]), moves, "post")
    answer = post(f"{api}/complaints/{cid}/confirmation", {"fixed": True, "rating": 4}, headers=people["intake"])
    assert check(answer, "/api/v1/complaints/{complaint_id}/confirmation", "post")["status"] == "finished"
    check(
        get(f"{api}/complaints/{cid}/duplicates", headers=people["staff"]),
        "/api/v1/complaints/{complaint_id}/duplicates",
    )
    check(request(f"{api}/complaints/{cid}", "PATCH", {"category": "road"}, headers=people["staff"]), one, "patch")
    moderated = {"target": "description", "reason": "a phone number", "hidden": True}
    check(
        post(f"{api}/complaints/{cid}/moderation", moderated, headers=people["staff"]),
        "/api/v1/complaints/{complaint_id}/moderation",
        "post",
    )
    for query in ("", "?group=agency", "?group=status"):
        check(get(f"{api}/stats{query}"), "/api/v1/stats")
    choropleth = get(f"{api}/stats?group=province&format=geojson&simplify=0.05")
    check(choropleth, "/api/v1/stats", media="application/geo+json")
    check(get(f"{api}/stats/trend"), "/api/v1/stats/trend")
    check(get(f"{api}/stats/top"), "/api/v1/stats/top")
    check(
        get(f"{api}/boundaries?level=province&limit=2&simplify=0.1"), "/api/v1/boundaries", media="application/geo+json"
    )
    check(
        get(f"{api}/boundaries/53?level=province&simplify=0.1"),
        "/api/v1/boundaries/{code}",
        media="application/geo+json",
    )
    check(get(f"{api}/health"), "/api/v1/health")
    point = {**UTTARADIT, "category": "street_light"}
    for query in ("", "?duplicates=1"):
        check(post(f"{api}/route{query}", point), "/api/v1/route", "post")
    check(post(f"{api}/route", {"lon": 100.0, "lat": 5.0}), "/api/v1/route", "post")  # at sea: unmatched
    check(post(f"{api}/route/batch", {"points": [point]}), "/api/v1/route/batch", "post")
    deliveries = check(get(f"{api}/deliveries?limit=5", headers=people["operator"]), "/api/v1/deliveries")
    if deliveries["results"]:
        uuid = deliveries["results"][0]["id"]
        check(get(f"{api}/deliveries/{uuid}", headers=people["operator"]), "/api/v1/deliveries/{delivery_id}")
    check(get(f"{api}/deliveries/unreachable", headers=people["operator"]), "/api/v1/deliveries/unreachable")
    check(post(f"{api}/agencies/5399/pause", None, headers=people["staff"]), "/api/v1/agencies/{code}/pause", "post")
    check(post(f"{api}/agencies/5399/resume", None, headers=people["staff"]), "/api/v1/agencies/{code}/resume", "post")
    with Receiver() as receiver:
        sub = post(f"{api}/subscriptions", {"callback_url": receiver.url + "/hook"}, headers=people["intake"])
        check(sub, "/api/v1/subscriptions", "post")
        check(get(f"{api}/subscriptions", headers=people["intake"]), "/api/v1/subscriptions")
        own = f"{api}/subscriptions/{sub.json()['id']}"
        check(get(own, headers=people["intake"]), "/api/v1/subscriptions/{subscription_id}")
        assert request(own, "DELETE", headers=people["intake"]).status == 204
    check(get(f"{api}/changes?limit=5", headers=people["intake"]), "/api/v1/changes")
    export = post(f"{api}/personal-data/export", {"contact": contact}, headers=people["operator"])
    assert [c["id"] for c in check(export, "/api/v1/personal-data/export", "post")["complaints"]] == [cid]
    erase = post(f"{api}/personal-data/erase", {"contact": contact}, headers=people["operator"])
    assert check(erase, "/api/v1/personal-data/erase", "post")["anonymised"] == [cid]
    assert mismatches == []
    assert len(checked) >= 30
