"""The directory's areas as map layers: the routing directory owns the agencies, the local
government units and the subdistricts they cover, so the SQL that says which boundaries make up
their areas lives here; the boundaries come from the boundaries app's relation
(boundaries/renditions.py), never its table."""

from django.db import connection

from boundaries.geojson import GeoText
from boundaries.renditions import shapes

AREAS_SQL = """
SELECT lg.code, lg.kind, lg.name_th, lg.name_en, lg.province_code, lg.district_code,
       bool_or(c.coverage = 'partially') AS partial, count(*) AS subdistricts,
       bool_and(b.light_id IS NOT NULL) AS lighter,
       {geometry}
FROM routing_localgovernment lg
JOIN routing_localcoverage c ON c.local_government_id = lg.id
JOIN {shapes} b ON b.code = c.subdistrict_code AND b.level = 'subdistrict'
WHERE lg.id = ANY(%s)
GROUP BY lg.id ORDER BY array_position(%s, lg.id)
"""


def local_government_areas(ids: list[int], text: GeoText, lighter: bool, stored_text: bool) -> list[tuple]:
    """(code, kind, name_th, name_en, province_code, district_code, partly covered, subdistricts,
    all lighter, GeoJSON text) of the units in the order of `ids`: each the union of the active
    subdistricts it covers (of their lighter rendition with lighter; a unit of one subdistrict,
    most SAOs, its stored text with stored_text)."""
    geometry = text.sql("ST_Union(COALESCE(b.light_geom, b.geom))")
    if lighter and stored_text:
        geometry = (
            f"CASE WHEN count(*) = 1 AND bool_and(b.light_id IS NOT NULL) THEN min(b.light_text) ELSE {geometry} END"
        )
    sql = AREAS_SQL.format(geometry=geometry, shapes=shapes(lighter, active=True))
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), list(ids)])
        return cursor.fetchall()


# Which boundaries of one generation make up each active agency's area (ogc/service_areas.py
# keeps them): agency_id, source, coverage, parts (boundary ids) and a fingerprint of what was read.
AGENCY_AREA_PARTS_SQL = """
WITH agency AS (
  SELECT a.*, jsonb_typeof(a.service_provinces) = 'array' AND jsonb_array_length(a.service_provinces) > 0
         AS utility
  FROM routing_agency a WHERE a.active
),
b AS (SELECT id, level, code FROM {boundaries} b WHERE generation_id = %(generation)s),
explicit AS (
  SELECT a.id AS agency_id, 'explicit' AS source, 'exact' AS coverage, ARRAY[]::bigint[] AS parts,
         md5(ST_AsEWKB(a.service_area)) AS detail
  FROM agency a WHERE a.service_area IS NOT NULL
),
provinces AS (
  SELECT a.id, 'provinces', 'exact', array_agg(DISTINCT b.id ORDER BY b.id), ''
  FROM agency a
  CROSS JOIN LATERAL jsonb_array_elements_text(a.service_provinces) AS p(code)
  JOIN b ON b.level = 'province' AND b.code = p.code
  WHERE a.service_area IS NULL AND a.utility
  GROUP BY a.id
),
local AS (
  -- the local_government collection's area: the subdistricts the unit covers
  SELECT a.id, 'local_government',
         CASE WHEN bool_or(c.coverage = 'partially') THEN 'approximate' ELSE 'exact' END,
         array_agg(DISTINCT b.id ORDER BY b.id), ''
  FROM agency a
  JOIN routing_localgovernment lg ON lg.code = a.jurisdiction_code
  JOIN routing_localcoverage c ON c.local_government_id = lg.id
  JOIN b ON b.level = 'subdistrict' AND b.code = c.subdistrict_code
  WHERE a.service_area IS NULL AND NOT a.utility
  GROUP BY a.id
),
provincial_local AS (
  -- a PAO (or the BMA) governs its whole province and has no subdistrict coverage of its own
  SELECT a.id, 'local_government', 'exact', ARRAY[b.id], ''
  FROM agency a
  JOIN routing_localgovernment lg ON lg.code = a.jurisdiction_code AND lg.kind IN ('pao', 'bma')
  JOIN b ON b.level = 'province' AND b.code = lg.province_code
  WHERE a.service_area IS NULL AND NOT a.utility
    AND NOT EXISTS (SELECT 1 FROM routing_localcoverage c WHERE c.local_government_id = lg.id)
),
admin AS (
  SELECT a.id, 'boundary', 'exact', ARRAY[b.id], ''
  FROM agency a
  JOIN b ON b.code = a.jurisdiction_code
        AND b.level = CASE length(a.jurisdiction_code) WHEN 2 THEN 'province' WHEN 4 THEN 'district'
                                                       WHEN 6 THEN 'subdistrict' END
  WHERE a.service_area IS NULL AND NOT a.utility
    AND NOT EXISTS (SELECT 1 FROM routing_localgovernment lg WHERE lg.code = a.jurisdiction_code)
),
derived AS (
  SELECT * FROM explicit UNION ALL SELECT * FROM provinces UNION ALL SELECT * FROM local
  UNION ALL SELECT * FROM provincial_local UNION ALL SELECT * FROM admin
)
SELECT agency_id, source, coverage, parts,
       md5(concat_ws('|', %(generation)s, source, coverage, parts::text, detail)) AS inputs
FROM derived
"""


def agency_area_parts_sql() -> str:
    """The statement (parameter: %(generation)s) of the agencies' area parts, by precedence: an
    explicit service area; a utility's provinces; a local government's subdistricts (a PAO or the
    BMA: its province); the boundary its jurisdiction code names."""
    return AGENCY_AREA_PARTS_SQL.format(boundaries=shapes(lighter=False))
