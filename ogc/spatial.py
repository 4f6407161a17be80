"""Spatial CQL2 predicates as Django conditions: the pieces each collection's provider puts
together for its own geometry (ogc/providers/).

Geometry predicates are evaluated on the full-resolution boundaries. A local government area or a
service area is a union of boundaries, so S_INTERSECTS(union, g) is "some part intersects g",
S_WITHIN(union, g) "no part lies outside g" and S_DWITHIN "some part is within d metres": exact,
and no union is computed to answer. S_DWITHIN measures on the WGS 84 spheroid (geography).
"""

import json
import math

import shapely
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.gdal import GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.db.models import BooleanField, Exists, F, Func, Lookup, Q, Value
from django.db.models.functions import Cast
from shapely import ops

from .cql2 import FilterError
from .crs import STORAGE_SRID, Crs


class EqualsAny(Lookup):
    """lhs = ANY(array): a boundary among a service area's parts."""

    lookup_name = "cql2_any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


class DWithinMetres(Func):
    """ST_DWithin on geography: the distance in metres on the spheroid."""

    function = "ST_DWithin"
    output_field = BooleanField()


def _geography(expression):
    return Cast(expression, GeometryField(geography=True))


def geojson(geometry: dict) -> str:
    return json.dumps(geometry)


def to_storage(geom: GEOSGeometry, crs: Crs) -> GEOSGeometry:
    """A literal in the filter's CRS as storage coordinates (lon/lat degrees)."""
    if crs.lat_first:
        flipped = ops.transform(lambda x, y, *z: (y, x), shapely.from_wkb(bytes(geom.wkb)))
        geom = GEOSGeometry(memoryview(shapely.to_wkb(flipped)))
    geom.srid = crs.srid
    try:
        if crs.srid != STORAGE_SRID:
            geom.transform(STORAGE_SRID)
        finite = all(math.isfinite(v) for v in geom.extent)
    except (GEOSException, GDALException, ValueError) as exc:
        raise FilterError(f"filter: the geometry cannot be placed in {crs.uri} ({exc})") from None
    if not finite:
        raise FilterError("filter: the geometry's coordinates must be finite numbers")
    if not geom.valid:
        raise FilterError(f"filter: the geometry is not valid ({geom.valid_reason})")
    return geom


def _dwithin(column: str, geom: GEOSGeometry, metres: float) -> Q:
    """Within metres on the spheroid, with a degree box around the literal first so the spatial
    index narrows the rows (a degree of latitude is at least 110.5 km; of longitude, cos(lat) of 111.3 km)."""
    minx, miny, maxx, maxy = geom.extent
    dlat = metres / 110_500 * 1.01 + 1e-9
    top = min(89.0, max(abs(miny), abs(maxy)) + dlat)
    dlon = metres / (111_300 * math.cos(math.radians(top))) * 1.01 + 1e-9
    box = Polygon.from_bbox((minx - dlon, miny - dlat, maxx + dlon, maxy + dlat))
    box.srid = 4326
    literal = Value(geom, output_field=GeometryField(srid=4326))
    near = DWithinMetres(_geography(F(column)), _geography(literal), Value(metres))
    return Q(**{f"{column}__bboverlaps": box}) & Q(near)


def simple(column: str, predicate: str, geom, metres=None) -> Q:
    """column (predicate) geom: intersects, within or dwithin (metres)."""
    if predicate in ("intersects", "within"):  # PostGIS lookups: the literal is a bound EWKB parameter
        return Q(**{f"{column}__{predicate}": geom})
    return _dwithin(column, geom, metres)


def union_condition(parts, predicate: str, geom, metres=None) -> Q:
    """The union of `parts` (a queryset of boundaries correlated with the outer row) (predicate)
    geom, without computing the union: some part intersects (is within metres of) geom; within:
    no part lies outside it."""
    if predicate == "within":
        return ~Q(Exists(parts.filter(~simple("geom", "within", geom))))
    return Q(Exists(parts.filter(simple("geom", predicate, geom, metres))))
