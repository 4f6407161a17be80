"""Coordinate reference systems offered by the OGC API (Part 2): names, axis order, SRIDs.

Storage is EPSG:4326 degrees in PostGIS's x=longitude order. CRS84 and EPSG:4326 are the same
datum; they differ only in axis order: OGC API - Features Part 2 says coordinates in
http://www.opengis.net/def/crs/EPSG/0/4326 come latitude first (the EPSG definition), and CRS84
longitude first. Projected CRSs (Web Mercator, the two UTM zones Thai GIS staff use) are easting
first. Transforms happen in PostGIS (ST_Transform, PROJ), so a client's numbers are the database's.
"""

from dataclasses import dataclass

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
STORAGE_SRID = 4326


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int
    lat_first: bool  # axis order of the coordinates exchanged with clients
    label: str


CRSS = [
    Crs(CRS84, 4326, False, "WGS 84 longitude/latitude (CRS84)"),
    Crs(EPSG + "4326", 4326, True, "WGS 84 latitude/longitude (EPSG:4326)"),
    Crs(EPSG + "3857", 3857, False, "Web Mercator (EPSG:3857)"),
    Crs(EPSG + "32647", 32647, False, "WGS 84 / UTM zone 47N (EPSG:32647)"),
    Crs(EPSG + "32648", 32648, False, "WGS 84 / UTM zone 48N (EPSG:32648)"),
]
BY_URI = {c.uri: c for c in CRSS}
# Short spellings clients send (QGIS and GDAL use the URIs; people type EPSG:32647).
ALIASES = {
    "CRS84": CRS84,
    "OGC:CRS84": CRS84,
    "urn:ogc:def:crs:OGC:1.3:CRS84": CRS84,
    **{f"EPSG:{c.srid}": c.uri for c in CRSS if c.uri.startswith(EPSG)},
    **{f"urn:ogc:def:crs:EPSG::{c.srid}": c.uri for c in CRSS if c.uri.startswith(EPSG)},
    **{f"[EPSG:{c.srid}]": c.uri for c in CRSS if c.uri.startswith(EPSG)},
}
DEFAULT = BY_URI[CRS84]
URIS = [c.uri for c in CRSS]


class UnknownCrs(ValueError):
    pass


def lookup(text: str | None) -> Crs:
    """The CRS a client names (absent or empty: CRS84); UnknownCrs names what was sent."""
    if text in (None, ""):
        return DEFAULT
    text = text.strip()
    uri = ALIASES.get(text, text)
    if uri.startswith("https://"):
        uri = "http://" + uri[len("https://") :]
    found = BY_URI.get(uri)
    if found is None:
        raise UnknownCrs(f"{text!r} is not offered; one of: {', '.join(URIS)}")
    return found


def header(crs: Crs) -> str:
    """The Content-Crs header value (the URI in angle brackets, Part 2)."""
    return f"<{crs.uri}>"


def bbox_to_storage(box: list[float], crs: Crs) -> list[float]:
    """A bbox in the client's CRS as minlon,minlat,maxlon,maxlat in storage degrees (pyproj; the
    four corners and the edges between are transformed, so a projected box is fully covered)."""
    if crs.srid == STORAGE_SRID:
        if crs.lat_first:
            return [box[1], box[0], box[3], box[2]]
        return list(box)
    from pyproj import Transformer

    transformer = Transformer.from_crs(crs.srid, STORAGE_SRID, always_xy=True)
    minx, miny, maxx, maxy = transformer.transform_bounds(*box, densify_pts=21)
    return [minx, miny, maxx, maxy]
