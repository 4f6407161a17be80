"""The safety net run by the workers periodically: queued work that no job will pick up (a job
that failed on a database restart, a lost timer) gets a sender again, and jobs of workers that
died (SIGKILL, a lost machine) run again. Nothing stays "sending" or "pending" for ever."""

from django.db import connection

from . import jobs
from .clock import now
from .models import QUEUED, Delivery, lock_key


def orphans() -> list[tuple[int, str]]:
    """(agency, channel) queues with due work and no job running or due to run."""
    due = set(
        Delivery.objects.filter(state__in=QUEUED, next_attempt_at__lte=now())
        .values_list("agency_id", "channel")
        .distinct()
    )
    if not due:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT lock FROM procrastinate_jobs WHERE lock = ANY(%s) AND"
            " (status = 'doing' OR (status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())))",
            [[lock_key(a, c) for a, c in due]],
        )
        busy = {row[0] for row in cursor.fetchall()}
    return sorted((a, c) for a, c in due if lock_key(a, c) not in busy)


def requeue_orphans() -> int:
    found = orphans()
    for agency_id, channel in found:
        jobs.nudge(agency_id, channel)
    return len(found)
