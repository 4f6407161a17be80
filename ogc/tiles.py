"""Mapbox vector tiles straight from PostGIS (ST_AsMVT), of the collections whose provider draws them
(boundaries simplified to the tile's pixel)."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .providers import REGISTRY
from .tilegrid import EXTENT, MAX_ZOOM, pixel_degrees

MVT = "application/vnd.mapbox-vector-tile"
__all__ = ["EXTENT", "MAX_ZOOM", "tile", "tilejson"]


def _tolerance(z: int) -> float:
    """About one tile pixel in degrees at this zoom (benchmarks/layers.py draws tiles with it)."""
    return pixel_degrees(z)


@require_GET
def tile(request, layer, z, x, y):
    collection = REGISTRY.get(layer)
    if collection is None or not collection.tiled:
        return JsonResponse({"code": "NotFound", "description": f"no layer {layer!r}"}, status=404)
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return JsonResponse({"code": "NotFound", "description": f"no tile {z}/{x}/{y}"}, status=404)
    data = collection.tile(layer, z, x, y)
    if not data:
        return HttpResponse(status=204)
    response = HttpResponse(data, content_type=MVT)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def tilejson(request, layer):
    collection = REGISTRY.get(layer)
    if collection is None or not collection.tiled:
        return JsonResponse({"code": "NotFound", "description": f"no layer {layer!r}"}, status=404)
    fields = collection.tile_fields
    west, south, east, north = collection.extent()
    return JsonResponse(
        {
            "tilejson": "3.0.0",
            "name": collection.title,
            "description": collection.description,
            "tiles": [request.build_absolute_uri(f"/tiles/{layer}/") + "{z}/{x}/{y}.mvt"],
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "bounds": [west, south, east, north],
            "vector_layers": [{"id": layer, "fields": fields, "minzoom": 0, "maxzoom": MAX_ZOOM}],
        }
    )
