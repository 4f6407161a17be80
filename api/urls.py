from django.urls import path

from .views.boundaries import BoundaryDetail, BoundaryList
from .views.health import Health

urlpatterns = [
    path("health", Health.as_view(), name="health"),
    path("boundaries", BoundaryList.as_view(), name="boundary-list"),
    path("boundaries/<str:code>", BoundaryDetail.as_view(), name="boundary-detail"),
]
