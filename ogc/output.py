"""How a page's features are written: resolution, decimals, coordinate system, chosen properties.

GeoJSON text is built in PostGIS: transformed with ST_Transform (PROJ) when the client asks for
another CRS, axes flipped for EPSG:4326 (latitude first), snapped to the precision grid with
ST_ReducePrecision (stays valid, unlike rounding). The stored lighter GeoJSON is CRS84 at
lighter.PRECISION decimals, so it is served as is only when that is what was asked.
"""

import json
from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import AsGeoJSON, Transform
from django.db.models import F, Func

from boundaries.geojson import GeoText

from . import crs as crs_module
from . import lighter

LIGHT, FULL = "light", "full"
RESOLUTIONS = (LIGHT, FULL)
DEGREE_PRECISION = {LIGHT: lighter.PRECISION, FULL: 7}
METRE_PRECISION = 3  # millimetres


@dataclass(frozen=True)
class Output:
    resolution: str = LIGHT
    precision: int | None = None  # None: the default of the resolution and CRS
    crs: crs_module.Crs = crs_module.DEFAULT
    fields: tuple | None = None  # properties to keep (None: all)

    @property
    def decimals(self) -> int:
        if self.precision is not None:
            return self.precision
        if self.crs.srid == crs_module.STORAGE_SRID:
            return DEGREE_PRECISION[self.resolution]
        return METRE_PRECISION

    @property
    def text(self) -> GeoText:
        """How the queries write the geometry (boundaries/geojson.py)."""
        return GeoText(self.crs.srid, self.crs.lat_first, self.decimals)

    @property
    def stored_text_fits(self) -> bool:
        """The stored lighter text is exactly this output (CRS84, its own decimals or more asked)."""
        return self.crs == crs_module.DEFAULT and self.decimals >= lighter.PRECISION


class FlipCoordinates(Func):
    function = "ST_FlipCoordinates"
    output_field = GeometryField()


def point_geojson(column: str, out: Output):
    """A Django expression for a point column's GeoJSON in the output CRS."""
    geom = F(column)
    if out.crs.srid != crs_module.STORAGE_SRID:
        geom = Transform(geom, out.crs.srid)
    if out.crs.lat_first:
        geom = FlipCoordinates(geom)
    # points are not simplified: full-resolution decimals unless asked otherwise
    decimals = Output(FULL, out.precision, out.crs).decimals
    return AsGeoJSON(geom, precision=decimals)


def feature(fid, props: dict, geometry: str | None, fields: tuple | None = None) -> str:
    if fields is not None:
        props = {k: v for k, v in props.items() if k in fields}
    head = json.dumps({"type": "Feature", "id": fid, "properties": props}, ensure_ascii=False)
    return head[:-1] + ', "geometry": ' + (geometry or "null") + "}"


DEFAULT = Output()
