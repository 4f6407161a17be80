"""HTML for every OGC resource, so an analyst can browse the service before opening QGIS.

Negotiated by f=html or an Accept header that names text/html (browsers); clients that send
application/json, application/geo+json or */* (GDAL, QGIS, OWSLib) keep getting JSON, the default.
The pages are Django templates over the same documents the JSON responses carry.
"""

from django.shortcuts import render

HTML, JSON = "html", "json"
FORMATS = (JSON, HTML)


def wanted(request) -> str:
    """html or json; an f other than these is left for the view to refuse (a 400 naming f)."""
    f = request.GET.get("f")
    if f:
        return f
    accept = request.headers.get("Accept", "")
    return HTML if "text/html" in accept else JSON


def page(request, template: str, title: str, doc: dict, **context):
    """The page for a resource; doc is the JSON document, its links listed at the foot."""
    json_href = request.get_full_path()
    json_href += ("&" if "?" in json_href else "?") + "f=json"
    json_href = json_href.replace("f=html&", "").replace("&f=html", "").replace("?f=html", "?")
    return render(
        request,
        f"ogc/{template}.html",
        {"title": title, "doc": doc, "links": doc.get("links", []), "json_href": json_href, **context},
        content_type="text/html; charset=utf-8",
    )
