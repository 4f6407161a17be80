"""Jobs for the workers (procrastinate's Django autodiscovery): the lighter rendition of new
boundaries, then the whole-collection files."""

import io

from django.core.management import call_command
from django.db import transaction
from procrastinate import exceptions, manager, tasks
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from . import downloads

WRITE = "ogc.write_downloads"
PREPARE = "ogc.prepare_layers"


@app.task(name=WRITE, queueing_lock=WRITE)
def write_downloads() -> dict:
    written = downloads.write_all()
    return {"written": written}


@app.task(name=PREPARE, queueing_lock=PREPARE)
def prepare_layers() -> dict:
    """What `manage.py prepare_layers` does (nothing where it is done already), then asks for the files."""
    out = io.StringIO()
    call_command("prepare_layers", "--downloads", "later", stdout=out)
    return {"lines": out.getvalue().splitlines()}


def _defer(name: str, delay_s: float = 0) -> bool:
    options = {"schedule_in": {"seconds": delay_s}} if delay_s else {}
    try:
        with transaction.atomic():  # a savepoint: a refused duplicate leaves a caller's transaction usable
            job_manager = manager.JobManager(DjangoConnector())
            tasks.configure_task(name=name, job_manager=job_manager, queueing_lock=name, **options).defer()
    except exceptions.AlreadyEnqueued:
        return False
    return True


def request_downloads() -> bool:
    """Ask the workers to write the files of the current version; False if already asked."""
    return _defer(WRITE)


def request_prepare(delay_s: float = 0) -> bool:
    """Ask the workers to prepare the lighter layers (and then the files), in delay_s seconds;
    False if already asked."""
    return _defer(PREPARE, delay_s)
