"""Overlaps and gaps between sibling polygons (same level, same parent), above a tolerance.

Areas are approximate square metres (degrees scaled at the polygon's latitude): good enough
to tell a digitising sliver from a real conflict, which is all a report needs.
"""

import math
from collections import defaultdict

import numpy as np
import shapely

M_PER_DEGREE = 111_320.0


def approx_area_m2(geom) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    lat = geom.centroid.y
    return geom.area * M_PER_DEGREE * M_PER_DEGREE * math.cos(math.radians(lat))


def overlaps(codes, geoms, tolerance_m2: float, limit: int = 50) -> dict:
    """Pairs of polygons whose shared area exceeds the tolerance."""
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    found = []
    for i, j in zip(left[pairs], right[pairs]):
        shared = approx_area_m2(shapely.intersection(geoms[i], geoms[j]))
        if shared > tolerance_m2:
            found.append({"a": codes[i], "b": codes[j], "area_m2": round(shared, 1)})
    found.sort(key=lambda item: -item["area_m2"])
    return {"count": len(found), "largest": found[:limit]}


def gaps(parents, geoms, tolerance_m2: float, limit: int = 50) -> dict:
    """Holes inside the union of each parent's children that no child fills."""
    groups = defaultdict(list)
    for parent, geom in zip(parents, geoms):
        groups[parent].append(geom)
    found = []
    for parent, members in groups.items():
        if len(members) < 2:
            continue
        union = shapely.union_all(members)
        for polygon in getattr(union, "geoms", [union]):
            for ring in polygon.interiors:
                hole = shapely.Polygon(ring)
                area = approx_area_m2(hole)
                if area > tolerance_m2:
                    point = hole.representative_point()
                    found.append(
                        {"parent": parent, "area_m2": round(area, 1), "at": [round(point.x, 6), round(point.y, 6)]}
                    )
    found.sort(key=lambda item: -item["area_m2"])
    return {"count": len(found), "largest": found[:limit]}
