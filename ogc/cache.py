"""Boundary tiles and layer pages computed once per boundary generation and then served from the
shared cache (Redis): the key holds the active generations, so activating a new generation is
the invalidation. Each answer carries an ETag and Last-Modified; a client that sends the ETag
back (If-None-Match) gets a 304 without the page being read or computed.

Pages of complaints are not cached here: they change with every filing. Local government and
service-area pages also depend on the routing tables: their key holds the tables' version.
"""

import functools
import gzip

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date

from boundaries.cached import digest, generations, get, put
from routing.loaders import directory_version

from . import html, lighter
from .providers import REGISTRY

# Big enough for a full page of light polygons (and, compressed, of full-resolution ones); larger
# answers are recomputed rather than evict hundreds of tiles.
MAX_CACHED_BYTES = 32 * 1024 * 1024
MAX_AGE_S = 300
# Answers from this size on are kept gzip-compressed, once, when they are built: served as they are
# to clients that accept gzip (the front does not compress them again, about 0.3 s per 20 MB at its
# level), decompressed for the others (tens of ms). Level 1: a page built cold waits for it.
COMPRESS_FROM = 256 * 1024
COMPRESS_LEVEL = 1


def accepts_gzip(request) -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _stored(response) -> tuple:
    content = response.content
    if len(content) < COMPRESS_FROM:
        return (response.status_code, response["Content-Type"], content)
    return (response.status_code, response["Content-Type"], gzip.compress(content, COMPRESS_LEVEL, mtime=0), "gzip")


def _from_stored(request, stored) -> HttpResponse:
    status, content_type, content, *encoding = stored
    if encoding and not accepts_gzip(request):
        content = gzip.decompress(content)
    response = HttpResponse(content, status=status, content_type=content_type)
    if encoding and accepts_gzip(request):
        response["Content-Encoding"] = "gzip"
    return response


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
            # The compressed and the plain answer are two representations: two validators.
            etags = {"identity": f'"{key}"', "gzip": f'"{key}-gzip"'}
            headers = {
                "Last-Modified": http_date(newest),
                "Cache-Control": f"public, max-age={MAX_AGE_S}",
                "Vary": "Accept, Accept-Encoding",
            }
            sent = [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]
            matched = [etag for etag in etags.values() if etag in sent]
            if matched:
                response = HttpResponseNotModified()
                response["ETag"] = matched[0]
            else:
                stored = get(f"layer:{key}")
                if stored is None:
                    response = view(request, *args, **kwargs)
                    if response.status_code not in (200, 204):
                        return response
                    stored = _stored(response)
                    if len(stored[2]) <= MAX_CACHED_BYTES:
                        put(f"layer:{key}", stored)
                    if len(stored) == 4 and accepts_gzip(request):  # the view's headers kept
                        response.content = stored[2]
                        response["Content-Encoding"] = "gzip"
                else:
                    response = _from_stored(request, stored)
                response["ETag"] = etags[response.get("Content-Encoding", "identity")]
            for header, value in headers.items():
                response[header] = value
            return response

        return wrapper

    return decorate


def tile_key(request, layer, z, x, y):
    collection = REGISTRY.get(layer)
    if collection is None or not collection.tiles_cached:
        return None
    return f"tile:{layer}:{z}/{x}/{y}"


def items_key(request, collection_id):
    collection = REGISTRY.get(collection_id)
    if collection is None or not collection.items_cached:
        return None
    # Links in a page name the host it was asked on; the same URL is a page for a browser
    # (Accept: text/html) and GeoJSON for a GIS client.
    name = f"items:{html.wanted(request)}:{request.get_host()}:{collection_id}:{sorted(request.GET.lists())}"
    if collection.reads_directory:  # local government areas and service areas: the routing tables too
        name += f":{directory_version()}"
    return name
