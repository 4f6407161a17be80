"""Complaints as a map layer: the complaints app owns the table, so the SQL that draws it as
vector tiles lives here (ogc/providers/complaints.py serves it). No personal data is read."""

from django.db import connection

from .lifecycle import OPEN_STATES

TILE_SQL = """
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

TILE_FIELDS = {
    "id": "Number",
    "status": "String",
    "category": "String",
    "agency": "String",
    "created": "String",
    "overdue": "Boolean",
    "escalation_level": "Number",
}


def complaint_tile(layer: str, z: int, x: int, y: int) -> bytes:
    """One Mapbox vector tile of the complaints in tile z/x/y (empty bytes where none)."""
    with connection.cursor() as cursor:
        cursor.execute(TILE_SQL, {"z": z, "x": x, "y": y, "layer": layer, "open_states": list(OPEN_STATES)})
        data = cursor.fetchone()[0]
    return bytes(data) if data else b""
