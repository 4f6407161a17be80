"""Jobs for the workers (procrastinate's Django autodiscovery): the lighter rendition of new
boundaries, then the whole-collection files.

A request for a file that is not written asks for one job that writes that file only. It asks
nothing while a writer of the file runs (a job of it waiting or running, or any process holding
the file's lock: downloads.writing), so however many requests arrive during a write, one job
runs; procrastinate's `lock` runs the jobs of one file one after another, and the writer's own
advisory lock keeps out every other writer (`prepare_layers --downloads now`, another node)."""

import io

from django.core.management import call_command
from django.db import connection
from procrastinate.contrib.django import app
from procrastinate.types import JSONValue

from geo import jobs

from . import downloads

WRITE = "ogc.write_downloads"
WRITE_ONE = "ogc.write_download"
PREPARE = "ogc.prepare_layers"
FILES_QUEUE = "layer_files"  # every worker listens to it; a test worker can take this queue alone


@app.task(name=WRITE, queueing_lock=WRITE, lock=WRITE)
def write_downloads() -> dict:
    written = downloads.write_all()
    return {"written": written}


@app.task(name=WRITE_ONE, queue=FILES_QUEUE)
def write_download(collection_id: str, resolution: str) -> dict:
    target, count = downloads.write(collection_id, resolution)
    return {"file": target.name, "features": count}


@app.task(name=PREPARE, queueing_lock=PREPARE)
def prepare_layers() -> dict:
    """What `manage.py prepare_layers` does (nothing where it is done already), then asks for the files."""
    out = io.StringIO()
    call_command("prepare_layers", "--downloads", "later", stdout=out)
    return {"lines": out.getvalue().splitlines()}


def _defer(name: str, delay_s: float = 0) -> bool:
    return jobs.defer_once(name, delay_s, queueing_lock=name)


def request_downloads() -> bool:
    """Ask the workers to write the files of the current version; False if already asked."""
    return _defer(WRITE)


def _file_lock(collection_id: str, resolution: str) -> str:
    return f"{WRITE_ONE}:{collection_id}:{resolution}"


def _job_pending(lock: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE (queueing_lock = %s AND status = 'todo')"
            " OR (lock = %s AND status = 'doing'))",
            [lock, lock],
        )
        return cursor.fetchone()[0]


def request_file(collection_id: str, resolution: str) -> bool:
    """Ask the workers to write one file of the current version; False when a writer of it is
    already waiting or running (then nothing is queued)."""
    lock = _file_lock(collection_id, resolution)
    if _job_pending(lock) or downloads.writing(collection_id, resolution):
        return False
    arguments: dict[str, JSONValue] = {"collection_id": collection_id, "resolution": resolution}
    return jobs.defer_once(WRITE_ONE, queue=FILES_QUEUE, queueing_lock=lock, lock=lock, task_kwargs=arguments)


def request_prepare(delay_s: float = 0) -> bool:
    """Ask the workers to prepare the lighter layers (and then the files), in delay_s seconds;
    False if already asked."""
    return _defer(PREPARE, delay_s)
