from django.urls import path

from . import tiles, views

# Mounted at the root: QGIS and GDAL use the landing page URL without a trailing slash.
urlpatterns = [
    path("ogc", views.landing, name="ogc-landing"),
    path("ogc/", views.landing),
    path("ogc/api", views.openapi_view, name="ogc-openapi"),
    path("ogc/conformance", views.conformance, name="ogc-conformance"),
    path("ogc/collections", views.collections, name="ogc-collections"),
    path("ogc/collections/<str:collection_id>", views.collection, name="ogc-collection"),
    path("ogc/collections/<str:collection_id>/queryables", views.queryables_view, name="ogc-queryables"),
    path("ogc/collections/<str:collection_id>/items", views.items, name="ogc-items"),
    path("ogc/collections/<str:collection_id>/style.<str:kind>", views.style, name="ogc-style"),
    path("qgis/project.qgz", views.qgis_project, name="qgis-project"),
    path("ogc/collections/<str:collection_id>/items/<str:feature_id>", views.item, name="ogc-item"),
    path("tiles/<str:layer>.json", tiles.tilejson, name="tilejson"),
    path("tiles/<str:layer>/<int:z>/<int:x>/<int:y>.mvt", tiles.tile, name="tile"),
]
