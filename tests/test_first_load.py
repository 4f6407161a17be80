"""The first start: `make load` (manage.py load_all) loads the boundaries and the agencies and
leaves the lighter layers and the demo complaints to the workers; what it leaves is queued, runs
as jobs, and nothing cached before the lighter layers exist is served after."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from boundaries.models import Generation
from complaints import tasks as complaint_tasks
from complaints.models import Complaint
from ogc import lighter
from ogc.models import LightLayer

pytestmark = pytest.mark.django_db


def queued() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name, extract(epoch FROM scheduled_at - clock_timestamp())"
            " FROM procrastinate_jobs WHERE status = 'todo'"
        )
        return {name: seconds for name, seconds in cursor.fetchall()}


def test_load_all_leaves_the_layers_and_the_demo_to_the_workers(thailand, agencies):
    out = io.StringIO()
    call_command("load_all", stdout=out)
    text = out.getvalue()
    assert f"Thailand is loaded already: generation {thailand.id} is active" in text
    assert "Traffy demo: asked the workers to store 1,895 tickets" in text
    jobs = queued()
    assert set(jobs) >= {"ogc.prepare_layers", "complaints.load_traffy_demo"}
    # after the server's start, not during it
    assert 20 < jobs["ogc.prepare_layers"] <= 30
    assert 20 < jobs["complaints.load_traffy_demo"] <= 30
    # asked once: a second make load finds the jobs queued
    out = io.StringIO()
    call_command("load_traffy_demo", "--later", stdout=out)
    assert out.getvalue().strip() == "Traffy demo: had asked the workers to store 1,895 tickets"
    assert Complaint.objects.filter(source="traffy").count() == 0


def test_the_demo_job_stores_every_ticket(thailand, agencies):
    result = complaint_tasks.load_traffy_demo()
    assert result == {"stored": 1895, "already": 0, "rejected": {}}
    assert Complaint.objects.filter(source="traffy").count() == 1895
    assert complaint_tasks.load_traffy_demo() == {"stored": 0}


def test_pages_cached_before_the_lighter_layers_are_not_served_after(thailand):
    generation = Generation.objects.create(layer="service_area", description="first-load test")
    token = f"admin:{thailand.id},service_area:{generation.id}"
    before = lighter.with_state(token)
    assert before == token + "|full"
    LightLayer.objects.update_or_create(
        generation_id=thailand.id, defaults={"tolerance": lighter.TOLERANCE, "precision": lighter.PRECISION}
    )
    assert lighter.with_state(token) == token + "|full"  # one of the two is not prepared yet
    LightLayer.objects.create(generation=generation, tolerance=lighter.TOLERANCE, precision=lighter.PRECISION)
    assert lighter.with_state(token) == token + "|light"
    # made with other settings, a rendition is not the one served
    other = Generation.objects.create(layer="other", description="first-load test")
    LightLayer.objects.create(generation=other, tolerance=lighter.TOLERANCE * 2, precision=lighter.PRECISION)
    assert lighter.with_state(f"other:{other.id}") == f"other:{other.id}|full"
