"""Feature queries for the OGC and tile endpoints: filters, extents and GeoJSON built in PostGIS."""

import json
from functools import lru_cache

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import F

from boundaries import geojson
from boundaries.models import Boundary
from complaints.models import Complaint
from routing.models import LocalGovernment

from .collections import Collection

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
    "created",
    "updated",
)


LOCAL_AREA_SQL = """
SELECT lg.code, lg.kind, lg.name_th, lg.name_en, lg.province_code, lg.district_code,
       bool_or(c.coverage = 'partially') AS partial, count(*) AS subdistricts,
       ST_AsGeoJSON(ST_ReducePrecision(ST_Union(b.geom), %s), %s)
FROM routing_localgovernment lg
JOIN routing_localcoverage c ON c.local_government_id = lg.id
JOIN boundaries_boundary b ON b.code = c.subdistrict_code AND b.level = 'subdistrict'
JOIN boundaries_generation g ON g.id = b.generation_id AND g.active
WHERE lg.id = ANY(%s)
GROUP BY lg.id ORDER BY lg.code
"""


def queryset(collection: Collection):
    if collection.kind == "boundary":
        return Boundary.objects.active().filter(level=collection.level).order_by("code")
    if collection.kind == "local_government":
        # Only units with a subdistrict in the active boundaries: a code the boundaries lack (530407,
        # loaded as 530306) would otherwise be counted and never drawn.
        drawn = Boundary.objects.active().filter(level="subdistrict").values("code")
        return LocalGovernment.objects.filter(coverage__subdistrict_code__in=drawn).distinct().order_by("code")
    return Complaint.objects.order_by("id")


def filtered(collection: Collection, qs, bbox=None, interval=None, properties=None):
    if bbox and collection.kind == "local_government":
        inside = Boundary.objects.active().filter(level="subdistrict", geom__intersects=Polygon.from_bbox(bbox))
        qs = qs.filter(coverage__subdistrict_code__in=inside.values("code"))
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


def _local_areas(ids, precision):
    with connection.cursor() as cursor:
        cursor.execute(LOCAL_AREA_SQL, [10.0**-precision, precision, list(ids)])
        rows = cursor.fetchall()
    out = []
    for code, kind, name_th, name_en, province, district, partial, count, geometry in rows:
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
        head = json.dumps({"type": "Feature", "id": code, "properties": props}, ensure_ascii=False)
        out.append(head[:-1] + ', "geometry": ' + geometry + "}")
    return out


def page_features(collection: Collection, qs, offset: int, limit: int, precision: int = 7) -> list[str]:
    if collection.kind == "local_government":
        return _local_areas(qs.values_list("id", flat=True)[offset : offset + limit], precision)
    if collection.kind == "boundary":
        ids = list(qs.values_list("id", flat=True)[offset : offset + limit])
        rows = Boundary.objects.filter(id__in=ids).order_by("code")
        return list(geojson.features(rows, precision=precision))
    rows = qs[offset : offset + limit].annotate(geojson=AsGeoJSON(F("location"), precision=7))
    out = []
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
            "created": c["created"].isoformat(),
            "updated": c["updated"].isoformat(),
        }
        head = json.dumps({"type": "Feature", "id": c["id"], "properties": props}, ensure_ascii=False)
        out.append(head[:-1] + ', "geometry": ' + c["geojson"] + "}")
    return out


def one_feature(collection: Collection, fid: str):
    qs = queryset(collection)
    if collection.kind in ("boundary", "local_government"):
        qs = qs.filter(code=fid)
    elif fid.isdigit():
        qs = qs.filter(id=int(fid))
    else:
        return None
    found = page_features(collection, qs, 0, 1)
    return found[0] if found else None


@lru_cache(maxsize=32)
def _boundary_extent(level: str, generations: tuple) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(b.geom) e FROM"
            " boundaries_boundary b JOIN boundaries_generation g ON g.id = b.generation_id"
            " WHERE g.active AND b.level = %s) s",
            [level],
        )
        row = cursor.fetchone()
    return [round(v, 6) for v in row] if row and row[0] is not None else [97.3, 5.6, 105.7, 20.5]


def extent(collection: Collection) -> list:
    if collection.kind == "boundary":
        from boundaries.generations import active_generation_ids

        return _boundary_extent(collection.level, tuple(sorted(active_generation_ids().items())))
    return [97.3, 5.6, 105.7, 20.5]
