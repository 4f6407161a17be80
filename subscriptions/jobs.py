"""Queueing pushes: one pusher at a time per subscription (the job lock), at most one waiting nudge
and one waiting timer each. Deferred through Django's connection, so a nudge commits with the
change that caused it."""

from datetime import datetime

from django.db import transaction
from procrastinate import exceptions, manager, tasks
from procrastinate.contrib.django.django_connector import DjangoConnector

PUSH = "subscriptions.push"

_manager = manager.JobManager(DjangoConnector())


def lock_key(subscription_id: int) -> str:
    return f"subscription-{subscription_id}"


def _defer(subscription_id: int, suffix: str, **options) -> None:
    key = lock_key(subscription_id)
    try:
        with transaction.atomic():  # a savepoint: a refused duplicate must not abort the caller
            tasks.configure_task(
                name=PUSH, job_manager=_manager, lock=key, queueing_lock=f"{key}-{suffix}", **options
            ).defer(subscription_id=subscription_id)
    except exceptions.AlreadyEnqueued:
        pass  # one is already waiting: it will see this change too


def nudge(subscription_id: int) -> None:
    _defer(subscription_id, "nudge")


def wake_at(subscription_id: int, at: datetime) -> None:
    _defer(subscription_id, "timer", schedule_at=at)
