"""Queueing pushes: one pusher at a time per subscription (the job lock), at most one waiting nudge
and one waiting timer each. Deferred through Django's connection, so a nudge commits with the
change that caused it."""

from datetime import datetime, timedelta

from django.utils import timezone

from delivery import jobs as delivery_jobs
from geo.jobs import defer_once

PUSH = "subscriptions.push"


def lock_key(subscription_id: int) -> str:
    return f"subscription-{subscription_id}"


def _defer(subscription_id: int, suffix: str, at: datetime | None = None) -> None:
    key = lock_key(subscription_id)
    # Refused when one is already waiting: it will see this change too.
    defer_once(
        PUSH,
        lock=key,
        queueing_lock=f"{key}-{suffix}",
        schedule_at=at,
        task_kwargs={"subscription_id": subscription_id},
    )


def nudge(subscription_id: int) -> None:
    _defer(subscription_id, "nudge")


def wake_at(subscription_id: int, at: datetime) -> None:
    _defer(subscription_id, "timer", at)


def busy(subscription_id: int) -> None:
    """The key's outbound slots are all taken (delivery/slots.py): a pusher again in a moment."""
    _defer(subscription_id, "busy", timezone.now() + timedelta(seconds=delivery_jobs.requeue_delay()))
