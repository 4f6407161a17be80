"""Idempotency across intake systems (issue 13, item 7): Idempotency-Keys, ticket ids and Open311
tokens belong to the intake key that sent them; two keys with one name are two systems."""

import json
import urllib.parse
import uuid

import pytest

from .web import get, post, request

UTTARADIT = {"lon": 100.0997, "lat": 17.6201}


@pytest.fixture(scope="module")
def systems(credentials, django_db_blocker):
    """Three keys: two that share the name "call-centre", and one "line-bot"."""
    from access.models import IntakeKey

    with django_db_blocker.unblock():
        _, first = IntakeKey.objects.issue("call-centre")
        _, second = IntakeKey.objects.issue("call-centre")
        _, line = IntakeKey.objects.issue("line-bot")
    return {"first": first, "second": second, "line": line}


def file(live_api, key, body, **headers):
    return post(f"{live_api}/api/v1/complaints", body, headers={"Authorization": f"Bearer {key}", **headers})


def body(description="ไฟดับ", **extra):
    return {**UTTARADIT, "category": "street_light", "description": description, **extra}


def stored(django_db_blocker, **filters):
    from complaints.models import Complaint

    with django_db_blocker.unblock():
        return Complaint.objects.filter(**filters).count()


@pytest.mark.parametrize("other", ["line", "second"])
def test_an_idempotency_key_is_each_systems_own(live_api, systems, django_db_blocker, other):
    token = f"retry-{uuid.uuid4()}"
    a = file(live_api, systems["first"], body("ไฟดับหน้าบ้าน"), **{"Idempotency-Key": token})
    # Another system using the same key (by chance, or to probe) files its own complaint.
    b = file(live_api, systems[other], body("ถนนพัง"), **{"Idempotency-Key": token})
    assert (a.status, b.status) == (201, 201)
    assert a.json()["id"] != b.json()["id"] and b.json()["description"] == "ถนนพัง"
    # Each system's retry replays its own.
    again = file(live_api, systems[other], body("ถนนพัง"), **{"Idempotency-Key": token})
    assert (again.status, again.json()["id"]) == (200, b.json()["id"])
    assert again.headers["idempotent-replayed"] == "true"
    assert stored(django_db_blocker, idempotency_key=token) == 2


@pytest.mark.parametrize("other", ["line", "second"])
def test_a_ticket_id_is_each_systems_own(live_api, systems, django_db_blocker, other):
    ticket = f"T-{uuid.uuid4()}"
    a = file(live_api, systems["first"], body("ไฟดับ", client_ticket_id=ticket))
    b = file(live_api, systems[other], body("น้ำท่วม", client_ticket_id=ticket))
    assert (a.status, b.status) == (201, 201) and a.json()["id"] != b.json()["id"]
    assert stored(django_db_blocker, client_ticket_id=ticket) == 2


def test_a_reused_ticket_id_with_another_body_is_409(live_api, systems, django_db_blocker):
    ticket = f"T-{uuid.uuid4()}"
    first = file(live_api, systems["line"], body("ไฟดับ", client_ticket_id=ticket))
    same = file(live_api, systems["line"], body("ไฟดับ", client_ticket_id=ticket))
    other = file(live_api, systems["line"], body("ท่อแตก", client_ticket_id=ticket))
    assert (first.status, same.status, other.status) == (201, 200, 409)
    assert same.json()["id"] == first.json()["id"]
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert other.json()["error"]["message"] == f"client_ticket_id {ticket!r} was used for a different complaint"
    assert stored(django_db_blocker, client_ticket_id=ticket) == 1


def test_a_reused_idempotency_key_with_another_body_is_409(live_api, systems):
    token = f"retry-{uuid.uuid4()}"
    assert file(live_api, systems["line"], body("ไฟดับ"), **{"Idempotency-Key": token}).status == 201
    other = file(live_api, systems["line"], body("ท่อแตก"), **{"Idempotency-Key": token})
    assert other.status == 409 and other.json()["error"]["code"] == "idempotency_conflict"


def open311_post(live_api, key, token, description):
    fields = {"api_key": key, "service_code": "street_light", "lat": "17.6201", "long": "100.0997"}
    return request(
        f"{live_api}/open311/v2/requests.json",
        "POST",
        urllib.parse.urlencode({**fields, "description": description}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": token},
    )


def test_open311_tokens_resolve_only_for_the_system_that_sent_them(live_api, systems):
    token = f"tok-{uuid.uuid4()}"
    mine = open311_post(live_api, systems["first"], token, "ไฟดับ")
    theirs = open311_post(live_api, systems["second"], token, "ไฟดับ")
    assert (mine.status, theirs.status) == (200, 200)
    mine_id = mine.json()[0]["service_request_id"]
    theirs_id = theirs.json()[0]["service_request_id"]
    assert mine_id != theirs_id
    base = f"{live_api}/open311/v2/tokens/{urllib.parse.quote(token)}"
    assert get(f"{base}.json?api_key={systems['first']}").json() == [{"service_request_id": mine_id, "token": token}]
    assert get(f"{base}.json?api_key={systems['second']}").json()[0]["service_request_id"] == theirs_id
    # Without a key, or with a key that never sent it: nothing to see.
    anonymous = get(f"{base}.json")
    assert anonymous.status == 403 and json.loads(anonymous.body)[0]["code"] == 403
    stranger = get(f"{base}.json?api_key={systems['line']}")
    assert stranger.status == 404 and json.loads(stranger.body)[0]["description"] == f"token {token} was not found"


def test_open311_reused_token_with_another_body_is_409(live_api, systems):
    token = f"tok-{uuid.uuid4()}"
    assert open311_post(live_api, systems["line"], token, "ไฟดับ").status == 200
    conflict = open311_post(live_api, systems["line"], token, "ถนนพัง")
    assert conflict.status == 409 and json.loads(conflict.body)[0]["code"] == 409


def test_the_key_not_its_name_is_recorded(live_api, systems, django_db_blocker):
    from access.models import IntakeKey
    from complaints.models import Complaint

    ticket = f"T-{uuid.uuid4()}"
    reply = file(live_api, systems["second"], body(client_ticket_id=ticket))
    assert reply.status == 201 and reply.json()["source"] == "call-centre"
    with django_db_blocker.unblock():
        complaint = Complaint.objects.get(id=reply.json()["id"])
        assert complaint.intake_key_id == IntakeKey.objects.lookup(systems["second"]).id
