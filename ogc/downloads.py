"""Whole polygon collections as FlatGeobuf files, for GIS clients that want everything at once.

Paging a national layer through OGC API - Features costs a client one JSON page after another;
a FlatGeobuf file is binary, carries its own spatial index and is read by GDAL and QGIS by HTTP
ranges (/vsicurl/). Each file holds exactly the features the collection's items would return
(written from the same page builder, so properties and geometry never differ between the two)
and is named by what those features depend on: the active generations, and for local
government and service areas the routing directory's version. A new generation therefore makes
a new file; the old ones are removed once the new one is in place.

Writing (a worker job, or `manage.py prepare_layers --downloads`) pipes the features into GDAL's
ogr2ogr and renames the finished file into place, so a reader never sees half a file.
"""

import logging
import os
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from boundaries.cached import digest, generations
from routing.loaders import directory_version

from . import output

log = logging.getLogger(__name__)

FORMAT = "fgb"
CONTENT_TYPE = "application/flatgeobuf"
PAGE = 1000


class NotOffered(LookupError):
    pass


def directory() -> Path:
    return Path(settings.GEO_DOWNLOADS_DIR)


def offered() -> dict[str, tuple]:
    """The collections offered as a file, and at which resolutions (each provider's `downloads`;
    full-resolution service areas are left out: thousands of them are unions of whole provinces,
    about 310 MB, and the lighter ones are the context analysts load)."""
    from .providers import REGISTRY  # the providers import models: keep this module light to import

    return {c.id: c.downloads for c in REGISTRY.values() if c.downloads}


def check(collection_id: str, resolution: str) -> None:
    files = offered()
    if collection_id not in files:
        raise NotOffered(f"no file download for {collection_id!r} (offered: {', '.join(files)})")
    if resolution not in files[collection_id]:
        offered_at = ", ".join(files[collection_id])
        raise NotOffered(f"resolution: {collection_id} is offered as a file at {offered_at}, not {resolution!r}")


def version(collection_id: str) -> str:
    """The key of what the collection's features depend on."""
    from . import lighter
    from .providers import REGISTRY

    token = lighter.with_state(generations()[0])
    token += f"|{connection.settings_dict['NAME']}"  # the test databases share var/ and generation ids
    if REGISTRY[collection_id].reads_directory:
        token += f"|directory:{directory_version()}"
    return digest(f"download:{collection_id}", token)[:16]


def path(collection_id: str, resolution: str) -> Path:
    check(collection_id, resolution)
    return directory() / f"{collection_id}-{resolution}-{version(collection_id)}.{FORMAT}"


def _features(collection_id: str, resolution: str):
    from . import features
    from .providers import REGISTRY

    selection = features.select(REGISTRY[collection_id])
    out = output.Output(resolution)
    offset = 0
    while True:
        page = selection.page(offset, PAGE, out)
        if not page:
            return
        yield from page
        offset += len(page)  # a page may stop short at its vertex budget


def write(collection_id: str, resolution: str) -> tuple[Path, int]:
    """Write the file for the current version (unless it exists); returns its path and how many
    features it holds (-1 when it was already there)."""
    target = path(collection_id, resolution)
    if target.exists():
        return target, -1
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".writing-") as work:
        partial = Path(work) / target.name
        command = ["ogr2ogr", "-f", "FlatGeobuf", str(partial), "/vsistdin/", "-nln", collection_id]
        command += ["-a_srs", "EPSG:4326", "-lco", "SPATIAL_INDEX=YES"]
        count = 0
        with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as gdal:
            try:
                gdal.stdin.write(b'{"type": "FeatureCollection", "features": [')
                for feature in _features(collection_id, resolution):
                    gdal.stdin.write((b"," if count else b"") + feature.encode())
                    count += 1
                gdal.stdin.write(b"]}")
            finally:
                gdal.stdin.close()
            errors = gdal.stderr.read().decode(errors="replace")
        if gdal.returncode != 0:
            raise RuntimeError(f"ogr2ogr failed for {collection_id}: {errors.strip()[-500:]}")
        os.replace(partial, target)
    _remove_older(target)
    log.info("wrote %s (%d features, %d bytes)", target.name, count, target.stat().st_size)
    return target, count


def _remove_older(current: Path) -> None:
    collection_id, resolution, _ = current.stem.rsplit("-", 2)
    for old in current.parent.glob(f"{collection_id}-{resolution}-*.{FORMAT}"):
        if old != current:
            old.unlink(missing_ok=True)


def write_all(stdout=None) -> list[str]:
    """Write every offered file missing for the current version; returns the names written."""
    written = []
    for collection_id, resolutions in offered().items():
        for resolution in resolutions:
            started = time.perf_counter()
            target, count = write(collection_id, resolution)
            if count < 0:
                continue
            written.append(target.name)
            if stdout is not None:
                size = target.stat().st_size / 1e6
                seconds = time.perf_counter() - started
                stdout.write(f"file {target.name}: {count:,} features, {size:.0f} MB in {seconds:.0f} s")
    return written
