"""Where each active agency serves, derived in the database from the active admin boundaries.

Precedence: an explicit `service_area`; else a utility's `service_provinces` (union of those
provinces); else a local government's area (union of the subdistricts it covers, as the
local_government collection draws it; a PAO or the BMA: its whole province); else the province,
district or subdistrict its `jurisdiction_code` names. Agencies with nothing to draw get no row.

The derivation (which boundaries make up each area) is one set-based statement, rerun when the
active generation or the routing directory's version changes; a row is rewritten only when what
it read changed (`inputs`), and a union of several boundaries is computed the first time a page
needs it and kept (lighter and full resolution separately: the full-resolution union of 74
provinces takes PostGIS about 15 s, the lighter one a few).
"""

import threading

from django.db import connection, transaction

from boundaries.generations import active_generation
from boundaries.geojson import GeoText
from boundaries.renditions import shapes
from routing import loaders
from routing.layer_queries import agency_area_parts_sql

from .collections import LIGHT_PRECISION, SERVICE_AREA_TOLERANCE

_lock = threading.Lock()
_fresh: tuple | None = None  # (generation id, directory version) last derived by this process

# The rows of agency_area_parts (routing/layer_queries.py), kept for the statements below.
DERIVE_SQL = "CREATE TEMP TABLE ogc_derived ON COMMIT DROP AS {parts}"

STORE_SQL = [
    "DELETE FROM ogc_servicearea s WHERE NOT EXISTS (SELECT 1 FROM ogc_derived d WHERE d.agency_id = s.agency_id)",
    """
    INSERT INTO ogc_servicearea (agency_id, generation_id, inputs, area_source, coverage, parts, geom, light)
    SELECT agency_id, %(generation)s, inputs, source, coverage, parts, NULL, NULL FROM ogc_derived
    ON CONFLICT (agency_id) DO UPDATE
      SET generation_id = EXCLUDED.generation_id, inputs = EXCLUDED.inputs, area_source = EXCLUDED.area_source,
          coverage = EXCLUDED.coverage, parts = EXCLUDED.parts, geom = NULL, light = NULL,
          overview = NULL
      WHERE ogc_servicearea.inputs <> EXCLUDED.inputs
    """,
]

# Unions of several boundaries for the rows of a page that lack them; identical sets (PEA and PWA
# serve the same 74 provinces) are computed once.
UNION_SQL = """
WITH need AS (
  SELECT agency_id, parts FROM ogc_servicearea
  WHERE agency_id = ANY(%(ids)s) AND cardinality(parts) > 1 AND {column} IS NULL
),
sets AS (SELECT DISTINCT parts FROM need),
unions AS MATERIALIZED (
  SELECT sets.parts,
         COALESCE(
           (SELECT done.{column} FROM ogc_servicearea done
            WHERE done.parts = sets.parts AND done.{column} IS NOT NULL LIMIT 1),
           (SELECT ST_Multi({snap}) FROM unnest(sets.parts) AS p(id) JOIN {table} g ON g.{key} = p.id)
         ) AS geom
  FROM sets
)
UPDATE ogc_servicearea s SET {column} = unions.geom
FROM need JOIN unions ON unions.parts = need.parts
WHERE s.agency_id = need.agency_id
"""


def refresh() -> int | None:
    """Brings the derived rows up to date with the active admin generation and the directory;
    returns the generation id (None: no active admin generation, nothing to draw)."""
    global _fresh
    generation = active_generation()
    if generation is None:
        return None
    key = (generation.id, loaders.directory_version())
    if key == _fresh:
        return generation.id
    with _lock, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('ogc.service_areas'))")
        cursor.execute(DERIVE_SQL.format(parts=agency_area_parts_sql()), {"generation": generation.id})
        for sql in STORE_SQL:
            cursor.execute(sql, {"generation": generation.id})
    _fresh = key
    return generation.id


def ensure_unions(agency_ids: list[int], light: bool) -> None:
    """Computes the missing unions of the given rows (lighter or full resolution) and keeps them."""
    if light:  # where borders meet off the grid, the union gains vertices: snap it back (stays valid)
        column, table, key = "light", "ogc_lightboundary", "boundary_id"
        snap = f"ST_ReducePrecision(ST_Union(g.geom), {10.0**-LIGHT_PRECISION!r})"
    else:  # the boundaries at full resolution, through the boundaries app's relation
        column, table, key, snap = "geom", shapes(lighter=False), "id", "ST_Union(g.geom)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM ogc_servicearea WHERE agency_id = ANY(%s) AND cardinality(parts) > 1"
            f" AND {column} IS NULL)",
            [agency_ids],
        )
        if not cursor.fetchone()[0]:
            return
        with transaction.atomic():
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('ogc.service_area_unions'))")
            cursor.execute(UNION_SQL.format(column=column, table=table, key=key, snap=snap), {"ids": agency_ids})


# The overview of the rows of a page that lack it: the lighter shape (an explicit area, the one
# boundary's lighter rendition, or the lighter union) simplified once more, as CRS84 GeoJSON text.
OVERVIEW_SQL = """
UPDATE ogc_servicearea s SET overview = ST_AsGeoJSON(ST_Multi(ST_ReducePrecision(ST_SimplifyPreserveTopology(
    CASE WHEN s.area_source = 'explicit' THEN a.service_area
         WHEN cardinality(s.parts) = 1 THEN COALESCE(l.geom, b.geom)
         ELSE COALESCE(s.light, s.geom) END, %(tolerance)s), %(grid)s)), %(precision)s, 0)
FROM routing_agency a, ogc_servicearea t
LEFT JOIN {boundaries} b ON cardinality(t.parts) = 1 AND b.id = t.parts[1]
LEFT JOIN ogc_lightboundary l ON cardinality(t.parts) = 1 AND l.boundary_id = t.parts[1]
WHERE s.agency_id = t.agency_id AND a.id = s.agency_id AND s.agency_id = ANY(%(ids)s) AND s.overview IS NULL
"""


def ensure_overviews(agency_ids: list[int]) -> None:
    """Makes and keeps the overview text of the given rows (their unions must exist)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM ogc_servicearea WHERE agency_id = ANY(%s) AND overview IS NULL)",
            [agency_ids],
        )
        if not cursor.fetchone()[0]:
            return
        values = {"ids": agency_ids, "tolerance": SERVICE_AREA_TOLERANCE, "grid": 10.0**-LIGHT_PRECISION}
        sql = OVERVIEW_SQL.replace("{boundaries}", shapes(lighter=False))
        cursor.execute(sql, {**values, "precision": LIGHT_PRECISION})


def prepare_overviews(batch: int = 500) -> int:
    """Lighter unions and overviews of every row that lacks them; how many overviews were made."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT agency_id FROM ogc_servicearea WHERE overview IS NULL ORDER BY agency_id")
        ids = [row[0] for row in cursor.fetchall()]
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        ensure_unions(chunk, light=True)
        ensure_overviews(chunk)
    return len(ids)


def forget() -> None:
    """Next request derives again (tests that edit agencies in the same process)."""
    global _fresh
    _fresh = None


PAGE_SQL = """
SELECT a.code, a.name_th, a.name_en, a.kind, a.jurisdiction_code, a.categories, s.area_source, s.coverage,
       {wanted} AND CASE WHEN s.area_source = 'explicit' THEN true
                         WHEN cardinality(s.parts) = 1 THEN l.boundary_id IS NOT NULL
                         ELSE s.light IS NOT NULL END AS lighter,
       {geometry} AS geometry
FROM ogc_servicearea s
JOIN routing_agency a ON a.id = s.agency_id
LEFT JOIN {boundaries} b ON cardinality(s.parts) = 1 AND b.id = s.parts[1]
LEFT JOIN ogc_lightboundary l ON {join} AND cardinality(s.parts) = 1 AND l.boundary_id = s.parts[1]
WHERE s.agency_id = ANY(%s) ORDER BY array_position(%s, s.agency_id)
"""


def page_rows(ids: list[int], text: GeoText, lighter: bool, stored_text: bool) -> list[tuple]:
    """(code, name_th, name_en, kind, jurisdiction_code, categories, area_source, coverage, lighter,
    GeoJSON text) of the given agencies' areas in that order; the unions they need made first.
    With lighter, the overview (kept as text with stored_text, else made again as asked)."""
    if lighter:
        ensure_unions(ids, light=True)
        with connection.cursor() as cursor:  # lighter rendition not prepared: full-resolution unions instead
            cursor.execute(
                "SELECT array_agg(agency_id) FROM ogc_servicearea WHERE agency_id = ANY(%s)"
                " AND cardinality(parts) > 1 AND light IS NULL",
                [ids],
            )
            missing = cursor.fetchone()[0]
        if missing:
            ensure_unions(missing, light=False)
    else:
        ensure_unions(ids, light=False)
    if lighter and stored_text:  # the overview, kept as text
        ensure_overviews(ids)
        geometry = "s.overview"
    elif lighter:  # the overview in another CRS or precision: made again from the lighter shapes
        shape = (
            "CASE WHEN s.area_source = 'explicit' THEN a.service_area"
            " WHEN cardinality(s.parts) = 1 THEN COALESCE(l.geom, b.geom) ELSE COALESCE(s.light, s.geom) END"
        )
        geometry = text.sql(f"ST_SimplifyPreserveTopology({shape}, {SERVICE_AREA_TOLERANCE!r})")
    else:
        geometry = (
            f"CASE WHEN s.area_source = 'explicit' THEN {text.sql('a.service_area')}"
            f" WHEN cardinality(s.parts) = 1 THEN {text.sql('b.geom')} ELSE {text.sql('s.geom')} END"
        )
    flag = "true" if lighter else "false"
    sql = PAGE_SQL.format(wanted=flag, geometry=geometry, boundaries=shapes(lighter=False), join=flag)
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, ids])
        return cursor.fetchall()
