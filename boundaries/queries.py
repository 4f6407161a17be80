"""Questions about boundaries that other apps ask in SQL: the boundaries app owns the table, so the
SQL that reads it lives here and callers name what they want."""

from functools import lru_cache

import psycopg
from django.db import connection

from .generations import active_generation_ids
from .geojson import GeoText
from .renditions import light_join

THAILAND_BBOX = [97.3, 5.6, 105.7, 20.5]

_LEVEL_SHAPES = {
    "code": "SELECT id, code, name_th, name_en, parent_code, ST_AsBinary(geom) FROM boundaries_boundary"
    " WHERE generation_id = %s AND level = %s ORDER BY code",
    "id": "SELECT id, code, name_th, name_en, parent_code, ST_AsBinary(geom) FROM boundaries_boundary"
    " WHERE generation_id = %s AND level = %s ORDER BY id",
}

BOUNDARY_TILE_SQL = """
WITH bounds AS (
  SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS tile,
         ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326) AS clip
)
SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom') FROM (
  SELECT b.code, b.name_th, b.name_en, b.parent_code, b.generation_id AS generation,
         -- clip first: simplify and reproject only the part in the tile
         ST_AsMVTGeom(
           ST_Transform(ST_SimplifyPreserveTopology(ST_ClipByBox2D({geom}, bounds.clip), %(tolerance)s), 3857),
           bounds.tile, 4096, 64, true) AS geom
  FROM boundaries_boundary b
  JOIN boundaries_generation g ON g.id = b.generation_id AND g.active
  {join}
  CROSS JOIN bounds
  WHERE b.level = %(level)s AND b.geom && bounds.clip
) t WHERE t.geom IS NOT NULL
"""

# A page of boundaries in the order of the ids asked for, and whether each had a lighter rendition.
FEATURES_SQL = """
SELECT b.code, b.pcode, b.level, b.name_th, b.name_en, b.parent_code, b.generation_id,
       l.boundary_id IS NOT NULL AS lighter, {geometry}
FROM boundaries_boundary b LEFT JOIN {light} l ON {join}
WHERE b.id = ANY(%s) ORDER BY array_position(%s, b.id)
"""

VERTICES_SQL = """SELECT b.id, ST_NPoints({geom}) FROM boundaries_boundary b
JOIN boundaries_generation g ON g.id = b.generation_id AND g.active{join}"""


def level_shapes(generation_id: int, level: str, order_by: str = "code") -> list[tuple]:
    """(id, code, name_th, name_en, parent_code, WKB bytes) of every boundary of one level of a
    generation, in code (or id) order."""
    # Results in PostgreSQL's binary format: the geometry bytes as they are, not hex text to decode
    # (half the time for the country's subdistricts). Django's cursors bind on the client, which
    # cannot ask for binary results, so a plain psycopg cursor on the same connection (and
    # transaction) reads them.
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(_LEVEL_SHAPES[order_by], [generation_id, str(level)], binary=True)
        return [(*row[:5], bytes(row[5])) for row in cursor.fetchall()]


@lru_cache(maxsize=32)
def _level_extent(level: str, generations: tuple) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(b.geom) e FROM"
            " boundaries_boundary b JOIN boundaries_generation g ON g.id = b.generation_id"
            " WHERE g.active AND b.level = %s) s",
            [level],
        )
        row = cursor.fetchone()
    return [round(v, 6) for v in row] if row and row[0] is not None else list(THAILAND_BBOX)


def level_extent(level: str) -> list:
    """[west, south, east, north] of a level of the active generations (Thailand's box if empty)."""
    return _level_extent(level, tuple(sorted(active_generation_ids().items())))


def boundary_tile(level: str, layer: str, z: int, x: int, y: int, tolerance: float, lighter: bool = False) -> bytes:
    """One Mapbox vector tile of a level of the active generations (empty bytes where none);
    with lighter, drawn from the lighter rendition where a boundary has one."""
    args = {"z": z, "x": x, "y": y, "layer": layer, "level": level, "tolerance": tolerance}
    table, on = light_join(lighter)
    if on != "false":
        sql = BOUNDARY_TILE_SQL.format(geom="COALESCE(l.geom, b.geom)", join=f"LEFT JOIN {table} l ON {on}")
    else:
        sql = BOUNDARY_TILE_SQL.format(geom="b.geom", join="")
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        data = cursor.fetchone()[0]
    return bytes(data) if data else b""


def features(ids: list[int], text: GeoText, lighter: bool, stored_text: bool) -> list[tuple]:
    """(code, pcode, level, name_th, name_en, parent_code, generation_id, lighter, GeoJSON text) of
    the boundaries in the order of `ids`; with lighter, the geometry of the lighter rendition where
    there is one (its stored text with stored_text: what the caller asked for is exactly that)."""
    table, on = light_join(lighter)
    geometry = text.sql("b.geom")
    if lighter:
        light = "l.geojson" if stored_text else text.sql("l.geom")
        geometry = f"COALESCE({light}, {geometry})"
    sql = FEATURES_SQL.format(geometry=geometry, light=table, join=on)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), list(ids)])
        return cursor.fetchall()


def vertex_counts(lighter: bool) -> dict[int, int]:
    """Vertices of each boundary of the active generations, of its lighter rendition with lighter."""
    table, on = light_join(lighter)
    if lighter:
        sql = VERTICES_SQL.format(geom="COALESCE(l.geom, b.geom)", join=f" LEFT JOIN {table} l ON {on}")
    else:
        sql = VERTICES_SQL.format(geom="b.geom", join="")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())
