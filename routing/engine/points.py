"""Validation of incoming points: every bad item gets a message naming it, never a 500."""

import math
from dataclasses import dataclass

import numpy as np

MAX_BATCH = 10_000
THAILAND_BBOX = (97.3, 5.6, 105.7, 20.5)  # lon/lat extent used only to recognise swapped pairs


class PointError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(slots=True)
class PointInput:
    id: object
    lon: float
    lat: float
    categories: tuple = ()


def _inside(lon, lat, bbox=THAILAND_BBOX):
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def coordinate(value, field: str) -> float:
    # bool is an int in Python; true/false as a coordinate is a client bug, not 1.0 / 0.0.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "missing" if value is None else f"a {type(value).__name__}"
        raise PointError(field, f"must be a number, got {kind}")
    value = float(value)
    if not math.isfinite(value):
        raise PointError(field, "must be a finite number")
    return value


def parse_point(item, *, default_id=None) -> PointInput:
    if not isinstance(item, dict):
        raise PointError("point", f"must be an object with lon and lat, got {type(item).__name__}")
    lon = coordinate(item.get("lon"), "lon")
    lat = coordinate(item.get("lat"), "lat")
    check_range(lon, lat)
    return PointInput(item.get("id", default_id), lon, lat, parse_categories(item))


def parse_categories(item) -> tuple:
    """ "category": "road" or "categories": ["road", "drain"]; codes are checked against the taxonomy later."""
    single, several = item.get("category"), item.get("categories")
    if single is not None and several is not None:
        raise PointError("category", "give category or categories, not both")
    if single is not None:
        several = [single]
    if several is None:
        return ()
    if not isinstance(several, list) or not all(isinstance(c, str) and c for c in several):
        raise PointError("category", "must be a category code (string) or a list of them")
    return tuple(dict.fromkeys(several))


def check_range(lon: float, lat: float):
    swapped = not _inside(lon, lat) and _inside(lat, lon)
    hint = f" (lon and lat look swapped: did you mean lon={lat}, lat={lon}?)" if swapped else ""
    if not -90 <= lat <= 90:
        raise PointError("lat", f"must be within -90..90, got {lat}{hint}")
    if not -180 <= lon <= 180:
        raise PointError("lon", f"must be within -180..180, got {lon}{hint}")
    if swapped:
        raise PointError("lon", f"{lon}, {lat} is outside Thailand{hint}")


def parse_geojson_point(feature, index: int) -> PointInput:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise PointError("feature", "must be a GeoJSON Feature")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        raise PointError("geometry", "must be a GeoJSON Point")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or len(coords) not in (2, 3):
        raise PointError("geometry.coordinates", "must be [lon, lat]")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise PointError("properties", "must be an object")
    item = {
        "id": feature.get("id", properties.get("id", index)),
        "lon": coords[0],
        "lat": coords[1],
        "category": properties.get("category"),
        "categories": properties.get("categories"),
    }
    return parse_point(item)


def parse_batch(body) -> list[PointInput]:
    """{"points": [...]} or a GeoJSON FeatureCollection of points. Raises BatchError listing bad items."""
    if isinstance(body, dict) and body.get("type") == "FeatureCollection":
        items, parse = body.get("features"), parse_geojson_point
        container = "features"
    elif isinstance(body, dict) and "points" in body:
        items, container = body.get("points"), "points"

        def parse(item, index):
            return parse_point(item, default_id=index)
    else:
        raise BatchError('body must be {"points": [...]} or a GeoJSON FeatureCollection of points', [])
    if not isinstance(items, list):
        raise BatchError(f"{container} must be a list", [])
    if len(items) > MAX_BATCH:
        raise BatchTooLarge(len(items))
    points, problems = [], []
    for index, item in enumerate(items):
        try:
            points.append(parse(item, index))
        except PointError as exc:
            item_id = item.get("id") if isinstance(item, dict) else None
            problems.append({"index": index, "id": item_id, "field": exc.field, "message": exc.message})
    if problems:
        raise BatchError(f"{len(problems)} of {len(items)} {container} are not valid", problems[:100])
    return points


class BatchError(ValueError):
    def __init__(self, message: str, problems: list):
        super().__init__(message)
        self.problems = problems


class BatchTooLarge(ValueError):
    def __init__(self, count: int):
        super().__init__(f"{count} points in one batch; the limit is {MAX_BATCH}: split it")
        self.count = count


@dataclass(slots=True)
class PointArrays:
    """A batch's points as columns: what parse_batch gives, without an object per point."""

    ids: list
    lons: np.ndarray
    lats: np.ndarray
    category_ids: np.ndarray  # per point: its position in `categories`
    categories: list  # the distinct category tuples, in order of first use

    def __len__(self):
        return len(self.ids)

    def point(self, k: int) -> PointInput:
        category = self.categories[self.category_ids[k]]
        return PointInput(self.ids[k], float(self.lons[k]), float(self.lats[k]), category)


def _inside_many(lon, lat, bbox=THAILAND_BBOX):
    return (bbox[0] <= lon) & (lon <= bbox[2]) & (bbox[1] <= lat) & (lat <= bbox[3])


def _numbers(values) -> bool:
    return set(map(type, values)) <= {int, float}  # bool is its own type here: refused


def point_arrays(body) -> PointArrays | None:
    """{"points": [...]} whose every point parse_point accepts, as columns, checked with numpy;
    None when any point needs parse_batch's one-by-one path (a problem to report, or a shape
    this path does not read), so that path answers exactly as it always has. Numbers must be
    Python floats or integers (as a JSON parser gives them, never NaN or infinite)."""
    if not isinstance(body, dict) or body.get("type") == "FeatureCollection":
        return None
    items = body.get("points")
    if not isinstance(items, list) or not 0 < len(items) <= MAX_BATCH or set(map(type, items)) != {dict}:
        return None
    lon, lat = [item.get("lon") for item in items], [item.get("lat") for item in items]
    if not (_numbers(lon) and _numbers(lat)):
        return None
    lons, lats = np.array(lon, dtype=float), np.array(lat, dtype=float)
    if not np.isfinite(lons).all() or not np.isfinite(lats).all():
        return None
    out_of_range = (lats < -90) | (lats > 90) | (lons < -180) | (lons > 180)
    swapped = ~_inside_many(lons, lats) & _inside_many(lats, lons)
    if (out_of_range | swapped).any():
        return None
    seen: dict[tuple, int] = {}
    ids, category_ids = [], []
    for index, item in enumerate(items):
        single, several = item.get("category"), item.get("categories")
        if several is None and (single is None or (type(single) is str and single)):
            found = () if single is None else (single,)
        elif single is None and type(several) is list and all(type(c) is str and c for c in several):
            found = tuple(dict.fromkeys(several))
        else:
            return None
        category_ids.append(seen.setdefault(found, len(seen)))
        ids.append(item.get("id", index))
    return PointArrays(ids, lons, lats, np.array(category_ids, dtype=np.int64), list(seen))
