"""Turn any geometry into a valid MultiPolygon, keeping only polygonal parts."""

import numpy as np
import shapely
from shapely.geometry import MultiPolygon


def _polygonal_parts(geom):
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    if geom.geom_type in {"MultiPolygon", "GeometryCollection"}:
        return [p for part in geom.geoms for p in _polygonal_parts(part)]
    return []


def as_multipolygon(geom) -> MultiPolygon | None:
    parts = _polygonal_parts(geom)
    if not parts:
        return None
    return MultiPolygon([shapely.force_2d(p) for p in parts])


def repair(geometries) -> tuple[list, list[int], list[int]]:
    """Returns (multipolygons, indexes repaired, indexes dropped as having no polygonal area)."""
    geoms = np.asarray(geometries, dtype=object)
    valid = shapely.is_valid(geoms)
    repaired, dropped, out = [], [], []
    for i, geom in enumerate(geoms):
        if geom is not None and not valid[i]:
            geom = shapely.make_valid(geom)
            repaired.append(i)
        multi = as_multipolygon(geom)
        if multi is None or multi.area == 0:
            dropped.append(i)
            out.append(None)
        else:
            out.append(multi)
    return out, repaired, dropped
