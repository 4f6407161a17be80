from django.urls import path

from access.throttling import limited
from geo.http.methods import read_only

from . import download_view, limits, tiles, views
from .cache import items_key, per_generation, tile_key


def served(view, cost=1, cached_as=None):
    """GET only (405 in the OGC shape otherwise), rate-limited by cost, cached per generation."""
    if cached_as is not None:
        view = per_generation(cached_as)(view)
    return read_only(limits.wrong_method)(limited(cost, limits.refuse)(view))


# Mounted at the root: QGIS and GDAL use the landing page URL without a trailing slash.
urlpatterns = [
    path("ogc", served(views.landing), name="ogc-landing"),
    path("ogc/", served(views.landing)),
    path("ogc/api", served(views.openapi_view), name="ogc-openapi"),
    path("ogc/conformance", served(views.conformance), name="ogc-conformance"),
    path("ogc/collections", served(views.collections), name="ogc-collections"),
    path("ogc/collections/<str:collection_id>", served(views.collection), name="ogc-collection"),
    path("ogc/collections/<str:collection_id>/queryables", served(views.queryables_view), name="ogc-queryables"),
    path(
        "ogc/collections/<str:collection_id>/items",
        served(views.items, limits.items, cached_as=items_key),
        name="ogc-items",
    ),
    path(
        "ogc/collections/<str:collection_id>/download.fgb",
        served(download_view.download, limits.download),
        name="ogc-download",
    ),
    path("ogc/collections/<str:collection_id>/style.<str:kind>", served(views.style), name="ogc-style"),
    path("qgis/project.qgz", served(views.qgis_project), name="qgis-project"),
    path("ogc/collections/<str:collection_id>/items/<str:feature_id>", served(views.item), name="ogc-item"),
    path("tiles/<str:layer>.json", served(tiles.tilejson), name="tilejson"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", served(tiles.tile, limits.tile, tile_key), name="tile"),
]
