"""OGC API - Features at /ogc/: Part 1 (Core, GeoJSON, OpenAPI 3.0), Part 2 (CRS) and Part 3
(queryables, CQL2 filters), shaped for what QGIS and GDAL read."""

import json

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

import params
from boundaries.geojson import feature_collection
from params import ParamError

from . import crs, downloads, features, html, openapi, output, project, query, queryables
from .cql2 import FilterError
from .providers import REGISTRY as COLLECTIONS

GEOJSON = "application/geo+json"
DEFAULT_LIMIT = query.DEFAULT_LIMIT
MAX_LIMIT = query.MAX_LIMIT
CRS84 = crs.CRS84
# numberMatched is exact when given; past this many matching complaints it is left out (docs/layers.md)
COUNT_CAP = 100_000
CQL2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    CQL2 + "cql2-text",
    CQL2 + "cql2-json",
    CQL2 + "basic-cql2",
    CQL2 + "advanced-comparison-operators",
    CQL2 + "basic-spatial-functions",
    CQL2 + "basic-spatial-functions-plus",
    CQL2 + "temporal-functions",
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


def _error(status, code, description):
    return JsonResponse({"code": code, "description": description}, status=status)


def _respond(request, doc: dict, template: str, title: str, **context):
    """The document as JSON (the default) or as its HTML page (f=html, or Accept: text/html)."""
    fmt = html.wanted(request)
    if fmt not in html.FORMATS:
        return _error(400, "InvalidParameterValue", f"f: expected json or html, got {fmt!r}")
    if fmt == html.HTML:
        return html.page(request, template, title, doc, **context)
    content_type = context.pop("content_type", "application/json")
    return HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=content_type)


def _base(request):
    return request.build_absolute_uri("/ogc")


def _collection_doc(request, collection):
    base = _base(request)
    doc = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "crs": crs.URIS,
        "storageCrs": CRS84,
        "extent": {"spatial": {"bbox": [features.extent(collection)], "crs": CRS84}},
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections/{collection.id}"},
            {
                "rel": "items",
                "type": GEOJSON,
                "title": collection.title,
                "href": f"{base}/collections/{collection.id}/items",
            },
            {
                "rel": QUERYABLES_REL,
                "type": "application/schema+json",
                "title": "what filter and sortby accept",
                "href": f"{base}/collections/{collection.id}/queryables",
            },
        ],
    }
    if collection.tiled:
        doc["links"].append(
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
                "type": "application/json",
                "href": request.build_absolute_uri(f"/tiles/{collection.id}.json"),
            }
        )
    if collection.temporal:
        doc["extent"]["temporal"] = {"interval": [[None, None]]}
    doc["links"].append({"rel": "alternate", "type": "text/html", "href": f"{base}/collections/{collection.id}?f=html"})
    for resolution in collection.downloads:
        title = f"the whole collection as one FlatGeobuf file ({resolution} resolution)"
        href = f"{base}/collections/{collection.id}/download.fgb?resolution={resolution}"
        doc["links"].append({"rel": "enclosure", "type": downloads.CONTENT_TYPE, "title": title, "href": href})
    for style_type, media_type in project.STYLE_TYPES.items():
        if project.style(collection.id, style_type, base) is not None:
            href = f"{base}/collections/{collection.id}/style.{style_type}"
            title = f"style ({style_type.upper()})"
            doc["links"].append({"rel": "stylesheet", "type": media_type, "title": title, "href": href})
    return doc


@require_GET
def landing(request):
    base = _base(request)
    doc = {
        "title": "Thailand complaint routing engine: boundaries and complaints",
        "description": "OGC API - Features for provinces, districts, subdistricts, local government areas,"
        " agencies' service areas and complaints",
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/"},
            {"rel": "alternate", "type": "text/html", "href": f"{base}?f=html"},
            {"rel": "service-desc", "type": "application/vnd.oai.openapi+json;version=3.0", "href": f"{base}/api"},
            {"rel": "conformance", "type": "application/json", "href": f"{base}/conformance"},
            {"rel": "data", "type": "application/json", "href": f"{base}/collections"},
        ],
    }
    return _respond(request, doc, "landing", doc["title"], base=base)


@require_GET
def conformance(request):
    return _respond(request, {"conformsTo": CONFORMANCE}, "conformance", "Conformance classes")


@require_GET
def collections(request):
    base = _base(request)
    doc = {
        "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/collections"},
            {"rel": "alternate", "type": "text/html", "href": f"{base}/collections?f=html"},
        ],
        "collections": [_collection_doc(request, c) for c in COLLECTIONS.values()],
    }
    return _respond(request, doc, "collections", "Collections")


@require_GET
def collection(request, collection_id):
    found = COLLECTIONS.get(collection_id)
    if found is None:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    return _respond(request, _collection_doc(request, found), "collection", found.title)


@require_GET
def queryables_view(request, collection_id):
    found = COLLECTIONS.get(collection_id)
    if found is None:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    url = f"{_base(request)}/collections/{found.id}/queryables"
    doc = queryables.schema(found, url)
    title = f"Queryables of {found.title}"
    return _respond(request, doc, "queryables", title, example=found.example, content_type="application/schema+json")


def _links(request, found, q, offset: int, limit: int, returned: int, more: bool) -> list:
    base = f"{_base(request)}/collections/{found.id}/items"
    keep = {k: v for k, v in q.items() if k not in ("offset", "limit")}

    def href(new_offset):
        return f"{base}?{urlencode({**keep, 'offset': new_offset, 'limit': limit})}"

    links = [
        {"rel": "self", "type": GEOJSON, "href": href(offset)},
        {"rel": "collection", "type": "application/json", "href": f"{_base(request)}/collections/{found.id}"},
    ]
    if more:  # a page cut short by its vertex budget continues where it stopped
        links.append({"rel": "next", "type": GEOJSON, "href": href(offset + returned)})
    if offset > 0:
        links.append({"rel": "prev", "type": GEOJSON, "href": href(max(0, offset - limit))})
    return links


@require_GET
def items(request, collection_id):
    found = COLLECTIONS.get(collection_id)
    if found is None:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    fmt = html.wanted(request)
    if fmt not in html.FORMATS:
        return _error(400, "InvalidParameterValue", f"f: expected json or html, got {fmt!r}")
    try:
        asked = query.parse(request.GET, found)
    except ParamError as exc:
        return _error(400, "InvalidParameterValue", exc.message)
    except FilterError as exc:
        return _error(400, "InvalidParameterValue", str(exc))
    selection = features.select(
        found, asked.bbox, asked.interval, asked.equalities, asked.condition, asked.order, asked.time_field
    )
    matched = selection.count(cap=COUNT_CAP)
    offset, limit = asked.offset, asked.limit
    if matched is None:  # not counted: one feature more than the page says whether another page follows
        page = selection.page(offset, limit + 1, asked.out)
        more = len(page) > limit
        del page[limit:]
    else:
        page = selection.page(offset, limit, asked.out)
        more = offset + len(page) < matched
    members = {}
    if matched is not None:
        members["numberMatched"] = matched
    members["numberReturned"] = len(page)
    members["timeStamp"] = timezone.now().isoformat(timespec="seconds")
    members["links"] = _links(request, found, request.GET, offset, limit, len(page), more)
    if found.polygons:
        members["resolution"] = page.resolution
    if fmt == html.HTML:
        summary = f"{len(page)} features from {offset + 1}" + (f" of {matched:,}" if matched is not None else "")
        return _items_page(request, found, members, [json.loads(f) for f in page], summary)
    reply = HttpResponse(feature_collection(page, **members), content_type=GEOJSON)
    reply["Content-Crs"] = crs.header(asked.out.crs)
    return reply


def _items_page(request, found, doc: dict, parsed: list, summary: str):
    """The items as a table with a small map; the map reads the same page as CRS84 GeoJSON."""
    columns = list(dict.fromkeys(key for f in parsed for key in f["properties"]))
    rows = [{"id": f["id"], "values": [f["properties"].get(k) for k in columns]} for f in parsed]
    keep = {k: v for k, v in request.GET.items() if k not in ("f", "crs")}
    path = f"/ogc/collections/{found.id}/items" + (f"/{parsed[0]['id']}" if doc.get("single") else "")
    geojson_href = f"{path}?{urlencode({**keep, 'f': 'json'})}"
    context = {"collection": found, "columns": columns, "features": rows, "geojson_href": geojson_href}
    return html.page(request, "items", found.title, doc, summary=summary, **context)


@require_GET
def item(request, collection_id, feature_id):
    found = COLLECTIONS.get(collection_id)
    if found is None:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    q = request.GET
    unknown = sorted(set(q) - {"f", "precision", "crs", *(["resolution"] if found.polygons else [])})
    if unknown:
        return _error(400, "InvalidParameterValue", f"unknown parameter(s): {', '.join(unknown)}")
    try:
        precision = params.integer(q, "precision", default=None, minimum=0, maximum=query.MAX_PRECISION)
        resolution = params.choice(q, "resolution", output.RESOLUTIONS, default=output.LIGHT)
        out_crs = query.crs_param(q, "crs")
    except ParamError as exc:
        return _error(400, "InvalidParameterValue", exc.message)
    feature = features.one_feature(found, feature_id, output.Output(resolution, precision, out_crs))
    if feature is None:
        return _error(404, "NotFound", f"no feature {feature_id!r} in {collection_id}")
    doc = json.loads(feature)
    base = f"{_base(request)}/collections/{found.id}"
    doc["links"] = [
        {"rel": "self", "type": GEOJSON, "href": f"{base}/items/{feature_id}"},
        {"rel": "collection", "type": "application/json", "href": base},
    ]
    fmt = html.wanted(request)
    if fmt not in html.FORMATS:
        return _error(400, "InvalidParameterValue", f"f: expected json or html, got {fmt!r}")
    if fmt == html.HTML:
        page_doc = {"links": doc["links"], "single": True}
        return _items_page(request, found, page_doc, [doc], f"feature {feature_id}")
    reply = HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=GEOJSON)
    reply["Content-Crs"] = crs.header(out_crs)
    return reply


@require_GET
def openapi_view(request):
    """The OpenAPI 3.0 description (ogc/openapi.py)."""
    return JsonResponse(openapi.document(_base(request)), content_type="application/vnd.oai.openapi+json;version=3.0")


@require_GET
def style(request, collection_id, kind):
    """A collection's QGIS (QML) or SLD style, as the ready-made project draws it."""
    text = project.style(collection_id, kind, _root(request))
    if collection_id not in COLLECTIONS or text is None:
        return _error(404, "NotFound", f"no {kind} style for {collection_id!r}")
    reply = HttpResponse(text, content_type=f"{project.STYLE_TYPES[kind]}; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{collection_id}.{kind}"'
    return reply


@require_GET
def qgis_project(request):
    """The ready-made QGIS project (.qgz), every layer pointing at this server."""
    reply = HttpResponse(project.project_qgz(_root(request)), content_type="application/zip")
    reply["Content-Disposition"] = 'attachment; filename="thailand-complaints.qgz"'
    return reply


def _root(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")
