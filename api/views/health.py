from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from boundaries.models import Generation

from .. import schema


class Health(APIView):
    """Database reachable, PostGIS version, and the active generation of each layer."""

    @extend_schema(responses={200: schema.HEALTH})
    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute("SELECT postgis_lib_version()")
            postgis = cursor.fetchone()[0]
        active = []
        for generation in Generation.objects.active().order_by("layer"):
            counts = generation.boundaries.values("level").annotate(n=Count("id")).order_by("level")
            active.append(
                {
                    "id": generation.id,
                    "layer": generation.layer,
                    "activated_at": generation.activated_at,
                    "boundaries": {row["level"]: row["n"] for row in counts},
                }
            )
        return Response({"status": "ok", "database": {"reachable": True, "postgis": postgis}, "generations": active})


def live(request: HttpRequest) -> JsonResponse:
    """Liveness for a load balancer: the process answers; touches neither DRF nor the database."""
    return JsonResponse({"status": "alive"})
