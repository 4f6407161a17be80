"""Municipalities and SAOs, each drawn as the union of the active subdistricts it covers (the SQL
lives with the directory's tables, routing/layer_queries.py). A union is built per request: a
page holds at most budget.UNION_CAP of them."""

from django.contrib.gis.geos import Polygon
from django.db.models import OuterRef

from boundaries import queries
from boundaries.models import Boundary
from routing.layer_queries import local_government_areas
from routing.models import LocalCoverage, LocalGovernment

from .. import budget, spatial
from ..collections import LIGHTER
from ..output import Output, feature
from ..queryables import STRING, Queryable
from .base import FULL, LIGHT, Layer, Page, ids_of, page_of

RANK = 20


class LocalGovernmentAreas(Layer):
    reads_directory = True
    downloads = (FULL, LIGHT)
    example = "kind = 'sao' AND S_DWITHIN(geometry, POINT(100.10 17.62), 5000)"
    output_properties = (
        "code",
        "kind",
        "name_th",
        "name_en",
        "province_code",
        "district_code",
        "subdistricts",
        "coverage",
    )

    def queryables(self) -> list[Queryable]:
        return [
            Queryable("code", STRING, "code", "unit code (tambon database)"),
            Queryable("kind", STRING, "kind", "municipality, SAO, PAO, ..."),
            Queryable("name_th", STRING, "name_th", "Thai name"),
            Queryable("name_en", STRING, "name_en", "English name"),
            Queryable("province_code", STRING, "province_code", "DOPA province code"),
            Queryable("district_code", STRING, "district_code", "DOPA district code"),
        ]

    def queryset(self):
        # Only units with a subdistrict in the active boundaries: a code the boundaries lack (530407,
        # loaded as 530306) would otherwise be counted and never drawn.
        drawn = Boundary.objects.active().filter(level="subdistrict").values("code")
        return LocalGovernment.objects.filter(coverage__subdistrict_code__in=drawn).distinct().order_by("code")

    def within_bbox(self, qs, bbox):
        inside = Boundary.objects.active().filter(level="subdistrict", geom__intersects=Polygon.from_bbox(bbox))
        return qs.filter(coverage__subdistrict_code__in=inside.values("code"))

    def spatial(self, predicate, geom, metres=None):
        """Some covered subdistrict intersects (is within metres of) geom; within: none lies outside."""
        covered = LocalCoverage.objects.filter(local_government_id=OuterRef(OuterRef("id"))).values("subdistrict_code")
        parts = Boundary.objects.filter(generation__active=True, level="subdistrict", code__in=covered)
        return spatial.union_condition(parts, predicate, geom, metres)

    def page(self, qs, offset: int, limit: int, out: Output, ordered_ids=None) -> Page:
        ids = ids_of(qs, "id", offset, limit, ordered_ids)[: budget.UNION_CAP[out.resolution]]
        rows = local_government_areas(ids, out.text, out.resolution == LIGHT, out.stored_text_fits)

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

        return page_of(rows, 8, out.resolution, build)

    def find(self, fid: str):
        return self.queryset().filter(code=fid)

    def extent(self) -> list:
        return queries.level_extent("province")


PROVIDERS = [
    LocalGovernmentAreas(
        "local_government",
        "Local government areas (เทศบาล / อบต.)",
        "Municipalities and SAOs drawn as the union of the subdistricts they cover; where they cover one only"
        " partly, the area says coverage=approximate." + LIGHTER,
        properties={
            "code": "code",
            "kind": "kind",
            "province_code": "province_code",
            "district_code": "district_code",
        },
    ),
]
