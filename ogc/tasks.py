"""Jobs for the workers (procrastinate's Django autodiscovery): the whole-collection files."""

from procrastinate import exceptions, manager, tasks
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector

from . import downloads

WRITE = "ogc.write_downloads"


@app.task(name=WRITE, queueing_lock=WRITE)
def write_downloads() -> dict:
    written = downloads.write_all()
    return {"written": written}


def request_downloads() -> bool:
    """Ask the workers to write the files of the current version; False if already asked."""
    try:
        tasks.configure_task(name=WRITE, job_manager=manager.JobManager(DjangoConnector()), queueing_lock=WRITE).defer()
    except exceptions.AlreadyEnqueued:
        return False
    return True
