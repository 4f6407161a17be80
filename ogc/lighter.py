"""The lighter default rendition of a generation's boundaries, prepared once per generation.

A GIS client reading the whole national subdistrict layer spends its time parsing GeoJSON, about
ten million vertices at full resolution. The lighter rendition keeps every border within
TOLERANCE of the original (Douglas-Peucker on the shared borders, so neighbours still meet exactly
and districts and provinces still nest in their subdistricts; see boundaries/simplify.py) on a
PRECISION-decimal grid, with far fewer vertices (docs/layers.md). Its GeoJSON text is stored, so serving it
is a string concatenation. Full resolution stays one parameter away (resolution=full).

The tolerance is what a whole-layer read needs: GDAL's cost is per coordinate (its OAPIF driver
parses each page three times), and half this tolerance still left a whole-layer read too slow.
"""

import logging
import time

import shapely
from django.db import connection, transaction

from boundaries import queries
from boundaries.models import ADMIN_LEVELS, Boundary, Generation
from boundaries.renditions import shapes
from boundaries.simplify import simplify_coverage

from .collections import LIGHT_PRECISION, LIGHT_TOLERANCE
from .models import LightLayer

TOLERANCE = LIGHT_TOLERANCE
PRECISION = LIGHT_PRECISION

logger = logging.getLogger(__name__)
_warned = False
_ready: set[tuple[str, int]] = set()  # (database, generation) prepared: a rendition stays prepared


def with_state(token: str) -> str:
    """The active generations' cache token (boundaries.cached.generations) with whether their lighter
    rendition is there yet. `make load` leaves preparing it to the workers, and until they are done
    pages and tiles are drawn at full resolution: what is cached or written then must not be served
    once the lighter rendition exists."""
    database = connection.settings_dict["NAME"]
    ids = {int(part.rsplit(":", 1)[1]) for part in token.split(",") if part}
    missing = {i for i in ids if (database, i) not in _ready}
    if missing:
        done = LightLayer.objects.filter(generation_id__in=missing, tolerance=TOLERANCE, precision=PRECISION)
        _ready.update((database, i) for i in done.values_list("generation_id", flat=True))
    return token + ("|light" if all((database, i) in _ready for i in ids) else "|full")


def is_prepared(generation_id: int) -> bool:
    """Whether the generation's lighter rendition is complete (with the current settings)."""
    return LightLayer.objects.filter(generation_id=generation_id, tolerance=TOLERANCE, precision=PRECISION).exists()


def served_full_instead() -> None:
    """A lighter page was asked for and the boundaries had no lighter rendition: say how to make one."""
    global _warned
    if not _warned:
        _warned = True
        logger.warning("no lighter rendition of the boundaries: serving full resolution (manage.py prepare_layers)")


def _levels(generation_id: int) -> list[str]:
    present = set(Boundary.objects.filter(generation_id=generation_id).values_list("level", flat=True).distinct())
    finest_first = [level for level in reversed(ADMIN_LEVELS) if level in present]
    return finest_first + sorted(present - set(finest_first))


def prepare(generation_id: int, *, force: bool = False, stdout=None) -> LightLayer:
    """Computes and stores the lighter rendition of one generation (all its levels at once)."""
    generation = Generation.objects.get(id=generation_id)
    done = LightLayer.objects.filter(generation=generation, tolerance=TOLERANCE, precision=PRECISION).first()
    if done and not force:
        return done
    started = time.perf_counter()
    levels = _levels(generation_id)
    ids, geoms = [], []
    for level in levels:
        rows = queries.level_shapes(generation_id, level, order_by="id")
        ids.append([row[0] for row in rows])
        geoms.append(shapely.from_wkb([row[5] for row in rows]))
    out, report = simplify_coverage(geoms, TOLERANCE, PRECISION)
    rows = [
        (boundary_id, shapely.to_wkb(geom, include_srid=False))
        for level_ids, level_geoms in zip(ids, out)
        for boundary_id, geom in zip(level_ids, level_geoms)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('ogc.light'), %s)", [generation_id])
        cursor.execute(
            f"DELETE FROM ogc_lightboundary WHERE boundary_id IN"
            f" (SELECT id FROM {shapes(lighter=False)} b WHERE generation_id = %s)",
            [generation_id],
        )
        LightLayer.objects.filter(generation=generation).delete()
        # Service areas made of several boundaries keep their lighter union: made from these, it is stale.
        cursor.execute(
            "UPDATE ogc_servicearea SET light = NULL, overview = NULL WHERE generation_id = %s", [generation_id]
        )
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            cursor.execute(
                "INSERT INTO ogc_lightboundary (boundary_id, geom, geojson, vertices)"
                " SELECT id, ST_Multi(g), ST_AsGeoJSON(g, %s), ST_NPoints(g)"
                " FROM (SELECT unnest(%s::bigint[]) AS id, ST_GeomFromWKB(unnest(%s::bytea[]), 4326) AS g) s",
                [PRECISION, [r[0] for r in chunk], [r[1] for r in chunk]],
            )
        seconds = time.perf_counter() - started
        layer = LightLayer.objects.create(
            generation=generation,
            tolerance=TOLERANCE,
            precision=PRECISION,
            seconds=round(seconds, 1),
            report={
                "levels": {
                    level: {"features": len(level_ids), "vertices": list(report.levels[number])}
                    for number, (level, level_ids) in enumerate(zip(levels, ids))
                },
                "chains": report.chains,
                "chains_kept_original": report.chains_kept_original,
                "repaired": report.repaired,
            },
        )
    if stdout:
        for level, info in layer.report["levels"].items():
            before, after = info["vertices"]
            stdout.write(f"  {level}: {info['features']:,} features, {before:,} -> {after:,} vertices")
        stdout.write(
            f"  {report.chains:,} shared borders, {report.chains_kept_original:,} kept as they were"
            f" (simplified they would cross), {report.repaired} repaired; {seconds:.1f} s"
        )
    return layer
