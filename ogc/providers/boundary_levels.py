"""Provinces, districts and subdistricts: one collection per level of the active boundaries.

The boundary SQL lives in boundaries/queries.py; this module says what to ask for. A whole level
in code order is kept per set of active generations, so a client paging through it ten features at
a time (GDAL 3.6's default) costs no sort and no count per page; a page stops at its vertex
budget (ogc/budget.py).
"""

from functools import lru_cache

from django.contrib.gis.geos import Polygon

from boundaries import queries
from boundaries.generations import active_generation_ids
from boundaries.models import Boundary

from .. import budget, lighter, spatial
from ..collections import LIGHTER
from ..output import Output, feature
from ..queryables import STRING, Queryable
from ..tilegrid import pixel_degrees
from .base import FULL, LIGHT, Layer, Page, ids_of, page_of

RANK = 10
PROPERTIES = {"code": "code", "parent_code": "parent_code", "name_th": "name_th", "name_en": "name_en"}


@lru_cache(maxsize=16)
def _ordered_ids(level: str, generations: tuple) -> tuple:
    return tuple(Boundary.objects.active().filter(level=level).order_by("code").values_list("id", flat=True))


class BoundaryLevel(Layer):
    tiled = True
    tiles_cached = True
    tile_fields = {
        "code": "String",
        "name_th": "String",
        "name_en": "String",
        "parent_code": "String",
        "generation": "Number",
    }
    downloads = (FULL, LIGHT)
    example = "name_en LIKE 'Bang%' AND S_INTERSECTS(geometry, BBOX(100.3, 13.5, 100.9, 14.0))"
    output_properties = ("code", "pcode", "level", "name_th", "name_en", "parent_code", "generation")

    def queryables(self) -> list[Queryable]:
        return [
            Queryable("code", STRING, "code", "DOPA code"),
            Queryable("pcode", STRING, "pcode", "OCHA P-code"),
            Queryable("parent_code", STRING, "parent_code", "DOPA code of the enclosing unit"),
            Queryable("name_th", STRING, "name_th", "Thai name"),
            Queryable("name_en", STRING, "name_en", "English name"),
        ]

    def queryset(self):
        return Boundary.objects.active().filter(level=self.level).order_by("code")

    def within_bbox(self, qs, bbox):
        return qs.filter(geom__intersects=Polygon.from_bbox(bbox))

    def spatial(self, predicate, geom, metres=None):
        return spatial.simple("geom", predicate, geom, metres)

    def whole_ids(self) -> tuple:
        return _ordered_ids(self.level, tuple(sorted(active_generation_ids().items())))

    def page(self, qs, offset: int, limit: int, out: Output, ordered_ids=None) -> Page:
        ids = budget.within(ids_of(qs, "id", offset, limit, ordered_ids), out.resolution)
        rows = queries.features(ids, out.text, out.resolution == LIGHT, out.stored_text_fits)

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

        return page_of(rows, 7, out.resolution, build)

    def find(self, fid: str):
        return self.queryset().filter(code=fid)

    def extent(self) -> list:
        return queries.level_extent(self.level)

    def tile(self, layer: str, z: int, x: int, y: int) -> bytes:
        # Where a pixel is coarser than the lighter rendition's tolerance, draw from it: a sixth of
        # the vertices to clip and simplify.
        tolerance = pixel_degrees(z)
        return queries.boundary_tile(self.level, layer, z, x, y, tolerance, tolerance >= lighter.TOLERANCE)


PROVIDERS = [
    BoundaryLevel(
        "provinces", "Provinces (จังหวัด)", "77 provinces, active generation." + LIGHTER, "province", PROPERTIES
    ),
    BoundaryLevel(
        "districts", "Districts (อำเภอ / เขต)", "928 districts, active generation." + LIGHTER, "district", PROPERTIES
    ),
    BoundaryLevel(
        "subdistricts",
        "Subdistricts (ตำบล / แขวง)",
        "7,436 subdistricts, active generation." + LIGHTER,
        "subdistrict",
        PROPERTIES,
    ),
]
