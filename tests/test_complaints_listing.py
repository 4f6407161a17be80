"""How listings of complaints count their matches (complaints/listing.py): exactly up to the cap,
and otherwise not at all (past the cap, past the time budget, or with a budget of 0), the session's
settings as they were; the map page's GeoJSON listing then pages without numberMatched."""

import json

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.test import Client, override_settings

from complaints import listing
from complaints.models import Complaint

DISTRICT = "9902"  # no real complaint has it


@pytest.fixture
def twelve(db):
    Complaint.objects.bulk_create(
        Complaint(
            location=Point(100.5 + i * 0.001, 13.75, srid=4326),
            province_code="99",
            district_code=DISTRICT,
            subdistrict_code="990201",
            categories=["road"],
        )
        for i in range(12)
    )
    return Complaint.objects.filter(district_code=DISTRICT)


def _settings() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('statement_timeout'), current_setting('jit'),"
            " current_setting('max_parallel_workers_per_gather')"
        )
        return cursor.fetchone()


def test_exact_up_to_the_cap_and_never_with_a_budget_of_zero(twelve):
    before = _settings()
    assert listing.count(twelve, cap=12) == 12
    assert listing.count(twelve, cap=11) is None  # more than the cap: not counted further
    assert listing.count(twelve.filter(status="finished"), cap=12) == 0
    assert listing.count(twelve, cap=12, budget_ms=0) is None
    assert _settings() == before  # inside the test's transaction: put back, not kept


def test_a_count_past_its_budget_is_left_out_and_the_connection_goes_on(twelve):
    before = _settings()
    # 20 ms a row: 240 ms to count the twelve, against a budget of 50
    slow = twelve.filter(RawSQL("pg_sleep(0.02) IS NOT NULL", (), output_field=BooleanField()))
    assert listing.count(slow, cap=100, budget_ms=50) is None
    assert listing.count(slow, cap=100, budget_ms=2_000) == 12
    assert _settings() == before
    assert twelve.count() == 12  # the transaction was not left aborted


@pytest.mark.django_db
def test_the_geojson_listing_pages_without_numbermatched_when_not_counted(twelve):
    client = Client(HTTP_HOST="127.0.0.1")
    base = f"/api/v1/complaints?format=geojson&jurisdiction={DISTRICT}&limit=5"
    counted = json.loads(client.get(base).content)
    assert counted["numberMatched"] == 12 and counted["numberReturned"] == 5
    with override_settings(GEO_COUNT_BUDGET_MS=0):
        first = json.loads(client.get(base).content)
        last = json.loads(client.get(base + "&offset=10").content)
        as_json = json.loads(client.get(f"/api/v1/complaints?jurisdiction={DISTRICT}&limit=5").content)
    assert "numberMatched" not in first and first["numberReturned"] == 5
    assert [link["rel"] for link in first["links"]] == ["next"] and "offset=5" in first["links"][0]["href"]
    assert "numberMatched" not in last and last["numberReturned"] == 2 and last["links"] == []
    assert as_json["count"] == 12  # the JSON listing's count is always exact
