"""Read a vector file (shp, zipped shp, gpkg, GeoJSON, ...) into a GeoDataFrame in EPSG:4326."""

from pathlib import Path

import geopandas as gpd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError
from pyproj.exceptions import CRSError

from .errors import BoundaryImportError

WGS84 = "EPSG:4326"
# GDAL's words when a .prj cannot be understood (it reports those as data source errors).
CRS_WORDS = ("node", "crs", "srs", "projection", "spatial reference", "datum")


def read_layer(path, *, encoding=None, layer=None, assume_srid=None) -> gpd.GeoDataFrame:
    path = Path(path)
    if not path.exists():
        raise BoundaryImportError(f"{path}: no such file")
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, encoding=encoding)
    except (DataSourceError, DataLayerError) as exc:
        detail = _first_line(exc)
        if any(word in detail.lower() for word in CRS_WORDS):
            raise BoundaryImportError(f"{path}: unknown coordinate reference system ({detail}); fix the .prj") from exc
        raise BoundaryImportError(f"{path}: cannot be read as a vector layer ({detail})") from exc
    except (UnicodeDecodeError, LookupError) as exc:
        raise BoundaryImportError(f"{path}: wrong text encoding ({_first_line(exc)}); pass --encoding") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise BoundaryImportError(f"{path}: has no geometry column")
    return to_wgs84(frame, path, assume_srid)


def to_wgs84(frame: gpd.GeoDataFrame, path, assume_srid=None) -> gpd.GeoDataFrame:
    if frame.crs is None:
        if assume_srid is None:
            raise BoundaryImportError(
                f"{path}: has no coordinate reference system (missing .prj?); pass --srid to state it"
            )
        frame = frame.set_crs(epsg=int(assume_srid))
    try:
        if frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(WGS84)
    except CRSError as exc:
        raise BoundaryImportError(f"{path}: unknown coordinate reference system ({_first_line(exc)})") from exc
    return frame


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
