"""Deferring a background job (procrastinate) through Django's connection, so a job commits or rolls
back with the caller's transaction in every process (gunicorn, the workers, management commands).
Shared by every app that queues jobs; imports no app."""

from functools import cache
from typing import Unpack

from django.db import transaction
from procrastinate import exceptions, manager, tasks
from procrastinate.contrib.django.django_connector import DjangoConnector


@cache
def job_manager() -> manager.JobManager:
    return manager.JobManager(DjangoConnector())


def defer(name: str, delay_s: float = 0, **options: Unpack[tasks.ConfigureTaskOptions]) -> None:
    """Queue the job `name`, to run in delay_s seconds (the other options as procrastinate's
    configure_task: lock, queueing_lock, task_kwargs, priority, schedule_at...)."""
    if delay_s:
        options["schedule_in"] = {"milliseconds": round(delay_s * 1000)}
    tasks.configure_task(name=name, job_manager=job_manager(), **options).defer()


def defer_once(name: str, delay_s: float = 0, **options: Unpack[tasks.ConfigureTaskOptions]) -> bool:
    """Queue the job unless one with the same queueing_lock is still waiting; False then (the
    waiting one will do the work)."""
    try:
        with transaction.atomic():  # a savepoint: the refused duplicate must not abort the caller's transaction
            defer(name, delay_s, **options)
    except exceptions.AlreadyEnqueued:
        return False
    return True
