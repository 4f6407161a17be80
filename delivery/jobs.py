"""Queueing the sender jobs. Always through Django's connection, so a job is deferred inside the
caller's transaction in every process (gunicorn, the workers, management commands)."""

import random
from datetime import datetime

from django.conf import settings

from geo.jobs import defer, defer_once

from .models import lock_key

SEND = "delivery.send"
# A nudge (new work) jumps ahead of a sleeping timer of the same agency and channel; both share
# the agency's lock, so one sender at a time works through its queue, oldest first.
NUDGE_PRIORITY, TIMER_PRIORITY = 1, 0


def nudge(agency_id: int, channel: str) -> None:
    defer(
        SEND,
        lock=lock_key(agency_id, channel),
        priority=NUDGE_PRIORITY,
        task_kwargs={"agency_id": agency_id, "channel": channel},
    )


def wake_at(agency_id: int, channel: str, at: datetime) -> None:
    """A sender run at `at` (one waiting timer per agency and channel is enough)."""
    key = lock_key(agency_id, channel)
    defer_once(
        SEND,
        lock=key,
        queueing_lock=key + "-timer",
        schedule_at=at,
        priority=TIMER_PRIORITY,
        task_kwargs={"agency_id": agency_id, "channel": channel},
    )


def busy(agency_id: int, channel: str) -> None:
    """The agency's outbound slots are all taken (delivery/slots.py): a sender again in a moment,
    rather than one waiting in a worker. One such job waiting per agency and channel is enough."""
    key = lock_key(agency_id, channel)
    defer_once(
        SEND,
        requeue_delay(),
        lock=key,
        queueing_lock=key + "-busy",
        priority=NUDGE_PRIORITY,
        task_kwargs={"agency_id": agency_id, "channel": channel},
    )


def requeue_delay() -> float:
    # Jittered, so the jobs of a tenant whose slots are taken do not all come back together.
    return settings.GEO_OUTBOUND_REQUEUE_S * random.uniform(0.75, 1.5)
