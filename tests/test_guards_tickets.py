"""Issue 25, item 10 over real HTTP: an intake system's client_ticket_id is for that system and the
agency's staff only; no public output carries it (the complaint, the list and its GeoJSON that
the map page draws, the change feed, Open311, the OGC complaints layer)."""

import base64
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from .web import get, post

POINT = {"lon": 100.0997, "lat": 17.6201}  # Uttaradit: agency 5399 has flooding there
# The feed serves a change once every older transaction on the cluster has ended: another test
# run's long load can hold it back that long (as in tests/test_changes.py).
HORIZON_WAIT_S = 600


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def filed(live_api, credentials):
    ticket = f"LINE-guards-{uuid.uuid4().hex[:10]}"
    since = quote((datetime.now(UTC) - timedelta(minutes=1)).isoformat())
    reply = post(
        f"{live_api}/api/v1/complaints",
        {**POINT, "category": "flooding", "description": "guards ticket", "client_ticket_id": ticket},
        headers={"Authorization": f"Bearer {credentials['key']}"},
    )
    assert reply.status == 201 and reply.json()["client_ticket_id"] == ticket  # its own system sees it
    return {"id": reply.json()["id"], "ticket": ticket, "since": since}


def feed(live_api, cid, headers=None):
    """The complaint's changes, once the feed serves them (it serves only changes below the oldest
    transaction still running, so a change can wait a moment)."""
    deadline = time.monotonic() + HORIZON_WAIT_S
    while True:
        changes = get(f"{live_api}/api/v1/changes?complaint={cid}", headers=headers).json()["changes"]
        if changes or time.monotonic() > deadline:
            return changes
        time.sleep(0.2)


def test_no_public_output_carries_the_ticket_id(live_api, filed):
    cid, ticket, since = filed["id"], filed["ticket"], filed["since"]
    near = "100.09,17.61,100.11,17.63"
    assert feed(live_api, cid)  # the change feed has caught up
    outputs = {  # each public output, and the ids of the complaints it shows
        "complaint": (f"/api/v1/complaints/{cid}", lambda d: [d["id"]]),
        "list": (f"/api/v1/complaints?bbox={near}&since={since}&limit=1000", lambda d: [r["id"] for r in d["results"]]),
        "map page data": (
            f"/api/v1/complaints?bbox={near}&since={since}&limit=1000&format=geojson",
            lambda d: [f["id"] for f in d["features"]],
        ),
        "change feed": (f"/api/v1/changes?complaint={cid}", lambda d: [c["complaint_id"] for c in d["changes"]]),
        "open311 request": (f"/open311/v2/requests/{cid}.json", lambda d: [int(r["service_request_id"]) for r in d]),
        "open311 requests": (
            f"/open311/v2/requests.json?start_date={since}",
            lambda d: [int(r["service_request_id"]) for r in d],
        ),
        "ogc item": (f"/ogc/collections/complaints/items/{cid}", lambda d: [int(d["id"])]),
        "ogc items": (
            f"/ogc/collections/complaints/items?bbox={near}&limit=1000",
            lambda d: [int(f["id"]) for f in d["features"]],
        ),
    }
    for name, (path, ids) in outputs.items():
        reply = get(f"{live_api}{path}")
        assert reply.status == 200, (name, reply.body[:300])
        assert cid in ids(reply.json()), name  # the complaint is there ...
        assert ticket.encode() not in reply.body, name  # ... without its ticket id
    assert get(f"{live_api}/api/v1/complaints/{cid}").json()["client_ticket_id"] is None
    assert all(change["client_ticket_id"] is None for change in feed(live_api, cid))


def test_the_filing_system_and_the_agencys_staff_see_it_and_nobody_else(live_api, filed, credentials):
    cid, ticket = filed["id"], filed["ticket"]
    own = {"Authorization": f"Bearer {credentials['key']}"}
    assert get(f"{live_api}/api/v1/complaints/{cid}", headers=own).json()["client_ticket_id"] == ticket
    changes = feed(live_api, cid, own)
    assert changes and {change["client_ticket_id"] for change in changes} == {ticket}
    staff = basic(*credentials["staff"]["5399"])
    assert get(f"{live_api}/api/v1/complaints/{cid}", headers=staff).json()["client_ticket_id"] == ticket
    changes = feed(live_api, cid, staff)
    assert changes and {change["client_ticket_id"] for change in changes} == {ticket}
    # Another intake system, another agency's staff: no.
    other_key = {"Authorization": f"Bearer {credentials['slow_key']}"}
    assert get(f"{live_api}/api/v1/complaints/{cid}", headers=other_key).json()["client_ticket_id"] is None
    other_staff = basic(*credentials["staff"]["PEA"])
    reply = get(f"{live_api}/api/v1/complaints/{cid}", headers=other_staff)
    assert reply.status == 200 and ticket.encode() not in reply.body
