from django.urls import path

from .views.boundaries import BoundaryDetail, BoundaryList
from .views.health import Health
from .views.route import Route, RouteBatch

urlpatterns = [
    path("health", Health.as_view(), name="health"),
    path("boundaries", BoundaryList.as_view(), name="boundary-list"),
    path("boundaries/<str:code>", BoundaryDetail.as_view(), name="boundary-detail"),
    path("route", Route.as_view(), name="route"),
    path("route/batch", RouteBatch.as_view(), name="route-batch"),
]
