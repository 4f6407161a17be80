"""The synthetic load for benchmarks (complaints/synthetic.py) has the spread written down in its
docstrings: where, when, and what became of the complaints, checked here on 4,000 of them."""

import io
import re
import subprocess
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from complaints import demo, layer_queries, synthetic
from complaints.models import Complaint, HistoryEntry
from routing import loaders

pytestmark = pytest.mark.django_db

N = 4000
OPEN = ("waiting", "in_progress", "forwarded", "follow_up")


@pytest.fixture(scope="module")
def generated(national_matcher, agencies, django_db_blocker):
    """Generated once for the module, inside a transaction rolled back at its end (the tests' own
    transactions are savepoints inside it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        path = settings.GEO_DATA_DIR / "traffy" / "traffy_bangkok_dev.csv"
        demo.load(path, matcher=national_matcher, directory=loaders.load_directory())
        out = io.StringIO()
        call_command("generate_complaints", str(N), "--batch", "1500", stdout=out)
        yield out.getvalue(), Complaint.objects.filter(source="synthetic")
        transaction.set_rollback(True)


def share(part: int, whole: int) -> float:
    return part / whole


def test_the_load_is_spread_like_real_complaints(generated):
    output, fake = generated
    # A progress line per batch of 1,500, after the templates were routed.
    lines = output.splitlines()
    assert "template places routed" in lines[0]
    assert [line.split(" of ")[0] for line in lines[1:4]] == ["1,500", "3,000", "4,000"]
    assert lines[-1] == f"{N} synthetic complaints in the database"
    assert fake.count() == N

    # Where: a fifth in Bangkok, the rest over most provinces; the real tickets' categories.
    provinces = Counter(fake.values_list("province_code", flat=True))
    assert 0.16 < share(provinces["10"], N) < 0.24
    assert len(provinces) >= 70 and "" not in provinces
    assert share(fake.filter(agency__isnull=False).count(), N) > 0.97
    real = Counter(c[0] for c in Complaint.objects.filter(source="traffy").values_list("categories", flat=True))
    made = Counter(c[0] for c in fake.values_list("categories", flat=True))
    for category, count in real.most_common(4):
        assert abs(share(made[category], N) - share(count, sum(real.values()))) < 0.04, category

    # When: from 2021 to now, each year about 1.35 times the one before, fewer on weekends and at night.
    now = timezone.now()
    assert not fake.filter(created__gt=now).exists()
    assert not fake.filter(created__lt=datetime(2020, 12, 31, tzinfo=timezone.get_current_timezone())).exists()
    local = [timezone.localtime(c) for c in fake.values_list("created", flat=True)]
    years = Counter(c.year for c in local)
    for year in range(2022, 2026):
        assert 1.1 < years[year] / years[year - 1] < 1.65, (year, years)
    days = Counter(c.isoweekday() for c in local)
    weekday, weekend = sum(days[d] for d in range(1, 6)) / 5, (days[6] + days[7]) / 2
    assert 0.55 < weekend / weekday < 0.85
    assert share(sum(1 for c in local if c.hour < 6), N) < 0.075  # 7 of 127 hourly weights

    # What became of them: most finished, some open, overdue, escalated, forwarded, merged.
    status = Counter(fake.values_list("status", flat=True))
    assert 0.78 < share(status["finished"], N) < 0.92
    assert 0.04 < share(status["irrelevant"], N) < 0.12
    assert 0.02 < share(sum(status[s] for s in OPEN), N) < 0.12
    assert status["forwarded"] > 0 and status["waiting"] > 0
    problems = fake.filter(parent__isnull=True)
    overdue = problems.filter(status__in=OPEN, due_at__lte=now).count()
    assert 0 < overdue < sum(status[s] for s in OPEN)
    assert problems.filter(escalation_level__gt=0).count() > 0
    assert not fake.filter(escalation_level__gt=0, escalated_to__isnull=True).exists()
    assert 0.02 < share(problems.filter(status="finished", reopen_count=1).count(), status["finished"]) < 0.07


def test_times_and_merges_are_consistent(generated):
    _, fake = generated
    # Only "finished" has a resolution time; open ones have a deadline, closed ones none; nobody
    # answered a waiting complaint; the times follow each other.
    assert not fake.filter(status="finished", resolved_at__isnull=True).exists()
    assert not fake.exclude(status="finished").filter(resolved_at__isnull=False).exists()
    assert not fake.filter(status__in=OPEN, due_at__isnull=True).exists()
    assert not fake.exclude(status__in=OPEN).filter(due_at__isnull=False).exists()
    assert not fake.filter(status="waiting", first_response_at__isnull=False).exists()
    assert not fake.exclude(status="waiting").filter(first_response_at__isnull=True).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FILTER (WHERE first_response_at < c.created - interval '2 days'),
                      count(*) FILTER (WHERE resolved_at < first_response_at),
                      count(*) FILTER (WHERE resolved_at > clock_timestamp() OR first_response_at > clock_timestamp()),
                      count(*) FILTER (WHERE alarm_at < clock_timestamp() - interval '10 minutes')
               FROM complaints_complaint c WHERE source = 'synthetic'"""
        )
        # A merged report may be filed after its parent was answered (up to two days after it).
        assert cursor.fetchone() == (0, 0, 0, 0)
    # Every 33rd report is merged into the one before it, which is worked, and shares its fate.
    followers = fake.filter(parent__isnull=False).select_related("parent")
    assert followers.count() == N // 33
    for child in followers:
        assert child.parent.parent_id is None and child.parent.source == "synthetic"
        assert child.status == child.parent.status and child.resolved_at == child.parent.resolved_at
        assert child.parent.created <= child.created <= child.parent.created + timedelta(hours=48)
        assert child.merged_at >= child.created
    # The history the write path would have written: filed, and closed.
    history = HistoryEntry.with_internal.filter(complaint__source="synthetic")
    assert history.filter(event="created").count() == N
    closed = fake.filter(status__in=["finished", "irrelevant"]).count()
    assert history.filter(event="transition").count() == closed
    # Removed by source, with their history.
    assert synthetic.remove() == N
    assert not HistoryEntry.with_internal.filter(complaint__source="synthetic").exists()


def test_nothing_is_generated_without_the_real_tickets_to_shape_it(national_matcher, agencies):
    Complaint.objects.filter(source="traffy").delete()
    with pytest.raises(CommandError, match="load_traffy_demo"):
        call_command("generate_complaints", "10", stdout=io.StringIO())
    with pytest.raises(CommandError, match="positive"):
        call_command("generate_complaints", "0", stdout=io.StringIO())


def tile_features(tmp_path, z, x, y) -> list[dict]:
    """The features of a complaints tile, read back by GDAL."""
    path = tmp_path / f"{z}-{x}-{y}.mvt"
    path.write_bytes(layer_queries.complaint_tile("complaints", z, x, y))
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-oo", f"X={x}", "-oo", f"Y={y}", "-oo", f"Z={z}", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    features = []
    for block in info.split("OGRFeature(")[1:]:
        values = dict(re.findall(r"^\s+(\w+) \(\w+\) = (.*)$", block, re.M))
        features.append({"id": int(values["id"]), "sample": int(values["sample"])})
    return features


def test_a_crowded_tile_holds_an_even_sample(generated, tmp_path, monkeypatch):
    # Bangkok at the map page's opening zoom: its ~1,500 complaints are over a cap of 100, and so
    # is one in 8 of them; one in 64 fits.
    x, y = 798, 472  # zoom 10 over Bangkok (100.55, 13.75), as the map page opens
    monkeypatch.setattr(layer_queries, "TILE_CAP", 100)
    sampled = tile_features(tmp_path, 10, x, y)
    assert 10 < len(sampled) <= 100
    assert {f["sample"] for f in sampled} == {64} and all(f["id"] % 64 == 0 for f in sampled)
    monkeypatch.setattr(layer_queries, "TILE_CAP", 5_000)
    whole = tile_features(tmp_path, 10, x, y)
    assert {f["sample"] for f in whole} == {1} and len(whole) > 1000
    assert {f["id"] for f in sampled} == {f["id"] for f in whole if f["id"] % 64 == 0}
