"""Whole polygon collections as FlatGeobuf files, for GIS clients that want everything at once.

Paging a national layer through OGC API - Features costs a client one JSON page after another;
a FlatGeobuf file is binary, carries its own spatial index and is read by GDAL and QGIS by HTTP
ranges (/vsicurl/). Each file holds exactly the features the collection's items would return
(written from the same page builder, so properties and geometry never differ between the two)
and is named by what those features depend on, nothing else: the active generations (and whether
their lighter rendition exists), and for local government and service areas a fingerprint of the
directory rows and columns they draw (ogc/layer_keys.py; an agency's e-mail or webhook is not
one). A new key makes a new file; until it is written the last one is served, marked stale
(`locate`), and the old ones are removed once the new one is in place.

Writing (a worker job per file, or `manage.py prepare_layers --downloads`) holds a PostgreSQL
advisory lock per file, so one writer at a time writes a file across every worker and node; a
second finds the lock taken and leaves. Memory stays bounded: the features go a page at a time
to a GeoJSON text sequence on disk, which ogr2ogr reads one feature at a time; FlatGeobuf's
writer sorts its spatial index through a temporary file beside it. The finished file is renamed
into place, so a reader never sees half a file. Peak memory is logged with every file written.
"""

import contextlib
import logging
import os
import resource
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import psutil
from django.conf import settings
from django.db import connection

from boundaries.cached import digest, generations
from geo import pooling

from . import layer_keys, output

log = logging.getLogger(__name__)

FORMAT = "fgb"
CONTENT_TYPE = "application/flatgeobuf"
PAGE = 1000
EXISTS, BUSY = -1, -2  # write()'s count when the file was there already / another writer holds it
LOCK_SPACE = 25_001  # first key of the two-key advisory locks held by writers (pg_locks.classid)


class NotOffered(LookupError):
    pass


class ThroughPooler(RuntimeError):
    pass


def directory() -> Path:
    """Files of this database (the test databases and the served one share var/)."""
    return Path(settings.GEO_DOWNLOADS_DIR) / connection.settings_dict["NAME"]


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
    """The key of what the collection's features show."""
    from . import lighter
    from .providers import REGISTRY

    token = lighter.with_state(generations()[0])
    if REGISTRY[collection_id].reads_directory:
        token += f"|directory:{layer_keys.fingerprint(collection_id)}"
    return digest(f"download:{collection_id}", token)[:16]


def path(collection_id: str, resolution: str) -> Path:
    check(collection_id, resolution)
    return directory() / f"{collection_id}-{resolution}-{version(collection_id)}.{FORMAT}"


def _versions(collection_id: str, resolution: str) -> list[Path]:
    return list(directory().glob(f"{collection_id}-{resolution}-*.{FORMAT}"))


def locate(collection_id: str, resolution: str) -> tuple[Path, Path | None]:
    """The current file's path, and the file to serve: the current one if written, else the newest
    earlier one (stale), else None."""
    current = path(collection_id, resolution)
    if current.exists():
        return current, current
    older = []
    for found in _versions(collection_id, resolution):
        try:
            older.append((found.stat().st_mtime, found))
        except FileNotFoundError:  # removed as the new one came into place
            continue
    return current, max(older)[1] if older else None


def file_version(found: Path) -> str:
    return found.stem.rsplit("-", 1)[1]


def _lock_key(collection_id: str, resolution: str) -> str:
    return f"ogc.download:{collection_id}:{resolution}"


@contextmanager
def _writer_lock(collection_id: str, resolution: str):
    """True inside when this session holds the file's writer lock, False when another one does.
    A session lock: released when the block ends, or by PostgreSQL if the writer dies."""
    if pooling.pooled(connection):
        # Through PgBouncer in transaction mode the lock would stay on whichever server connection
        # took it (another client there could take it again; the unlock may reach another one).
        raise ThroughPooler("the file writers hold a session lock: run them on the primary itself (DATABASE_URL)")
    key = _lock_key(collection_id, resolution)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))", [LOCK_SPACE, key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [LOCK_SPACE, key])


def writing(collection_id: str, resolution: str) -> bool:
    """Whether a writer (in any process on any node) holds the file's lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            " AND classid = %s AND objid = hashtext(%s)::oid AND objsubid = 2)",
            [LOCK_SPACE, _lock_key(collection_id, resolution)],
        )
        return cursor.fetchone()[0]


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


def _sequence(collection_id: str, resolution: str, target: Path) -> int:
    """The features as a GeoJSON text sequence (one feature a line), a page in memory at a time."""
    count = 0
    with target.open("w", encoding="utf-8") as out:
        for feature in _features(collection_id, resolution):
            out.write(feature)
            out.write("\n")
            count += 1
        if not count:  # GDAL reads no layer from an empty sequence: an empty collection instead
            out.write('{"type": "FeatureCollection", "features": []}')
    return count


def _convert(collection_id: str, source: Path, partial: Path, count: int) -> int:
    """ogr2ogr from the sequence to the FlatGeobuf file; returns its peak resident memory in bytes
    (sampled: a forked child's own rusage counts its parent's pages)."""
    reader = "GeoJSONSeq:" if count else ""
    command = ["ogr2ogr", "-f", "FlatGeobuf", str(partial), f"{reader}{source}", "-nln", collection_id]
    command += ["-a_srs", "EPSG:4326", "-lco", "SPATIAL_INDEX=YES", "-lco", f"TEMPORARY_DIR={source.parent}"]
    peak = 0
    with (source.parent / "ogr2ogr.log").open("w+") as errors:
        gdal = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        with contextlib.suppress(psutil.Error):
            watched = psutil.Process(gdal.pid)
            while gdal.poll() is None:
                peak = max(peak, watched.memory_info().rss)
                time.sleep(0.1)
        gdal.wait()
        errors.seek(0)
        if gdal.returncode != 0:
            raise RuntimeError(f"ogr2ogr failed for {collection_id}: {errors.read().strip()[-500:]}")
    return peak


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write(collection_id: str, resolution: str) -> tuple[Path, int]:
    """Write the file for the current version (unless it exists, or another writer holds it);
    returns its path and how many features it holds (EXISTS, BUSY)."""
    target = path(collection_id, resolution)
    if target.exists():
        return target, EXISTS
    with _writer_lock(collection_id, resolution) as held:
        if not held:
            return target, BUSY
        target = path(collection_id, resolution)  # as of now, with the lock held
        if target.exists():  # written by the writer that held the lock before
            return target, EXISTS
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".writing-") as work:
            source, partial = Path(work) / "features.geojsonl", Path(work) / target.name
            count = _sequence(collection_id, resolution, source)
            gdal_peak = _convert(collection_id, source, partial, count)
            os.replace(partial, target)
        _remove_older(target)
    size, own = target.stat().st_size, peak_rss_mb()
    log.info(
        "wrote %s (%d features, %d bytes; peak RSS %.0f MB, ogr2ogr %.0f MB)",
        target.name,
        count,
        size,
        own,
        gdal_peak / 1e6,
    )
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
