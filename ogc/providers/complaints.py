"""Citizen complaints as points, with status, category and the agency responsible (no personal
data). Pages are never cached (they change with every filing) and numberMatched is given only
where it is cheap to count (complaints/listing.py); the tiles' SQL lives with the table,
complaints/layer_queries.py."""

from django.contrib.gis.geos import Polygon
from django.utils import timezone

import params
from boundaries.queries import THAILAND_BBOX
from complaints import deadlines, layer_queries, listing
from complaints.lifecycle import STATES
from complaints.models import Complaint

from .. import output, spatial
from ..output import Output, feature
from ..queryables import INTEGER, STRING, TIMESTAMP, Queryable
from .base import Layer, Page

RANK = 40
# numberMatched is counted up to this many, within a time budget (complaints/listing.py): at
# 10,000,000 complaints a common filter matches millions. Otherwise it is left out and a page says
# whether another follows by reading one feature more. GDAL's OAPIF driver and OWSLib send
# their filters to the server all the same (tests/test_ogc_clients.py).
COUNT_CAP = listing.CAP

COLUMNS = (
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


class Complaints(Layer):
    polygons = False
    items_cached = False
    capped_count = True
    tiled = True
    tile_fields = layer_queries.TILE_FIELDS
    geometry_type = "point"
    example = "status IN ('waiting','in_progress') AND updated T_AFTER TIMESTAMP('2026-01-01T00:00:00Z')"
    output_properties = (
        "status",
        "category",
        "categories",
        "agency",
        "agency_name_th",
        "agency_name_en",
        "province_code",
        "district_code",
        "subdistrict_code",
        "reopen_count",
        "created",
        "updated",
    )

    def queryables(self) -> list[Queryable]:
        return [
            Queryable("status", STRING, "status", "lifecycle state", tuple(STATES)),
            Queryable("agency", STRING, "agency__code", "code of the agency responsible (null: none found)"),
            Queryable("agency_name_th", STRING, "agency__name_th", "Thai name of the agency responsible"),
            Queryable("province_code", STRING, "province_code", "DOPA province code"),
            Queryable("district_code", STRING, "district_code", "DOPA district code"),
            Queryable("subdistrict_code", STRING, "subdistrict_code", "DOPA subdistrict code"),
            Queryable("reopen_count", INTEGER, "reopen_count", "times reopened"),
            Queryable("created", TIMESTAMP, "created", "when it was filed"),
            Queryable("updated", TIMESTAMP, "updated", "when it last changed"),
        ]

    def queryset(self):
        return Complaint.objects.order_by("id")

    def count(self, qs, cap=None):
        return listing.count(qs, COUNT_CAP if cap is None else min(cap, COUNT_CAP))

    def within_bbox(self, qs, bbox):
        return qs.filter(location__intersects=Polygon.from_bbox(bbox))

    def spatial(self, predicate, geom, metres=None):
        return spatial.simple("location", predicate, geom, metres)

    def page(self, qs, offset: int, limit: int, out: Output, ordered_ids=None) -> Page:
        rows = qs[offset : offset + limit].annotate(geojson=output.point_geojson("location", out))
        page = Page()
        now = timezone.now()
        with listing.serial(rows.db):
            found = list(rows.values("id", "geojson", *COLUMNS))
        for c in found:
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

    def find(self, fid: str):
        number = params.parse_id(fid)
        return None if number is None else self.queryset().filter(id=number)

    def extent(self) -> list:
        return list(THAILAND_BBOX)

    def tile(self, layer: str, z: int, x: int, y: int) -> bytes:
        return layer_queries.complaint_tile(layer, z, x, y)


PROVIDERS = [
    Complaints(
        "complaints",
        "Complaints",
        "Citizen complaints with status, category and the agency responsible (no personal data); due_at is"
        " the current deadline, overdue says it has passed while the complaint is open, escalation_level how"
        " many levels it went up and escalated_to the agency it went to",
        properties={
            "status": "status",
            "agency": "agency__code",
            "escalated_to": "escalated_to__code",
            "subdistrict_code": "subdistrict_code",
            "district_code": "district_code",
            "province_code": "province_code",
        },
        temporal=True,
    ),
]
