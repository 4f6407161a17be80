"""Mapbox vector tiles straight from PostGIS (ST_AsMVT), boundaries simplified to the tile's pixel."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from boundaries import queries
from complaints.lifecycle import OPEN_STATES

from . import features, lighter
from .collections import COLLECTIONS
from .models import LightBoundary

TILED = ("boundary", "complaint")  # collection kinds with vector tiles
MAX_ZOOM = 18
EXTENT = 4096
MVT = "application/vnd.mapbox-vector-tile"

COMPLAINT_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile)
SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom') FROM (
  SELECT c.id, c.status, c.categories->>0 AS category, a.code AS agency, c.subdistrict_code,
         to_char(c.created, 'YYYY-MM-DD"T"HH24:MI:SSOF') AS created,
         (c.status = ANY(%(open_states)s) AND c.due_at <= now()) IS TRUE AS overdue, c.escalation_level,
         ST_AsMVTGeom(ST_Transform(c.location, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM complaints_complaint c
  LEFT JOIN routing_agency a ON a.id = c.agency_id
  CROSS JOIN bounds
  WHERE c.location && ST_Transform(bounds.tile, 4326)
) t WHERE t.geom IS NOT NULL
"""


def _complaint_tile(layer: str, z: int, x: int, y: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(COMPLAINT_SQL, {"z": z, "x": x, "y": y, "layer": layer, "open_states": list(OPEN_STATES)})
        data = cursor.fetchone()[0]
    return bytes(data) if data else b""


def _tolerance(z: int) -> float:
    """About one tile pixel in degrees at this zoom: finer detail would be invisible."""
    return 360.0 / (2**z * EXTENT)


@require_GET
def tile(request, layer, z, x, y):
    collection = COLLECTIONS.get(layer)
    if collection is None or collection.kind not in TILED:
        return JsonResponse({"code": "NotFound", "description": f"no layer {layer!r}"}, status=404)
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return JsonResponse({"code": "NotFound", "description": f"no tile {z}/{x}/{y}"}, status=404)
    if collection.kind == "boundary":
        # Where a pixel is coarser than the lighter rendition's tolerance, draw from it: a sixth of
        # the vertices to clip and simplify.
        tolerance = _tolerance(z)
        light = LightBoundary._meta.db_table if tolerance >= lighter.TOLERANCE else None
        data = queries.boundary_tile(collection.level, layer, z, x, y, tolerance, light)
    else:
        data = _complaint_tile(layer, z, x, y)
    if not data:
        return HttpResponse(status=204)
    response = HttpResponse(data, content_type=MVT)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def tilejson(request, layer):
    collection = COLLECTIONS.get(layer)
    if collection is None or collection.kind not in TILED:
        return JsonResponse({"code": "NotFound", "description": f"no layer {layer!r}"}, status=404)
    fields = (
        {"code": "String", "name_th": "String", "name_en": "String", "parent_code": "String", "generation": "Number"}
        if collection.kind == "boundary"
        else {
            "id": "Number",
            "status": "String",
            "category": "String",
            "agency": "String",
            "created": "String",
            "overdue": "Boolean",
            "escalation_level": "Number",
        }
    )
    west, south, east, north = features.extent(collection)
    return JsonResponse(
        {
            "tilejson": "3.0.0",
            "name": collection.title,
            "description": collection.description,
            "tiles": [request.build_absolute_uri(f"/tiles/{layer}/") + "{z}/{x}/{y}.mvt"],
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "bounds": [west, south, east, north],
            "vector_layers": [{"id": layer, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM}],
        }
    )
