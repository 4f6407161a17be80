"""Queueing the sender jobs. Always through Django's connection, so a job is deferred inside the
caller's transaction in every process (gunicorn, the workers, management commands)."""

from datetime import datetime

from django.db import transaction
from procrastinate import exceptions, manager, tasks
from procrastinate.contrib.django.django_connector import DjangoConnector

from .models import lock_key

SEND = "delivery.send"
# A nudge (new work) jumps ahead of a sleeping timer of the same agency and channel; both share
# the agency's lock, so one sender at a time works through its queue, oldest first.
NUDGE_PRIORITY, TIMER_PRIORITY = 1, 0

_manager = manager.JobManager(DjangoConnector())


def nudge(agency_id: int, channel: str) -> None:
    tasks.configure_task(
        name=SEND, job_manager=_manager, lock=lock_key(agency_id, channel), priority=NUDGE_PRIORITY
    ).defer(agency_id=agency_id, channel=channel)


def wake_at(agency_id: int, channel: str, at: datetime) -> None:
    """A sender run at `at` (one waiting timer per agency and channel is enough)."""
    key = lock_key(agency_id, channel)
    try:
        with transaction.atomic():  # a savepoint: the refused duplicate must not abort the caller
            tasks.configure_task(
                name=SEND,
                job_manager=_manager,
                lock=key,
                queueing_lock=key + "-timer",
                schedule_at=at,
                priority=TIMER_PRIORITY,
            ).defer(agency_id=agency_id, channel=channel)
    except exceptions.AlreadyEnqueued:
        pass
