"""Feature queries for the OGC and tile endpoints: filters, extents and GeoJSON built in PostGIS.

Polygon collections are served lighter by default (the precomputed rendition of ogc/lighter.py,
its GeoJSON text stored) and at full resolution with resolution=full; a generation not prepared
yet is served at full resolution, and the response says which it got.
"""

import json
from functools import lru_cache

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, Q
from django.utils import timezone

import params
from boundaries import queries
from boundaries.generations import active_generation_ids
from boundaries.models import Boundary
from complaints import deadlines
from complaints.models import Complaint
from routing.models import LocalGovernment

from . import budget, lighter, service_areas
from .collections import Collection
from .models import ServiceArea

LIGHT, FULL = "light", "full"
RESOLUTIONS = (LIGHT, FULL)
DEFAULT_PRECISION = {LIGHT: lighter.PRECISION, FULL: 7}

COMPLAINT_PROPERTIES = (
    "status",
    "categories",
    "agency__code",
    "agency__name_th",
    "agency__name_en",
    "province_code",
    "district_code",
    "subdistrict_code",
    "reopen_count",
    "due_at",
    "escalation_level",
    "escalated_to__code",
    "created",
    "updated",
)


def _geojson_sql(geom: str, precision: int) -> str:
    """GeoJSON text of a geometry snapped to the precision grid (stays valid, unlike rounding)."""
    return f"ST_AsGeoJSON(ST_Multi(ST_ReducePrecision({geom}, {10.0**-precision!r})), {int(precision)})"


def _light_geojson_sql(geom: str, precision: int) -> str:
    """GeoJSON text of a lighter geometry: already on the grid unless a coarser one is asked for."""
    if precision >= lighter.PRECISION:
        return f"ST_AsGeoJSON(ST_Multi({geom}), {lighter.PRECISION})"
    return _geojson_sql(geom, precision)


def _light_sql(table: str, precision: int) -> str:
    """The stored lighter text, or the lighter geometry at a coarser precision than it was stored."""
    return f"{table}.geojson" if precision >= lighter.PRECISION else _geojson_sql(f"{table}.geom", precision)


BOUNDARY_SQL = """
SELECT b.code, b.pcode, b.level, b.name_th, b.name_en, b.parent_code, b.generation_id,
       l.boundary_id IS NOT NULL AS lighter, {geometry}
FROM boundaries_boundary b LEFT JOIN ogc_lightboundary l ON {join}
WHERE b.id = ANY(%s) ORDER BY b.code
"""

LOCAL_AREA_SQL = """
SELECT lg.code, lg.kind, lg.name_th, lg.name_en, lg.province_code, lg.district_code,
       bool_or(c.coverage = 'partially') AS partial, count(*) AS subdistricts,
       bool_and(l.boundary_id IS NOT NULL) AS lighter,
       ST_AsGeoJSON(ST_Multi(ST_ReducePrecision(ST_Union(COALESCE(l.geom, b.geom)), %s)), %s)
FROM routing_localgovernment lg
JOIN routing_localcoverage c ON c.local_government_id = lg.id
JOIN boundaries_boundary b ON b.code = c.subdistrict_code AND b.level = 'subdistrict'
JOIN boundaries_generation g ON g.id = b.generation_id AND g.active
LEFT JOIN ogc_lightboundary l ON {join}
WHERE lg.id = ANY(%s)
GROUP BY lg.id ORDER BY lg.code
"""

SERVICE_AREA_SQL = """
SELECT a.code, a.name_th, a.name_en, a.kind, a.jurisdiction_code, a.categories, s.area_source, s.coverage,
       {wanted} AND CASE WHEN s.area_source = 'explicit' THEN true
                         WHEN cardinality(s.parts) = 1 THEN l.boundary_id IS NOT NULL
                         ELSE s.light IS NOT NULL END AS lighter,
       CASE WHEN s.area_source = 'explicit' THEN {explicit}
            WHEN cardinality(s.parts) = 1 THEN COALESCE({single_light}, {single_full})
            ELSE COALESCE({union_light}, {union_full}) END AS geometry
FROM ogc_servicearea s
JOIN routing_agency a ON a.id = s.agency_id
LEFT JOIN boundaries_boundary b ON cardinality(s.parts) = 1 AND b.id = s.parts[1]
LEFT JOIN ogc_lightboundary l ON {join} AND cardinality(s.parts) = 1 AND l.boundary_id = s.parts[1]
WHERE s.agency_id = ANY(%s) ORDER BY a.code
"""


class Page(list):
    """Feature strings, and whether any geometry had to be served at full resolution."""

    resolution = FULL


def queryset(collection: Collection):
    if collection.kind == "boundary":
        return Boundary.objects.active().filter(level=collection.level).order_by("code")
    if collection.kind == "local_government":
        # Only units with a subdistrict in the active boundaries: a code the boundaries lack (530407,
        # loaded as 530306) would otherwise be counted and never drawn.
        drawn = Boundary.objects.active().filter(level="subdistrict").values("code")
        return LocalGovernment.objects.filter(coverage__subdistrict_code__in=drawn).distinct().order_by("code")
    if collection.kind == "service_area":
        generation = service_areas.refresh()
        return ServiceArea.objects.filter(generation_id=generation).order_by("agency__code")
    return Complaint.objects.order_by("id")


def filtered(collection: Collection, qs, bbox=None, interval=None, properties=None):
    if bbox and collection.kind == "local_government":
        inside = Boundary.objects.active().filter(level="subdistrict", geom__intersects=Polygon.from_bbox(bbox))
        qs = qs.filter(coverage__subdistrict_code__in=inside.values("code"))
    elif bbox and collection.kind == "service_area":
        box = Polygon.from_bbox(bbox)
        inside = Boundary.objects.filter(generation__active=True, geom__intersects=box).values("id")
        qs = qs.filter(Q(parts__overlap=ArraySubquery(inside)) | Q(agency__service_area__intersects=box))
    elif bbox:
        field = "geom" if collection.kind == "boundary" else "location"
        qs = qs.filter(**{f"{field}__intersects": Polygon.from_bbox(bbox)})
    if interval:
        start, end = interval
        if start:
            qs = qs.filter(created__gte=start)
        if end:
            qs = qs.filter(created__lte=end)
    for name, value in (properties or {}).items():
        qs = qs.filter(**{collection.properties[name]: value})
    return qs


def _feature(fid, props: dict, geometry: str | None) -> str:
    head = json.dumps({"type": "Feature", "id": fid, "properties": props}, ensure_ascii=False)
    return head[:-1] + ', "geometry": ' + (geometry or "null") + "}"


def _page(rows, lighter_index: int, resolution: str, build) -> Page:
    page = Page(build(row) for row in rows)
    page.resolution = LIGHT if resolution == LIGHT and all(row[lighter_index] for row in rows) else FULL
    if resolution == LIGHT and page.resolution == FULL:
        lighter.served_full_instead()
    return page


def _boundaries(ids, resolution: str, precision: int) -> Page:
    wanted = resolution == LIGHT
    geometry = _geojson_sql("b.geom", precision)
    if wanted:
        geometry = f"COALESCE({_light_sql('l', precision)}, {geometry})"
    sql = BOUNDARY_SQL.format(geometry=geometry, join="l.boundary_id = b.id" if wanted else "false")
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids)])
        rows = cursor.fetchall()

    def build(row):
        code, pcode, level, name_th, name_en, parent_code, generation, _, geometry = row
        props = {
            "code": code,
            "pcode": pcode,
            "level": level,
            "name_th": name_th,
            "name_en": name_en,
            "parent_code": parent_code,
            "generation": generation,
        }
        return _feature(code, props, geometry)

    return _page(rows, 7, resolution, build)


def _local_areas(ids, resolution: str, precision: int) -> Page:
    join = "l.boundary_id = b.id" if resolution == LIGHT else "false"
    with connection.cursor() as cursor:
        cursor.execute(LOCAL_AREA_SQL.format(join=join), [10.0**-precision, precision, list(ids)])
        rows = cursor.fetchall()

    def build(row):
        code, kind, name_th, name_en, province, district, partial, count, _, geometry = row
        props = {
            "code": code,
            "kind": kind,
            "name_th": name_th,
            "name_en": name_en,
            "province_code": province,
            "district_code": district,
            "subdistricts": count,
            "coverage": "approximate" if partial else "exact",
        }
        return _feature(code, props, geometry)

    return _page(rows, 8, resolution, build)


def _service_areas(ids, resolution: str, precision: int) -> Page:
    ids = list(ids)
    wanted = resolution == LIGHT
    if wanted:
        service_areas.ensure_unions(ids, light=True)
        with connection.cursor() as cursor:  # lighter rendition not prepared: full-resolution unions instead
            cursor.execute(
                "SELECT array_agg(agency_id) FROM ogc_servicearea WHERE agency_id = ANY(%s)"
                " AND cardinality(parts) > 1 AND light IS NULL",
                [ids],
            )
            missing = cursor.fetchone()[0]
        if missing:
            service_areas.ensure_unions(missing, light=False)
    else:
        service_areas.ensure_unions(ids, light=False)
    explicit_full = _geojson_sql("a.service_area", precision)
    explicit_light = _geojson_sql(f"ST_SimplifyPreserveTopology(a.service_area, {lighter.TOLERANCE!r})", precision)
    sql = SERVICE_AREA_SQL.format(
        wanted="true" if wanted else "false",
        explicit=explicit_light if wanted else explicit_full,
        single_light=_light_sql("l", precision) if wanted else "NULL",
        single_full=_geojson_sql("b.geom", precision),
        union_light=_light_geojson_sql("s.light", precision) if wanted else "NULL",
        union_full=_geojson_sql("s.geom", precision),
        join="true" if wanted else "false",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids])
        rows = cursor.fetchall()

    def build(row):
        code, name_th, name_en, kind, jurisdiction, categories, source, coverage, _, geometry = row
        props = {
            "code": code,
            "name_th": name_th,
            "name_en": name_en,
            "kind": kind,
            "jurisdiction_code": jurisdiction,
            "categories": ",".join(json.loads(categories) if isinstance(categories, str) else categories or []),
            "area_source": source,
            "coverage": coverage,
        }
        return _feature(code, props, geometry)

    return _page(rows, 8, resolution, build)


def _complaints(qs, offset: int, limit: int) -> Page:
    rows = qs[offset : offset + limit].annotate(geojson=AsGeoJSON(F("location"), precision=7))
    page = Page()
    now = timezone.now()
    for c in rows.values("id", "geojson", *COMPLAINT_PROPERTIES):
        props = {
            "status": c["status"],
            "category": (c["categories"] or ["other"])[0],
            "categories": ",".join(c["categories"] or []),
            "agency": c["agency__code"],
            "agency_name_th": c["agency__name_th"],
            "agency_name_en": c["agency__name_en"],
            "province_code": c["province_code"],
            "district_code": c["district_code"],
            "subdistrict_code": c["subdistrict_code"],
            "reopen_count": c["reopen_count"],
            "due_at": c["due_at"].isoformat() if c["due_at"] else None,
            "overdue": deadlines.overdue(c["status"], c["due_at"], now),
            "escalation_level": c["escalation_level"],
            "escalated_to": c["escalated_to__code"],
            "created": c["created"].isoformat(),
            "updated": c["updated"].isoformat(),
        }
        page.append(_feature(c["id"], props, c["geojson"]))
    return page


@lru_cache(maxsize=16)
def _ordered_ids(level: str, generations: tuple) -> tuple:
    """A whole boundary level in code order, kept per set of active generations: a client paging
    through it ten features at a time (GDAL 3.6's default) costs no sort and no count per page."""
    return tuple(Boundary.objects.active().filter(level=level).order_by("code").values_list("id", flat=True))


class Selection:
    """The features a request selects: how many, and one page of them."""

    def __init__(self, collection: Collection, qs, ids: tuple | None = None):
        self.collection, self.qs, self.ids = collection, qs, ids

    def count(self) -> int:
        return len(self.ids) if self.ids is not None else self.qs.count()

    def page(self, offset: int, limit: int, precision: int | None = None, resolution: str = LIGHT) -> Page:
        return page_features(self.collection, self.qs, offset, limit, precision, resolution, self.ids)


def select(collection: Collection, bbox=None, interval=None, properties=None) -> Selection:
    if collection.kind == "boundary" and not bbox and not properties:
        ids = _ordered_ids(collection.level, tuple(sorted(active_generation_ids().items())))
        return Selection(collection, None, ids)
    return Selection(collection, filtered(collection, queryset(collection), bbox, interval, properties))


def page_features(
    collection: Collection,
    qs,
    offset: int,
    limit: int,
    precision: int | None = None,
    resolution: str = LIGHT,
    ordered_ids: tuple | None = None,
) -> Page:
    if precision is None:
        precision = DEFAULT_PRECISION[resolution]
    if collection.kind == "complaint":
        return _complaints(qs, offset, limit)
    key = "agency_id" if collection.kind == "service_area" else "id"
    if ordered_ids is not None:
        ids = list(ordered_ids[offset : offset + limit])
    else:
        ids = list(qs.values_list(key, flat=True)[offset : offset + limit])
    if collection.kind == "boundary":
        return _boundaries(budget.within(ids, resolution), resolution, precision)
    ids = ids[: budget.UNION_CAP[resolution]]
    if collection.kind == "local_government":
        return _local_areas(ids, resolution, precision)
    return _service_areas(ids, resolution, precision)


def one_feature(collection: Collection, fid: str, resolution: str = LIGHT, precision: int | None = None):
    qs = queryset(collection)
    if collection.kind in ("boundary", "local_government"):
        qs = qs.filter(code=fid)
    elif collection.kind == "service_area":
        qs = qs.filter(agency__code=fid)
    elif params.parse_id(fid) is not None:
        qs = qs.filter(id=params.parse_id(fid))
    else:
        return None
    found = page_features(collection, qs, 0, 1, precision, resolution)
    return found[0] if found else None


def extent(collection: Collection) -> list:
    if collection.kind in ("boundary", "service_area", "local_government"):
        level = collection.level or "province"
        return queries.level_extent(level)
    return list(queries.THAILAND_BBOX)
