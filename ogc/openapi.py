"""The OGC API's OpenAPI 3.0 description.

QGIS takes its page size from limit's default and maximum; GDAL 3.6's OAPIF driver sends
attribute filters as CQL text when filter-lang's enum offers cql-text, and treats the query
parameters named after fields as queryables.
"""

from boundaries.geojson import MAX_PRECISION

from . import cql2, crs, downloads, lighter, output, query, queryables
from .collections import LIGHT_TOLERANCE_M, SERVICE_AREA_TOLERANCE_M
from .providers import REGISTRY as COLLECTIONS

GEOJSON = "application/geo+json"


def _param(name, schema, description="", **extra):
    doc = {"name": name, "in": "query", "required": False, "schema": schema, **extra}
    if description:
        doc["description"] = description
    return doc


def _common():
    crs_schema = {"type": "string", "format": "uri", "enum": crs.URIS, "default": crs.CRS84}
    return {
        "limit": _param(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": query.MAX_LIMIT, "default": query.DEFAULT_LIMIT},
            style="form",
            explode=False,
        ),
        "offset": _param("offset", {"type": "integer", "minimum": 0}),
        "bbox": _param(
            "bbox",
            {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
            "minx,miny,maxx,maxy in bbox-crs (default CRS84: lon,lat; EPSG:4326: lat,lon first)",
            style="form",
            explode=False,
        ),
        "bbox-crs": _param("bbox-crs", crs_schema, "CRS of bbox (OGC API - Features Part 2)"),
        "crs": _param("crs", crs_schema, "CRS of the returned coordinates; the Content-Crs header says which"),
        "datetime": _param("datetime", {"type": "string"}, "RFC 3339 instant or interval with .. for open ends"),
        "filter": _param(
            "filter",
            {"type": "string"},
            "CQL2 expression over the collection's queryables (/queryables): =, <>, <, <=, >, >=, LIKE, IN,"
            " BETWEEN, IS NULL, AND/OR/NOT, T_* temporal operators on timestamps, S_INTERSECTS, S_DISJOINT,"
            " S_WITHIN on geometry and S_DWITHIN(geometry, g, metres). Example:"
            " status IN ('waiting','in_progress') AND S_DWITHIN(geometry, POINT(100.5 13.75), 2000)",
        ),
        "filter-lang": _param(
            "filter-lang",
            {"type": "string", "enum": list(query.FILTER_LANGS), "default": cql2.TEXT},
            "cql2-text or cql2-json (cql-text: the draft name, read as cql2-text)",
        ),
        "filter-crs": _param("filter-crs", crs_schema, "CRS of the geometry literals in filter"),
        "sortby": _param(
            "sortby",
            {"type": "array", "items": {"type": "string"}},
            "comma-separated queryables, each with + (ascending, the default) or - (descending)",
            style="form",
            explode=False,
        ),
        "properties": _param(
            "properties",
            {"type": "array", "items": {"type": "string"}},
            "comma-separated feature properties to return (default all)",
            style="form",
            explode=False,
        ),
        "resolution": _param(
            "resolution",
            {"type": "string", "enum": list(output.RESOLUTIONS), "default": output.LIGHT},
            f"light (default): borders simplified within {LIGHT_TOLERANCE_M} m without opening gaps between"
            f" neighbours ({lighter.TOLERANCE}° Douglas-Peucker on the shared borders), coordinates to"
            f" {lighter.PRECISION} decimals, precomputed per boundary generation, about a twelfth of the vertices"
            f" (service_areas: an overview, simplified within {SERVICE_AREA_TOLERANCE_M} m);"
            " full: the boundaries at full resolution (7 decimals unless precision says otherwise)",
        ),
        "precision": _param(
            "precision",
            {"type": "integer", "minimum": 0, "maximum": MAX_PRECISION},
            f"decimals of the coordinates (degrees: {lighter.PRECISION} light, 7 full; metres: 3)",
        ),
        "f": _param("f", {"type": "string", "enum": ["json", "html"], "default": "json"}, "json or html"),
    }


def document(base: str) -> dict:
    common = _common()
    fc = {"description": "features", "content": {GEOJSON: {"schema": {"type": "object"}}}}
    paths = {
        "/": {"get": {"operationId": "landing", "responses": {"200": {"description": "landing page"}}}},
        "/conformance": {"get": {"operationId": "conformance", "responses": {"200": {"description": "classes"}}}},
        "/collections": {"get": {"operationId": "collections", "responses": {"200": {"description": "collections"}}}},
    }
    for c in COLLECTIONS.values():
        shape = [common["resolution"], common["precision"]] if c.polygons else [common["precision"]]
        names = list(c.properties) + [
            q.name
            for q in queryables.for_collection(c).values()
            if q.type != queryables.GEOMETRY and q.name not in c.properties
        ]
        props = [_param(p, {"type": "string"}, "equals (a queryable)") for p in names]
        extra = []
        if c.temporal:
            extra.append(
                _param(
                    "datetime-field",
                    {"type": "string", "enum": list(query.TIME_FIELDS), "default": "created"},
                    "which time datetime filters: filing (created) or the last change (updated)",
                )
            )
        names = ("limit", "offset", "bbox", "bbox-crs", "datetime", "filter", "filter-lang", "filter-crs")
        parameters = [common[n] for n in names] + extra
        parameters += [common["sortby"], common["properties"], common["crs"], *shape, common["f"], *props]
        paths[f"/collections/{c.id}/items"] = {
            "get": {
                "operationId": f"get_{c.id}_items",
                "summary": c.title,
                "description": c.description,
                "parameters": parameters,
                "responses": {"200": fc, "400": {"description": "bad parameter or filter"}},
            }
        }
        feature_id = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}
        paths[f"/collections/{c.id}/items/{{featureId}}"] = {
            "get": {
                "operationId": f"get_{c.id}_item",
                "parameters": [feature_id, common["crs"], *shape, common["f"]],
                "responses": {"200": fc, "404": {"description": "not found"}},
            }
        }
        paths[f"/collections/{c.id}/queryables"] = {
            "get": {
                "operationId": f"get_{c.id}_queryables",
                "responses": {"200": {"description": "JSON Schema of the queryables"}},
            }
        }
        if c.downloads:
            offered = list(c.downloads)
            paths[f"/collections/{c.id}/download.fgb"] = {
                "get": {
                    "operationId": f"get_{c.id}_file",
                    "summary": f"{c.title}: the whole collection as one FlatGeobuf file (whole or by byte range)",
                    "parameters": [_param("resolution", {"type": "string", "enum": offered, "default": offered[0]})],
                    "responses": {
                        "200": {"description": "the file", "content": {downloads.CONTENT_TYPE: {}}},
                        "206": {"description": "one byte range (Range: bytes=a-b)"},
                        "416": {"description": "the range is outside the file"},
                        "503": {"description": "being written for the active generation; Retry-After"},
                    },
                }
            }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Thailand complaint routing engine - OGC API - Features", "version": "1.0.0"},
        "servers": [{"url": base}],
        "paths": paths,
    }
