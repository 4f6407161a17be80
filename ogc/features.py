"""Feature queries for the OGC and tile endpoints: filters, extents and GeoJSON built in PostGIS.

Polygon collections are served lighter by default (the precomputed rendition of ogc/lighter.py,
its GeoJSON text stored) and at full resolution with resolution=full; a generation not prepared
yet is served at full resolution, and the response says which it got.
"""

import json
from functools import lru_cache

from django.contrib.gis.geos import Polygon
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Q
from django.utils import timezone

import params
from boundaries import queries
from boundaries.generations import active_generation_ids
from boundaries.models import Boundary
from complaints import deadlines
from complaints.models import Complaint
from routing.models import LocalGovernment

from . import budget, lighter, output, service_areas
from .collections import SERVICE_AREA_TOLERANCE, Collection
from .models import ServiceArea
from .output import Output, feature, geojson_sql, light_sql

LIGHT, FULL, RESOLUTIONS = output.LIGHT, output.FULL, output.RESOLUTIONS

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


BOUNDARY_SQL = """
SELECT b.code, b.pcode, b.level, b.name_th, b.name_en, b.parent_code, b.generation_id,
       l.boundary_id IS NOT NULL AS lighter, {geometry}
FROM boundaries_boundary b LEFT JOIN ogc_lightboundary l ON {join}
WHERE b.id = ANY(%s) ORDER BY array_position(%s, b.id)
"""

LOCAL_AREA_SQL = """
SELECT lg.code, lg.kind, lg.name_th, lg.name_en, lg.province_code, lg.district_code,
       bool_or(c.coverage = 'partially') AS partial, count(*) AS subdistricts,
       bool_and(l.boundary_id IS NOT NULL) AS lighter,
       {geometry}
FROM routing_localgovernment lg
JOIN routing_localcoverage c ON c.local_government_id = lg.id
JOIN boundaries_boundary b ON b.code = c.subdistrict_code AND b.level = 'subdistrict'
JOIN boundaries_generation g ON g.id = b.generation_id AND g.active
LEFT JOIN ogc_lightboundary l ON {join}
WHERE lg.id = ANY(%s)
GROUP BY lg.id ORDER BY array_position(%s, lg.id)
"""

SERVICE_AREA_SQL = """
SELECT a.code, a.name_th, a.name_en, a.kind, a.jurisdiction_code, a.categories, s.area_source, s.coverage,
       {wanted} AND CASE WHEN s.area_source = 'explicit' THEN true
                         WHEN cardinality(s.parts) = 1 THEN l.boundary_id IS NOT NULL
                         ELSE s.light IS NOT NULL END AS lighter,
       {geometry} AS geometry
FROM ogc_servicearea s
JOIN routing_agency a ON a.id = s.agency_id
LEFT JOIN boundaries_boundary b ON cardinality(s.parts) = 1 AND b.id = s.parts[1]
LEFT JOIN ogc_lightboundary l ON {join} AND cardinality(s.parts) = 1 AND l.boundary_id = s.parts[1]
WHERE s.agency_id = ANY(%s) ORDER BY array_position(%s, s.agency_id)
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


def filtered(collection: Collection, qs, bbox=None, interval=None, properties=None, time_field="created"):
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
            qs = qs.filter(**{f"{time_field}__gte": start})
        if end:
            qs = qs.filter(**{f"{time_field}__lte": end})
    for name, value in (properties or {}).items():
        qs = qs.filter(**{collection.properties[name]: value})
    return qs


def _page(rows, lighter_index: int, resolution: str, build) -> Page:
    page = Page(build(row) for row in rows)
    page.resolution = LIGHT if resolution == LIGHT and all(row[lighter_index] for row in rows) else FULL
    if resolution == LIGHT and page.resolution == FULL:
        lighter.served_full_instead()
    return page


def _boundaries(ids, out: Output) -> Page:
    wanted = out.resolution == LIGHT
    geometry = geojson_sql("b.geom", out)
    if wanted:
        geometry = f"COALESCE({light_sql('l', out)}, {geometry})"
    sql = BOUNDARY_SQL.format(geometry=geometry, join="l.boundary_id = b.id" if wanted else "false")
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), list(ids)])
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
        return feature(code, props, geometry, out.fields)

    return _page(rows, 7, out.resolution, build)


def _local_areas(ids, out: Output) -> Page:
    join = "l.boundary_id = b.id" if out.resolution == LIGHT else "false"
    geometry = geojson_sql("ST_Union(COALESCE(l.geom, b.geom))", out)
    if out.resolution == LIGHT and out.stored_text_fits:  # one subdistrict (most SAOs): its stored text
        geometry = (
            f"CASE WHEN count(*) = 1 AND bool_and(l.boundary_id IS NOT NULL) THEN min(l.geojson) ELSE {geometry} END"
        )
    sql = LOCAL_AREA_SQL.format(join=join, geometry=geometry)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), list(ids)])
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
        return feature(code, props, geometry, out.fields)

    return _page(rows, 8, out.resolution, build)


def _service_areas(ids, out: Output) -> Page:
    ids = list(ids)
    wanted = out.resolution == LIGHT
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
    if wanted and out.stored_text_fits:  # the overview, kept as text
        service_areas.ensure_overviews(ids)
        geometry = "s.overview"
    elif wanted:  # the overview in another CRS or precision: made again from the lighter shapes
        shape = (
            "CASE WHEN s.area_source = 'explicit' THEN a.service_area"
            " WHEN cardinality(s.parts) = 1 THEN COALESCE(l.geom, b.geom) ELSE COALESCE(s.light, s.geom) END"
        )
        geometry = geojson_sql(f"ST_SimplifyPreserveTopology({shape}, {SERVICE_AREA_TOLERANCE!r})", out)
    else:
        geometry = (
            f"CASE WHEN s.area_source = 'explicit' THEN {geojson_sql('a.service_area', out)}"
            f" WHEN cardinality(s.parts) = 1 THEN {geojson_sql('b.geom', out)} ELSE {geojson_sql('s.geom', out)} END"
        )
    sql = SERVICE_AREA_SQL.format(
        wanted="true" if wanted else "false", geometry=geometry, join="true" if wanted else "false"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, ids])
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
        return feature(code, props, geometry, out.fields)

    return _page(rows, 8, out.resolution, build)


def _complaints(qs, offset: int, limit: int, out: Output) -> Page:
    rows = qs[offset : offset + limit].annotate(geojson=output.point_geojson("location", out))
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
        page.append(feature(c["id"], props, c["geojson"], out.fields))
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

    def count(self, cap: int | None = None) -> int | None:
        """How many features match; with a cap, complaints are counted up to it only, and None
        means more than cap (a million complaints are not counted on every page)."""
        if self.ids is not None:
            return len(self.ids)
        if cap is None or self.collection.kind != "complaint":
            return self.qs.count()
        counted = self.qs.order_by()[: cap + 1].count()
        return counted if counted <= cap else None

    def page(self, offset: int, limit: int, out: Output = output.DEFAULT) -> Page:
        return page_features(self.collection, self.qs, offset, limit, out, self.ids)


def select(
    collection: Collection, bbox=None, interval=None, properties=None, condition=None, order=(), time_field="created"
) -> Selection:
    """bbox, datetime interval (on time_field: created or updated), property equalities, a CQL2 condition (a Django
    Q from ogc/filters.py) and an order (sortby's Django order_by terms)."""
    plain = not bbox and not properties and condition is None and not order
    if collection.kind == "boundary" and plain:
        ids = _ordered_ids(collection.level, tuple(sorted(active_generation_ids().items())))
        return Selection(collection, None, ids)
    qs = filtered(collection, queryset(collection), bbox, interval, properties, time_field)
    if condition is not None:
        qs = qs.filter(condition)
    if order:
        qs = qs.order_by(*order, *qs.query.order_by)  # the collection's own order breaks ties
    return Selection(collection, qs)


def page_features(
    collection: Collection, qs, offset: int, limit: int, out: Output = output.DEFAULT, ordered_ids=None
) -> Page:
    if collection.kind == "complaint":
        return _complaints(qs, offset, limit, out)
    key = "agency_id" if collection.kind == "service_area" else "id"
    if ordered_ids is not None:
        ids = list(ordered_ids[offset : offset + limit])
    else:
        ids = list(qs.values_list(key, flat=True)[offset : offset + limit])
    if collection.kind == "boundary":
        return _boundaries(budget.within(ids, out.resolution), out)
    ids = ids[: budget.UNION_CAP[out.resolution]]
    if collection.kind == "local_government":
        return _local_areas(ids, out)
    return _service_areas(ids, out)


def one_feature(collection: Collection, fid: str, out: Output = output.DEFAULT):
    qs = queryset(collection)
    if collection.kind in ("boundary", "local_government"):
        qs = qs.filter(code=fid)
    elif collection.kind == "service_area":
        qs = qs.filter(agency__code=fid)
    elif params.parse_id(fid) is not None:
        qs = qs.filter(id=params.parse_id(fid))
    else:
        return None
    found = page_features(collection, qs, 0, 1, out)
    return found[0] if found else None


def extent(collection: Collection) -> list:
    if collection.kind in ("boundary", "service_area", "local_government"):
        level = collection.level or "province"
        return queries.level_extent(level)
    return list(queries.THAILAND_BBOX)
