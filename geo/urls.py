from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.views.health import live
from geo.http.methods import read_only
from web.views import map_page

urlpatterns = [
    path("", read_only()(map_page), name="map"),
    path("livez", read_only()(live), name="live"),
    path("admin/", admin.site.urls),
    path("work/", include("workspace.urls")),
    path("work/", include("oversight.urls")),
    path("api/v1/", include("api.urls")),
    path("open311/v2/", include("open311.urls")),
    path("", include("ogc.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]

handler404 = "geo.http.errors.not_found"
handler500 = "geo.http.errors.server_error"
