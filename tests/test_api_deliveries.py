"""The operator API for deliveries over real HTTP: who may see and act, filters, resend, pause and
resume, unreachable agencies, and staff seeing their complaint's deliveries."""

import base64
import uuid

import pytest
from django.db import connection

from complaints.models import Complaint
from delivery.models import DEAD, DELIVERED, HELD, PENDING, AgencyDelivery, Delivery
from routing.models import Agency

from .web import get, post


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def setup(live_api, credentials, django_db_blocker):
    """An operator account, and complaints of agency 5399 filed over HTTP."""
    from django.contrib.auth.models import User

    with django_db_blocker.unblock():
        operator, _ = User.objects.get_or_create(username="operator-deliveries", defaults={"is_staff": True})
        operator.is_staff = True
        operator.set_password("pw-operator")
        operator.save()
    api = live_api + "/api/v1"
    ids = []
    for n in range(2):
        reply = post(
            f"{api}/complaints",
            {"lon": 100.0997, "lat": 17.6201, "category": "flooding", "description": f"api deliveries {n}"},
            headers={"Authorization": f"Bearer {credentials['key']}", "Idempotency-Key": f"deliv-{uuid.uuid4()}"},
        )
        assert reply.status == 201, reply.body
        ids.append(reply.json()["id"])
    yield {
        "api": api,
        "ids": ids,
        "operator": basic("operator-deliveries", "pw-operator"),
        "town": basic(*credentials["staff"]["5399"]),
        "pea": basic(*credentials["staff"]["PEA"]),
        "key": {"Authorization": f"Bearer {credentials['key']}"},
    }
    with django_db_blocker.unblock():
        Complaint.objects.filter(id__in=ids).delete()  # other modules count complaints by area
        AgencyDelivery.objects.update(paused=False, paused_at=None, paused_by="")
        Delivery.objects.filter(state__in=(PENDING, HELD, "retrying", "sending")).update(state="withdrawn")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM procrastinate_jobs WHERE status = 'todo'")


def test_only_operators_and_the_agencys_staff_see_deliveries(setup):
    api = setup["api"]
    anonymous = get(f"{api}/deliveries")
    assert anonymous.status in (401, 403) and anonymous.json()["error"]["code"] in (
        "not_authenticated",
        "permission_denied",
    )
    assert get(f"{api}/deliveries", headers=setup["key"]).status == 403  # an intake system
    mine = get(f"{api}/deliveries?complaint={setup['ids'][0]}", headers=setup["town"]).json()
    assert mine["count"] == 1 and mine["results"][0]["agency"] == "5399"
    assert get(f"{api}/deliveries?complaint={setup['ids'][0]}", headers=setup["pea"]).json()["count"] == 0
    everything = get(f"{api}/deliveries?agency=5399", headers=setup["operator"])
    assert everything.status == 200 and everything.json()["count"] >= 2
    bad = get(f"{api}/deliveries?state=lost", headers=setup["operator"])
    assert bad.status == 400 and bad.json()["error"]["code"] == "invalid_parameter"


def test_an_agency_without_channels_shows_in_unreachable(setup, django_db_blocker):
    from delivery import outbox

    with django_db_blocker.unblock():
        agency = Agency.objects.get(code="PEA")  # seeded without webhook, Open311 endpoint or e-mail
        assert not (agency.webhook_url or agency.open311_endpoint or agency.email)
        (made,) = outbox.schedule(Complaint.objects.get(id=setup["ids"][1]), agency)
    assert (made.channel, made.state, made.reason) == ("none", DEAD, "unreachable")
    reply = get(f"{setup['api']}/deliveries/unreachable", headers=setup["operator"])
    assert reply.status == 200
    row = next(r for r in reply.json()["results"] if r["agency"]["code"] == "PEA")
    assert row["unreachable"] >= 1 and reply.json()["unreachable_deliveries"] >= 1
    listed = get(f"{setup['api']}/deliveries?agency=PEA&state=dead&reason=unreachable", headers=setup["operator"])
    assert str(made.uuid) in [d["id"] for d in listed.json()["results"]]


def test_staff_see_their_complaints_deliveries_and_the_public_does_not(setup):
    complaint = setup["ids"][0]
    staff_view = get(f"{setup['api']}/complaints/{complaint}", headers=setup["town"]).json()
    (delivery,) = staff_view["deliveries"]
    assert delivery["agency"] == "5399" and delivery["kind"] == "new" and "attempt_log" in delivery
    assert "deliveries" not in get(f"{setup['api']}/complaints/{complaint}").json()
    assert "deliveries" not in get(f"{setup['api']}/complaints/{complaint}", headers=setup["pea"]).json()


def test_resend_requeues_a_dead_delivery_and_refuses_others(setup, django_db_blocker):
    api = setup["api"]
    with django_db_blocker.unblock():
        agency = Agency.objects.get(code="5399")
        dead = Delivery.objects.create(
            complaint_id=setup["ids"][1], agency=agency, channel="webhook", state=DEAD, reason="rejected", attempts=1
        )
        done = Delivery.objects.create(complaint_id=setup["ids"][1], agency=agency, channel="email", state=DELIVERED)
    assert post(f"{api}/deliveries/{dead.uuid}/resend", {}, headers=setup["pea"]).status == 403
    reply = post(f"{api}/deliveries/{dead.uuid}/resend", {}, headers=setup["town"])
    assert reply.status == 200 and reply.json()["state"] == PENDING
    again = post(f"{api}/deliveries/{done.uuid}/resend", {}, headers=setup["operator"])
    assert again.status == 409 and again.json()["error"]["code"] == "not_resendable"
    assert post(f"{api}/deliveries/{uuid.uuid4()}/resend", {}, headers=setup["operator"]).status == 404
    assert post(f"{api}/deliveries/not-a-uuid/resend", {}, headers=setup["operator"]).status == 404
    detail = get(f"{api}/deliveries/{dead.uuid}", headers=setup["operator"]).json()
    assert detail["state"] == PENDING and detail["attempt_log"] == []
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_jobs WHERE lock = %s AND status = 'todo'", [dead.lock])
        assert cursor.fetchone()[0] >= 1  # queued for a worker, in the same transaction as the resend


def test_pause_and_resume_an_agency(setup, django_db_blocker):
    api = setup["api"]
    assert post(f"{api}/agencies/5399/pause", {}, headers=setup["pea"]).status == 403  # not theirs
    assert post(f"{api}/agencies/NOPE/pause", {}, headers=setup["operator"]).status == 404
    paused = post(f"{api}/agencies/5399/pause", {}, headers=setup["town"])
    assert paused.status == 200 and paused.json()["paused"] is True
    with django_db_blocker.unblock():
        settings = AgencyDelivery.objects.get(agency__code="5399")
        assert settings.paused and settings.paused_by == "staff-5399 (5399)"
    resumed = post(f"{api}/agencies/5399/resume", {}, headers=setup["operator"])
    assert resumed.status == 200 and resumed.json()["paused"] is False


def test_the_delivery_endpoints_are_in_the_openapi_document(live_api):
    doc = get(f"{live_api}/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}).json()
    for path in (
        "/api/v1/deliveries",
        "/api/v1/deliveries/unreachable",
        "/api/v1/deliveries/{delivery_id}/resend",
        "/api/v1/agencies/{code}/pause",
        "/api/v1/agencies/{code}/resume",
    ):
        assert path in doc["paths"], path
