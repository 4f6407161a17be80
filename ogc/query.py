"""The query parameters of an items request, read once: what to select and how to write it.

Parameters: limit, offset, bbox (+ bbox-crs), datetime (+ datetime-field on complaints), the
collection's queryables as equality filters, filter (+ filter-lang, filter-crs), sortby,
properties, crs, precision, resolution (polygon collections), f. Every error is a ParamError (or
a FilterError from the CQL2 parser) naming the parameter or token.
"""

import math
from dataclasses import dataclass, field

from pygeofilter import ast

import params
from boundaries.geojson import MAX_PRECISION
from params import ParamError, parse_moment

from . import cql2, filters, output, queryables
from . import crs as crs_module
from .providers.base import Provider as Collection

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# cql-text: the draft name GDAL 3.6's OAPIF driver sends (its text is CQL2 text for what it writes)
FILTER_LANGS = (cql2.TEXT, cql2.JSON, "cql-text")
TIME_FIELDS = ("created", "updated")


@dataclass
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: list | None = None
    interval: tuple | None = None
    time_field: str = "created"
    equalities: dict = field(default_factory=dict)
    condition: object = None  # a Django Q (filter and queryable parameters), or None
    order: tuple = ()
    out: output.Output = output.DEFAULT
    has_filter: bool = False


def known_parameters(collection: Collection) -> set:
    names = {"limit", "offset", "bbox", "bbox-crs", "datetime", "f", "precision", "crs"}
    names |= {"filter", "filter-lang", "filter-crs", "sortby", "properties"}
    names |= set(collection.properties) | set(queryables.for_collection(collection)) - {queryables.GEOMETRY_NAME}
    if collection.polygons:
        names.add("resolution")
    if collection.temporal:
        names.add("datetime-field")
    return names


def crs_param(q, name: str) -> crs_module.Crs:
    try:
        return crs_module.lookup(q.get(name))
    except crs_module.UnknownCrs as exc:
        raise ParamError(name, str(exc)) from None


def _bbox(q, box_crs: crs_module.Crs):
    raw = q.get("bbox")
    if raw in (None, ""):
        return None
    if box_crs == crs_module.DEFAULT:
        return params.bbox(q)
    try:
        values = [float(p) for p in raw.split(",")]
    except ValueError:
        raise ParamError("bbox", f"expected four numbers, got {raw!r}") from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ParamError("bbox", "expected four finite numbers in the order of bbox-crs's axes")
    if values[0] > values[2] or values[1] > values[3]:
        raise ParamError("bbox", "min must not exceed max")
    minx, miny, maxx, maxy = crs_module.bbox_to_storage(values, box_crs)
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise ParamError("bbox", "outside the area bbox-crs is defined for")
    if box_crs.srid == crs_module.STORAGE_SRID and not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ParamError("bbox", "latitudes must be within ±90 and longitudes within ±180 (EPSG:4326: latitude first)")
    return [max(minx, -180), max(miny, -90), min(maxx, 180), min(maxy, 90)]


def interval(text):
    """RFC 3339 instant or interval with '..' for open ends; None when absent."""
    if not text:
        return None
    parts = text.split("/")
    if len(parts) > 2:
        raise ValueError(text)
    moments = []
    for part in parts:
        if part in ("", ".."):
            moments.append(None)
            continue
        moment = parse_moment(part, require_zone=True)
        if moment is None:
            raise ValueError(text)
        moments.append(moment)
    if len(moments) == 1:
        return moments[0], moments[0]
    if moments[0] and moments[1] and moments[0] > moments[1]:
        raise ValueError(text)
    return moments[0], moments[1]


def _sortby(q, collection: Collection) -> tuple:
    raw = q.get("sortby")
    if not raw:
        return ()
    table = queryables.for_collection(collection)
    order = []
    for term in raw.split(","):
        term = term.strip()  # '+' arrives as a space when a client does not encode it
        descending = term.startswith("-")
        name = term.lstrip("+-").strip()
        found = table.get(name)
        if found is None or found.type == queryables.GEOMETRY:
            sortable = ", ".join(n for n, t in table.items() if t.type != queryables.GEOMETRY)
            raise ParamError("sortby", f"cannot sort by {name!r}; one of {sortable}, each with + or -")
        order.append(("-" if descending else "") + found.path)
    return tuple(order)


def _properties(q, collection: Collection):
    raw = q.get("properties")
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    offered = collection.output_properties
    unknown = [n for n in names if n not in offered]
    if unknown:
        raise ParamError("properties", f"unknown {', '.join(map(repr, unknown))}; one of {', '.join(offered)}")
    return tuple(names)


def _queryable_params(q, collection: Collection) -> list:
    """Queryables given as parameters (Part 3 'queryables as query parameters'): an equality each,
    as a syntax tree (never CQL2 text built from the value), typed and checked like a filter."""
    table = queryables.for_collection(collection)
    trees = []
    for name, found in table.items():
        if name in collection.properties or found.type == queryables.GEOMETRY or q.get(name) in (None, ""):
            continue
        value = q[name]
        if found.type == queryables.INTEGER:
            value = params.integer(q, name)
        trees.append(ast.Equal(ast.Attribute(name), value))
    return trees


def parse(q, collection: Collection) -> ItemsQuery:
    unknown = sorted(set(q) - known_parameters(collection))
    if unknown:
        raise ParamError(unknown[0], f"unknown parameter(s): {', '.join(unknown)}")
    result = ItemsQuery()
    result.limit = params.integer(q, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    result.offset = params.integer(q, "offset", default=0, minimum=0)
    precision = params.integer(q, "precision", default=None, minimum=0, maximum=MAX_PRECISION)
    resolution = params.choice(q, "resolution", output.RESOLUTIONS, default=output.LIGHT)
    result.bbox = _bbox(q, crs_param(q, "bbox-crs"))
    try:
        result.interval = interval(q.get("datetime"))
    except ValueError:
        raise ParamError("datetime", "an RFC 3339 instant or interval, e.g. 2026-01-01T00:00:00Z/..") from None
    if result.interval and not collection.temporal:
        result.interval = None  # boundaries have no time: every feature matches (OGC API - Features 7.15.4)
    result.time_field = params.choice(q, "datetime-field", TIME_FIELDS, default="created")
    result.equalities = {name: q[name] for name in collection.properties if q.get(name)}
    result.order = _sortby(q, collection)
    result.out = output.Output(resolution, precision, crs_param(q, "crs"), _properties(q, collection))
    lang = params.choice(q, "filter-lang", FILTER_LANGS, default=cql2.TEXT)
    filter_crs = crs_param(q, "filter-crs")
    trees = [cql2.parse(q["filter"], cql2.JSON if lang == cql2.JSON else cql2.TEXT)] if q.get("filter") else []
    trees += _queryable_params(q, collection)
    for tree in trees:
        condition = filters.evaluate(tree, collection, filter_crs)
        result.condition = condition if result.condition is None else result.condition & condition
    result.has_filter = bool(trees)
    return result
