"""Complaints as a map layer: the complaints app owns the table, so the SQL that draws it as
vector tiles lives here (ogc/providers/complaints.py serves it). No personal data is read.

A tile holds every complaint inside it up to TILE_CAP points (about one per 50 x 50 pixels of a
512-pixel tile). Beyond that (a zoom-10 tile over Bangkok holds 200,000 of 1,000,000 complaints:
5 s to draw and 8.8 MB to send; 1.5 million of 10,000,000)
it holds an even sample: the complaints whose id is a multiple of 8, 64 or 512, the first rate
that fits, each read through its own partial index (migration 0010), and every feature says the
rate (`sample`), so a client can weigh what it draws. Counting up to the cap reads at most
TILE_CAP + 1 index entries per rate tried.
"""

from django.db import connection

from .lifecycle import OPEN_STATES

TILE_CAP = 5_000
SAMPLE_RATES = (1, 8, 64, 512)  # the partial indexes of migration 0010 (1: the location index)

FITS_SQL = """
SELECT count(*) FROM (
  SELECT 1 FROM complaints_complaint c
  WHERE c.location && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326) {sample}
  LIMIT %(cap)s + 1
) n
"""

TILE_SQL = """
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile)
SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom') FROM (
  SELECT c.id, c.status, c.categories->>0 AS category, a.code AS agency, c.subdistrict_code,
         to_char(c.created, 'YYYY-MM-DD"T"HH24:MI:SSOF') AS created,
         (c.status = ANY(%(open_states)s) AND c.due_at <= now()) IS TRUE AS overdue, c.escalation_level,
         %(rate)s AS sample,
         ST_AsMVTGeom(ST_Transform(c.location, 3857), bounds.tile, 4096, 64, true) AS geom
  FROM complaints_complaint c
  LEFT JOIN routing_agency a ON a.id = c.agency_id
  CROSS JOIN bounds
  WHERE c.location && ST_Transform(bounds.tile, 4326) {sample}
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
    "sample": "Number",
}


def _sample(rate: int) -> str:
    # A literal, not a parameter: the planner matches it with the partial index's predicate.
    return "" if rate == 1 else f"AND c.id % {int(rate)} = 0"


def complaint_tile(layer: str, z: int, x: int, y: int) -> bytes:
    """One Mapbox vector tile of the complaints in tile z/x/y (empty bytes where none)."""
    args: dict[str, int | str | list] = {
        "z": z,
        "x": x,
        "y": y,
        "layer": layer,
        "open_states": list(OPEN_STATES),
        "cap": TILE_CAP,
    }
    with connection.cursor() as cursor:
        for rate in SAMPLE_RATES:
            cursor.execute(FITS_SQL.format(sample=_sample(rate).replace("%", "%%")), args)
            if cursor.fetchone()[0] <= TILE_CAP:
                break
        cursor.execute(TILE_SQL.format(sample=_sample(rate).replace("%", "%%")), {**args, "rate": rate})
        data = cursor.fetchone()[0]
    return bytes(data) if data else b""
