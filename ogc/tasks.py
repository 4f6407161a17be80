"""Jobs for the workers (procrastinate's Django autodiscovery): the lighter rendition of new
boundaries, then the whole-collection files."""

import io

from django.core.management import call_command
from procrastinate.contrib.django import app

from geo import jobs

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
    return jobs.defer_once(name, delay_s, queueing_lock=name)


def request_downloads() -> bool:
    """Ask the workers to write the files of the current version; False if already asked."""
    return _defer(WRITE)


def request_prepare(delay_s: float = 0) -> bool:
    """Ask the workers to prepare the lighter layers (and then the files), in delay_s seconds;
    False if already asked."""
    return _defer(PREPARE, delay_s)
