"""OGC API - Features Part 1 (Core, GeoJSON, OpenAPI 3.0) at /ogc/, shaped for what QGIS and GDAL read."""

import json

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

import params
from boundaries.geojson import MAX_PRECISION, feature_collection
from params import ParamError, parse_moment

from . import features, lighter, tiles
from .collections import COLLECTIONS, LIGHT_TOLERANCE_M

GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


def _error(status, code, description):
    return JsonResponse({"code": code, "description": description}, status=status)


def _base(request):
    return request.build_absolute_uri("/ogc")


def _collection_doc(request, collection):
    base = _base(request)
    doc = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {"spatial": {"bbox": [features.extent(collection)], "crs": CRS84}},
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections/{collection.id}"},
            {
                "rel": "items",
                "type": GEOJSON,
                "title": collection.title,
                "href": f"{base}/collections/{collection.id}/items",
            },
        ],
    }
    if collection.kind in tiles.TILED:
        doc["links"].append(
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "type": "application/json",
                "href": request.build_absolute_uri(f"/tiles/{collection.id}.json"),
            }
        )
    if collection.temporal:
        doc["extent"]["temporal"] = {"interval": [[None, None]]}
    return doc


@require_GET
def landing(request):
    base = _base(request)
    return JsonResponse(
        {
            "title": "Thailand complaint routing engine: boundaries and complaints",
            "description": "OGC API - Features for provinces, districts, subdistricts, local government areas,"
            " agencies' service areas and complaints",
            "links": [
                {"rel": "self", "type": "application/json", "href": f"{base}/"},
                {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "href": f"{base}/api"},
                {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance"},
                {"rel": "data", "type": "application/json", "href": f"{base}/collections"},
            ],
        }
    )


@require_GET
def conformance(request):
    return JsonResponse({"conformsTo": CONFORMANCE})


@require_GET
def collections(request):
    base = _base(request)
    return JsonResponse(
        {
            "links": [{"rel": "self", "type": "application/json", "href": f"{base}/collections"}],
            "collections": [_collection_doc(request, c) for c in COLLECTIONS.values()],
        }
    )


@require_GET
def collection(request, collection_id):
    found = COLLECTIONS.get(collection_id)
    if found is None:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    return JsonResponse(_collection_doc(request, found))


def _interval(text):
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


def _shape(q):
    """precision (None: the resolution's own) and resolution (lighter unless resolution=full)."""
    precision = params.integer(q, "precision", default=None, minimum=0, maximum=MAX_PRECISION)
    resolution = params.choice(q, "resolution", features.RESOLUTIONS, default=features.LIGHT)
    return precision, resolution


@require_GET
def items(request, collection_id):
    found = COLLECTIONS.get(collection_id)
    if found is None:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    q = request.GET
    known = {"limit", "offset", "bbox", "bbox-crs", "datetime", "f", "precision", *found.properties}
    if found.polygons:
        known.add("resolution")
    unknown = sorted(set(q) - known)
    if unknown:
        return _error(400, "InvalidParameterValue", f"unknown parameter(s): {', '.join(unknown)}")
    try:
        limit = params.integer(q, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
        offset = params.integer(q, "offset", default=0, minimum=0)
        precision, resolution = _shape(q)
        box = params.bbox(q)
    except ParamError as exc:
        return _error(400, "InvalidParameterValue", exc.message)
    if q.get("bbox-crs") not in (None, "", CRS84):
        return _error(400, "InvalidParameterValue", f"bbox-crs: only {CRS84} is supported")
    try:
        interval = _interval(q.get("datetime"))
    except ValueError:
        return _error(
            400, "InvalidParameterValue", "datetime: an RFC 3339 instant or interval, e.g. 2026-01-01T00:00:00Z/.."
        )
    if interval and not found.temporal:
        interval = None  # boundaries have no time: every feature matches (OGC API - Features 7.15.4)
    props = {name: q[name] for name in found.properties if q.get(name)}
    selection = features.select(found, box, interval, props)
    matched = selection.count()
    page = selection.page(offset, limit, precision, resolution)
    base = f"{_base(request)}/collections/{found.id}/items"
    keep = {k: v for k, v in q.items() if k not in ("offset", "limit")}

    def href(new_offset):
        return f"{base}?{urlencode({**keep, 'offset': new_offset, 'limit': limit})}"

    links = [
        {"rel": "self", "type": GEOJSON, "href": href(offset)},
        {"rel": "collection", "type": "application/json", "href": f"{_base(request)}/collections/{found.id}"},
    ]
    if offset + len(page) < matched:  # a page cut short by its vertex budget continues where it stopped
        links.append({"rel": "next", "type": GEOJSON, "href": href(offset + len(page))})
    if offset > 0:
        links.append({"rel": "prev", "type": GEOJSON, "href": href(max(0, offset - limit))})
    members = {
        "numberMatched": matched,
        "numberReturned": len(page),
        "timeStamp": timezone.now().isoformat(timespec="seconds"),
        "links": links,
    }
    if found.polygons:
        members["resolution"] = page.resolution
    return HttpResponse(feature_collection(page, **members), content_type=GEOJSON)


@require_GET
def item(request, collection_id, feature_id):
    found = COLLECTIONS.get(collection_id)
    if found is None:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    q = request.GET
    unknown = sorted(set(q) - {"f", "precision", *(["resolution"] if found.polygons else [])})
    if unknown:
        return _error(400, "InvalidParameterValue", f"unknown parameter(s): {', '.join(unknown)}")
    try:
        precision, resolution = _shape(q)
    except ParamError as exc:
        return _error(400, "InvalidParameterValue", exc.message)
    feature = features.one_feature(found, feature_id, resolution, precision)
    if feature is None:
        return _error(404, "NotFound", f"no feature {feature_id!r} in {collection_id}")
    doc = json.loads(feature)
    base = f"{_base(request)}/collections/{found.id}"
    doc["links"] = [
        {"rel": "self", "type": GEOJSON, "href": f"{base}/items/{feature_id}"},
        {"rel": "collection", "type": "application/json", "href": base},
    ]
    return HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=GEOJSON)


@require_GET
def openapi(request):
    """The OpenAPI 3.0 description; QGIS takes its page size from limit's default and maximum."""
    limit = {
        "name": "limit",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    }
    offset = {"name": "offset", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0}}
    bbox = {
        "name": "bbox",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
    }
    datetime = {"name": "datetime", "in": "query", "required": False, "schema": {"type": "string"}}
    resolution = {
        "name": "resolution",
        "in": "query",
        "required": False,
        "description": (
            f"light (default): borders simplified within {LIGHT_TOLERANCE_M} m without opening gaps between"
            f" neighbours ({lighter.TOLERANCE}° Douglas-Peucker on the shared borders), coordinates to"
            f" {lighter.PRECISION} decimals, precomputed per boundary generation, about a sixth of the vertices;"
            " full: the boundaries at full resolution (7 decimals unless precision says otherwise)"
        ),
        "schema": {"type": "string", "enum": list(features.RESOLUTIONS), "default": features.LIGHT},
    }
    precision = {
        "name": "precision",
        "in": "query",
        "required": False,
        "description": f"decimals of the coordinates (default {lighter.PRECISION} light, 7 full)",
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_PRECISION},
    }
    fc = {"description": "features", "content": {GEOJSON: {"schema": {"type": "object"}}}}
    paths = {
        "/": {"get": {"operationId": "landing", "responses": {"200": {"description": "landing page"}}}},
        "/conformance": {"get": {"operationId": "conformance", "responses": {"200": {"description": "classes"}}}},
        "/collections": {"get": {"operationId": "collections", "responses": {"200": {"description": "collections"}}}},
    }
    for c in COLLECTIONS.values():
        props = [{"name": p, "in": "query", "required": False, "schema": {"type": "string"}} for p in c.properties]
        shape = [resolution, precision] if c.polygons else [precision]
        paths[f"/collections/{c.id}/items"] = {
            "get": {
                "operationId": f"get_{c.id}_items",
                "summary": c.title,
                "description": c.description,
                "parameters": [limit, offset, bbox, datetime, *shape, *props],
                "responses": {"200": fc, "400": {"description": "bad parameter"}},
            }
        }
        feature_id = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}
        paths[f"/collections/{c.id}/items/{{featureId}}"] = {
            "get": {
                "operationId": f"get_{c.id}_item",
                "parameters": [feature_id, *shape],
                "responses": {"200": fc, "404": {"description": "not found"}},
            }
        }
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Thailand complaint routing engine - OGC API - Features", "version": "1.0.0"},
        "servers": [{"url": _base(request)}],
        "paths": paths,
    }
    return JsonResponse(doc, content_type="application/vnd.oai.openapi+json;version=3.0")
