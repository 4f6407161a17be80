"""Deadlines and escalation with a controllable clock: reminded before, escalated at the deadline
(not a second before), up the chain the rules name, and shown wherever complaints are counted."""

import io
import math
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from complaints import commands, escalation, intake, stats
from complaints.models import Complaint
from delivery.models import Delivery
from routing import loaders

from .web import get, post

BAN_DAN = (100.2785, 17.6538)  # Ban Dan (530111), Mueang Uttaradit: an SAO's area
PHRA_NAKHON = (100.5018, 13.7563)  # Bowon Niwet (100107), Phra Nakhon, Bangkok
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def rules(agencies, django_db_blocker):
    """The responsibility directory, loaded once: these tests change complaints, not rules."""
    with django_db_blocker.unblock():
        return loaders.load_directory()


@pytest.fixture
def file(national_matcher, rules):
    def filed(where, category):
        lon, lat = where
        filing = intake.Filing(lon=lon, lat=lat, categories=(category,))
        return commands.file(filing, matcher=national_matcher, directory=rules)[0]

    return filed


@pytest.fixture
def sweep(rules):
    return lambda now: escalation.sweep(now, directory=rules)


def fresh(complaint):
    return Complaint.objects.select_related("agency", "escalated_to").get(id=complaint.id)


def events(complaint):
    return [(h.event, h.data.get("to_agency")) for h in complaint.history.order_by("id")]


@pytest.mark.django_db
def test_an_sao_complaint_goes_up_to_the_district_office_then_the_province_hall(file, sweep):
    c = file(BAN_DAN, "road")
    assert c.agency.code == "SAO-530111"
    due = c.due_at
    assert due == c.created + 24 * HOUR and c.alarm_at == due - 4 * HOUR  # answer within 24 h, reminded 4 h before

    assert c.id not in sweep(due - 4 * HOUR - SECOND).reminded
    assert c.id in sweep(due - 4 * HOUR).reminded
    assert fresh(c).alarm_at == due
    assert c.id not in {i for i, _ in sweep(due - SECOND).escalated}  # not one second before
    assert fresh(c).escalation_level == 0

    assert (c.id, "DO-5301") in sweep(due).escalated  # at the deadline: Mueang Uttaradit district office
    c = fresh(c)
    assert (c.escalation_level, c.escalated_to.code, c.agency.code) == (1, "DO-5301", "SAO-530111")
    assert c.due_at == due + 24 * HOUR  # the district office gets a fresh window to get an answer
    entry = c.history.get(event="escalated")
    assert entry.data["from_agency"] == "SAO-530111" and entry.data["level"] == 1 and entry.data["stage"] == "response"
    assert entry.agencies == [c.agency_id, c.escalated_to_id]  # both see it in their feed

    assert (c.id, "PH-53") not in sweep(c.due_at - SECOND).escalated
    assert (c.id, "PH-53") in sweep(c.due_at).escalated  # then Uttaradit's province hall
    top = fresh(c)
    assert (top.escalation_level, top.escalated_to.code) == (2, "PH-53")
    assert top.id in sweep(top.due_at).at_top  # nobody above the province hall: stays overdue, no more alarms
    top = fresh(top)
    assert top.escalation_level == 2 and top.alarm_at is None and top.due_at is not None
    assert events(top) == [
        ("created", None),
        ("reminded", None),
        ("escalated", "DO-5301"),
        ("reminded", None),
        ("escalated", "PH-53"),
        ("overdue", None),  # swept only after the deadline: no reminder first
    ]
    # Each reminder and notice went to the outbox, to whom it concerns (these agencies have no
    # channel configured: recorded as unreachable rather than skipped).
    sent = list(Delivery.objects.filter(complaint=top).order_by("id").values_list("kind", "agency__code", "reason"))
    assert sent == [
        ("new", "SAO-530111", "unreachable"),
        ("reminder", "SAO-530111", "unreachable"),
        ("escalation", "DO-5301", "unreachable"),
        ("reminder", "SAO-530111", "unreachable"),
        ("escalation", "PH-53", "unreachable"),
    ]


@pytest.mark.django_db
def test_a_bangkok_division_complaint_goes_to_its_district_office(file, sweep):
    c = file(PHRA_NAKHON, "street_light")
    assert c.agency.code == "BKK-1001-PW"
    assert (c.id, "BKK-1001") not in sweep(c.due_at - SECOND).escalated
    assert (c.id, "BKK-1001") in sweep(c.due_at).escalated
    c = fresh(c)
    assert (c.id, "PH-10") in sweep(c.due_at).escalated  # then Bangkok City Hall
    assert fresh(c).escalated_to.name_en == "Bangkok City Hall"


@pytest.mark.django_db
def test_no_resolution_escalates_at_the_resolution_target_and_closing_stops_the_clock(file, sweep):
    c = file(BAN_DAN, "road")
    commands.transition(c.id, "start")
    c = fresh(c)
    assert c.due_at == c.created + 72 * HOUR  # the road category's target, counted from filing
    assert (c.id, "DO-5301") not in sweep(c.due_at - SECOND).escalated
    assert (c.id, "DO-5301") in sweep(c.due_at).escalated
    assert fresh(c).history.get(event="escalated").data["stage"] == "resolution"
    commands.transition(c.id, "finish")
    done = fresh(c)
    assert done.due_at is None and done.alarm_at is None
    assert done.id not in sweep(c.created + 1000 * HOUR).reminded


@pytest.mark.django_db
def test_forwarding_starts_a_new_window_for_the_new_agency(file, sweep):
    c = file(BAN_DAN, "electricity")
    assert c.agency.code == "PEA"
    assert (c.id, "DO-5301") in sweep(c.due_at).escalated  # PEA did not answer
    commands.transition(c.id, "forward", forward_to="SAO-530111", note="เสาไฟของ อบต.")
    c = fresh(c)
    assert c.escalated_to is None and c.escalation_level == 1  # the count stays, the ladder starts again
    assert c.due_at > c.created + 24 * HOUR  # 24 h from the forward, not from filing
    assert (c.id, "DO-5301") in sweep(c.due_at).escalated


@pytest.mark.django_db
def test_overdue_and_escalated_are_counted_and_the_command_sweeps(file, sweep):
    c = file(BAN_DAN, "noise")
    Complaint.objects.filter(id=c.id).update(due_at=c.created - HOUR, alarm_at=c.created - HOUR)
    row = next(r for r in stats.summary("subdistrict", stats.Scope(area="530111")) if r["key"] == "530111")
    before = (row["overdue"], row["escalated"])
    out = io.StringIO()
    call_command("escalate", stdout=out)
    assert fresh(c).escalated_to.code == "DO-5301"
    assert "escalated" in out.getvalue()
    row = next(r for r in stats.summary("subdistrict", stats.Scope(area="530111")) if r["key"] == "530111")
    # One more escalated, one fewer overdue: the district office's fresh window runs from now.
    assert (row["overdue"], row["escalated"]) == (before[0] - 1, before[1] + 1)


def tile_of(lon, lat, z):
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def test_overdue_and_escalated_show_in_the_api_ogc_and_tiles(live_api, credentials, django_db_blocker, tmp_path, sweep):
    """Committed (the live server reads it): an escalated complaint whose new deadline has also passed."""
    lon, lat = BAN_DAN
    reply = post(
        f"{live_api}/api/v1/complaints",
        {"lon": lon, "lat": lat, "category": "sign"},
        headers={"Authorization": f"Bearer {credentials['key']}"},
    )
    cid = reply.json()["id"]
    assert reply.json()["overdue"] is False and reply.json()["escalation_level"] == 0
    stats_url = f"{live_api}/api/v1/stats?group=category&area=530111&category=sign"
    before = get(stats_url).json()["rows"][0]
    with django_db_blocker.unblock():
        past = timezone.now() - HOUR
        Complaint.objects.filter(id=cid).update(due_at=past, alarm_at=past)
        sweep(timezone.now())
        Complaint.objects.filter(id=cid).update(due_at=past)  # the district office is late too
    detail = get(f"{live_api}/api/v1/complaints/{cid}").json()
    assert (detail["overdue"], detail["escalation_level"], detail["escalated_to"]) == (True, 1, "DO-5301")
    assert detail["history"][-1]["event"] == "escalated"
    after = get(stats_url).json()["rows"][0]
    assert (after["overdue"], after["escalated"]) == (before["overdue"] + 1, before["escalated"] + 1)
    choropleth = get(f"{live_api}/api/v1/stats?group=subdistrict&area=530111&category=sign&format=geojson").json()
    ban_dan = next(f["properties"] for f in choropleth["features"] if f["id"] == "530111")
    assert (ban_dan["overdue"], ban_dan["escalated"]) == (after["overdue"], after["escalated"])

    features = get(f"{live_api}/ogc/collections/complaints/items?escalated_to=DO-5301&limit=10000").json()["features"]
    mine = next(f for f in features if f["id"] == cid)
    assert mine["properties"]["overdue"] is True and mine["properties"]["escalation_level"] == 1
    assert mine["properties"]["escalated_to"] == "DO-5301" and mine["properties"]["due_at"]

    x, y = tile_of(lon, lat, 16)
    tile = get(f"{live_api}/tiles/complaints/16/{x}/{y}.mvt")
    assert tile.status == 200
    path = tmp_path / "complaints.mvt"
    path.write_bytes(tile.body)
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-oo", f"X={x}", "-oo", f"Y={y}", "-oo", "Z=16", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ours = info.split(f"id (Integer) = {cid}")[1].split("OGRFeature")[0]
    assert "overdue (Integer(Boolean)) = 1" in ours and "escalation_level (Integer) = 1" in ours
    fields = get(f"{live_api}/tiles/complaints.json").json()["vector_layers"][0]["fields"]
    assert fields["overdue"] == "Boolean" and fields["escalation_level"] == "Number"
