"""Where each active agency serves (ogc/service_areas.py derives and keeps the areas; its SQL
reads the boundaries through boundaries/renditions.py). Areas are unions made on first use: a
page holds at most budget.UNION_CAP of them."""

import json

from django.contrib.gis.geos import Polygon
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, Q

from boundaries import queries
from boundaries.models import Boundary

from .. import budget, service_areas, spatial
from ..collections import SERVICE_AREA_TOLERANCE_M
from ..models import ServiceArea
from ..output import Output, feature
from ..queryables import STRING, Queryable
from .base import LIGHT, Layer, Page, ids_of, page_of

RANK = 30


class ServiceAreas(Layer):
    reads_directory = True
    downloads = (LIGHT,)
    example = "kind = 'utility' AND S_INTERSECTS(geometry, POINT(100.5 13.75))"
    output_properties = (
        "code",
        "name_th",
        "name_en",
        "kind",
        "jurisdiction_code",
        "categories",
        "area_source",
        "coverage",
    )

    def queryables(self) -> list[Queryable]:
        return [
            Queryable("code", STRING, "agency__code", "agency code"),
            Queryable("name_th", STRING, "agency__name_th", "Thai name"),
            Queryable("name_en", STRING, "agency__name_en", "English name"),
            Queryable("kind", STRING, "agency__kind", "agency kind"),
            Queryable("jurisdiction_code", STRING, "agency__jurisdiction_code", "code of its jurisdiction"),
            Queryable(
                "area_source",
                STRING,
                "area_source",
                "where the area comes from",
                ("explicit", "provinces", "local_government", "boundary"),
            ),
            Queryable("coverage", STRING, "coverage", "exact or approximate", ("exact", "approximate")),
        ]

    def queryset(self):
        generation = service_areas.refresh()
        return ServiceArea.objects.filter(generation_id=generation).order_by("agency__code")

    def within_bbox(self, qs, bbox):
        box = Polygon.from_bbox(bbox)
        inside = Boundary.objects.filter(generation__active=True, geom__intersects=box).values("id")
        return qs.filter(Q(parts__overlap=ArraySubquery(inside)) | Q(agency__service_area__intersects=box))

    def spatial(self, predicate, geom, metres=None):
        """An explicit area by its own geometry; the others as the union of their parts."""
        parts = Boundary.objects.filter(spatial.EqualsAny(F("id"), OuterRef("parts")))
        explicit = Q(area_source="explicit")
        own = explicit & spatial.simple("agency__service_area", predicate, geom, metres)
        unions = spatial.union_condition(parts, predicate, geom, metres)
        return own | (~explicit & unions) if predicate == "within" else own | unions

    def page(self, qs, offset: int, limit: int, out: Output, ordered_ids=None) -> Page:
        ids = ids_of(qs, "agency_id", offset, limit, ordered_ids)[: budget.UNION_CAP[out.resolution]]
        rows = service_areas.page_rows(ids, out.text, out.resolution == LIGHT, out.stored_text_fits)

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

        return page_of(rows, 8, out.resolution, build)

    def find(self, fid: str):
        return self.queryset().filter(agency__code=fid)

    def extent(self) -> list:
        return queries.level_extent("province")


PROVIDERS = [
    ServiceAreas(
        "service_areas",
        "Agencies' service areas",
        "One feature per active agency: its explicit service area if it has one (area_source=explicit);"
        " otherwise, from the active boundaries, the union of the provinces a utility serves"
        " (area_source=provinces), a local government's area (area_source=local_government: the union of"
        " the subdistricts it covers, coverage=approximate where it covers one only partly; a PAO its"
        " province), or the province, district or subdistrict of its jurisdiction code"
        " (area_source=boundary). Agencies with nothing to draw are left out: a national agency without a"
        " service area (the Royal Thai Police) and local governments whose subdistricts the boundaries"
        " lack. Areas overlap: a province hall, its district offices, its local governments and the utilities"
        " all cover the same ground. Geometry: by default an overview, the lighter shapes simplified within"
        f" {SERVICE_AREA_TOLERANCE_M} m (no shared borders to keep: the areas overlap); resolution=full for the"
        " areas at full resolution.",
        properties={
            "code": "agency__code",
            "kind": "agency__kind",
            "jurisdiction_code": "agency__jurisdiction_code",
            "area_source": "area_source",
        },
    ),
]
