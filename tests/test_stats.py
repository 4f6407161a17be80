"""Statistics computed in the database, on complaints filed and worked through the real engine."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from complaints import commands, demo, intake, stats
from complaints.models import Complaint
from routing import loaders

pytestmark = pytest.mark.django_db

# Districts no other test files complaints in (the live-server and delivery tests commit theirs),
# so their figures are this module's alone: Pai (Mae Hong Son) and Lat Krabang (Bangkok).
PAI = (98.442, 19.359)
LAT_KRABANG = (100.75, 13.72)


def file(matcher, d, where, category, hours_ago):
    lon, lat = where
    filing = intake.Filing(
        lon=lon, lat=lat, categories=(category,), created=timezone.now() - timedelta(hours=hours_ago)
    )
    complaint, _ = commands.file(filing, matcher=matcher, directory=d)
    return complaint


def test_summary_times_backlog_and_reopen_rate(national_matcher, agencies):
    d = loaders.load_directory()
    file(national_matcher, d, PAI, "street_light", 100)  # open 100 h > 72 h target: backlog
    b = file(national_matcher, d, PAI, "street_light", 10)
    c = file(national_matcher, d, PAI, "road", 50)
    commands.transition(b.id, "start")
    commands.transition(b.id, "finish")
    commands.transition(c.id, "start")
    commands.transition(c.id, "finish")
    commands.transition(c.id, "reopen")
    rows = {r["key"]: r for r in stats.summary("district", stats.Scope(area="5803"))}
    pai = rows["5803"]
    assert pai["complaints"] == 3 and pai["open"] == 2 and pai["finished"] == 1
    assert pai["backlog"] == 1  # the 100 h one; c was reopened but is 50 h old
    assert pai["reopen_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert pai["response_h_median"] == pytest.approx(30, abs=0.1)  # b after 10 h, c after 50 h
    assert pai["resolution_h_median"] == pytest.approx(10, abs=0.1)  # only b stays resolved
    by_category = {r["key"]: r["complaints"] for r in stats.summary("category", stats.Scope(area="5803"))}
    assert by_category == {"street_light": 2, "road": 1}
    agencies_found = [r["key"] for r in stats.summary("agency", stats.Scope(area="5803"))]
    assert agencies_found == ["5897"]  # Pai subdistrict municipality, the local government at PAI
    top = stats.top_categories("district", 1, stats.Scope(area="5803"))
    assert top == [{"key": "5803", "top": [{"category": "street_light", "complaints": 2}]}]
    days = stats.trend("day", stats.Scope(area="5803"))
    assert sum(r["filed"] for r in days) == 3 and sum(r["resolved"] for r in days) == 1


def test_scope_filters_period_category_and_agency(national_matcher, agencies):
    d = loaders.load_directory()
    file(national_matcher, d, LAT_KRABANG, "cleanliness", 200)
    file(national_matcher, d, LAT_KRABANG, "road", 1)
    recent = stats.Scope(since=timezone.now() - timedelta(hours=24), area="1011")
    assert [(r["key"], r["complaints"]) for r in stats.summary("category", recent)] == [("road", 1)]
    assert stats.summary("status", stats.Scope(agency="BKK-1011-CL"))[0]["complaints"] == 1
    assert stats.summary("status", stats.Scope(category="cleanliness", area="1011"))[0]["complaints"] == 1


def test_the_real_traffy_complaints_become_demo_data_once(national_matcher, agencies):
    d = loaders.load_directory()
    path = settings.GEO_DATA_DIR / "traffy" / "traffy_bangkok_dev.csv"
    first = demo.load(path, matcher=national_matcher, directory=d)
    assert first.stored > 1850 and not first.rejected  # every real ticket, those without ids included
    assert first.states["finished"] > 250 and first.states["waiting"] > 400
    assert demo.missing_tickets(path) == 0
    again = demo.load(path, matcher=national_matcher, directory=d)
    assert again.stored == 0 and again.already == first.stored
    imported = Complaint.objects.filter(source="traffy")
    assert imported.count() == first.stored and imported.filter(province_code="10").count() >= first.stored - 5
    # Imported states have no timings: they must not pollute response-time figures.
    assert not imported.filter(first_response_at__isnull=False).exists()
    assert not imported.filter(resolved_at__isnull=False).exists()
    # The synthetic load shaped after them, for benchmarks: tests/test_generate_complaints.py.
