"""Boundary tiles and layer pages computed once per boundary generation and then served from the
shared cache (Redis): the key holds the active generations, so activating a new generation is
the invalidation. Each answer carries an ETag and Last-Modified; a client that sends the ETag
back (If-None-Match) gets a 304 without the page being read or computed.

Pages of complaints are not cached here: they change with every filing. Local government and
service-area pages also depend on the routing tables: their key holds the tables' version.
"""

import functools

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date

from boundaries.cached import digest, generations, get, put
from routing.loaders import directory_version

from . import html, lighter
from .collections import COLLECTIONS

# Big enough for a full page of light polygons; larger answers are recomputed rather than evict
# hundreds of tiles.
MAX_CACHED_BYTES = 32 * 1024 * 1024
MAX_AGE_S = 300


def per_generation(key_of):
    """Wrap a view whose answer depends only on the request and the active generations;
    `key_of(request, **kwargs)` names the answer, or returns None where it must not be cached."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            name = key_of(request, **kwargs)
            if name is None:
                return view(request, *args, **kwargs)
            token, newest = generations()
            key = digest(name, lighter.with_state(token))
            etag = f'"{key}"'
            headers = {
                "ETag": etag,
                "Last-Modified": http_date(newest),
                "Cache-Control": f"public, max-age={MAX_AGE_S}",
                "Vary": "Accept",
            }
            if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
                response = HttpResponseNotModified()
            else:
                stored = get(f"layer:{key}")
                if stored is None:
                    response = view(request, *args, **kwargs)
                    if response.status_code not in (200, 204):
                        return response
                    if len(response.content) <= MAX_CACHED_BYTES:
                        put(f"layer:{key}", (response.status_code, response["Content-Type"], response.content))
                else:
                    status, content_type, content = stored
                    response = HttpResponse(content, status=status, content_type=content_type)
            for header, value in headers.items():
                response[header] = value
            return response

        return wrapper

    return decorate


def tile_key(request, layer, z, x, y):
    collection = COLLECTIONS.get(layer)
    if collection is None or collection.kind != "boundary":
        return None
    return f"tile:{layer}:{z}/{x}/{y}"


def items_key(request, collection_id):
    collection = COLLECTIONS.get(collection_id)
    if collection is None or collection.kind == "complaint":
        return None
    # Links in a page name the host it was asked on; the same URL is a page for a browser
    # (Accept: text/html) and GeoJSON for a GIS client.
    name = f"items:{html.wanted(request)}:{request.get_host()}:{collection_id}:{sorted(request.GET.lists())}"
    if collection.kind != "boundary":
        # Local government areas and service areas are drawn from the routing tables as well.
        name += f":{directory_version()}"
    return name
