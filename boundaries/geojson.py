"""GeoJSON built in the database: Python never walks millions of vertices (drf-gis's known pain)."""

import json
from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import F, FloatField, Func, Value

MAX_PRECISION = 10
STORAGE_SRID = 4326


@dataclass(frozen=True)
class GeoText:
    """How a query writes geometry as GeoJSON text: in which CRS (EPSG code), latitude first or
    not, and to how many decimals (snapped to that grid with ST_ReducePrecision, which stays valid
    where rounding would not). Options 0: no "crs" member, which GeoJSON no longer has."""

    srid: int = STORAGE_SRID
    lat_first: bool = False
    decimals: int = 7

    def sql(self, geom: str) -> str:
        """The SQL expression of a geometry expression's GeoJSON text."""
        if self.srid != STORAGE_SRID:
            geom = f"ST_Transform({geom}, {int(self.srid)})"
        if self.lat_first:
            geom = f"ST_FlipCoordinates({geom})"
        decimals = self.decimals
        return f"ST_AsGeoJSON(ST_Multi(ST_ReducePrecision({geom}, {10.0**-decimals!r})), {int(decimals)}, 0)"


class SimplifyPreserveTopology(Func):
    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField(srid=4326)


class ValidPolygons(Func):
    """Simplification can make rings cross; repair and keep the polygonal parts."""

    template = "ST_CollectionExtract(ST_MakeValid(%(expressions)s), 3)"
    output_field = GeometryField(srid=4326)


class ReducePrecision(Func):
    """Snap to a grid and stay valid (plain rounding of coordinates can make rings cross)."""

    function = "ST_ReducePrecision"
    output_field = GeometryField(srid=4326)


PROPERTIES = ("code", "pcode", "level", "name_th", "name_en", "parent_code", "generation_id")


def geometry_expression(precision: int, simplify: float | None, source=None):
    geom = F("geom") if source is None else source
    if simplify:
        geom = ValidPolygons(SimplifyPreserveTopology(geom, Value(simplify, output_field=FloatField())))
    return ReducePrecision(geom, Value(10.0**-precision, output_field=FloatField()))


def features(queryset, *, precision: int = 7, simplify: float | None = None, source=None):
    """Yields one GeoJSON Feature string per boundary, geometry text straight from PostGIS
    (`source`: another geometry expression than the boundary's own, e.g. a lighter rendition)."""
    geom = geometry_expression(precision, simplify, source)
    rows = queryset.annotate(geojson=AsGeoJSON(geom, precision=precision)).values_list("geojson", *PROPERTIES)
    for geojson, *values in rows:
        props = dict(zip(PROPERTIES, values))
        props["generation"] = props.pop("generation_id")
        head = json.dumps({"type": "Feature", "id": props["code"], "properties": props}, ensure_ascii=False)
        yield head[:-1] + ', "geometry": ' + (geojson or "null") + "}"


def feature_collection(feature_strings, **members) -> str:
    extra = json.dumps(members, ensure_ascii=False)[1:-1]
    head = '{"type": "FeatureCollection", "features": ['
    return head + ", ".join(feature_strings) + "]" + (", " + extra if extra else "") + "}"
