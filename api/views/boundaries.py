from django.http import HttpResponse
from django.utils.http import urlencode
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

import params
from boundaries import geojson
from boundaries.models import Boundary, BoundaryQuerySet, Generation, Level
from geo.http.errors import ApiError

from .. import schema

GEOJSON = "application/geo+json"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _scope(request: Request) -> BoundaryQuerySet:
    """Boundaries of the requested generation, or of the active ones."""
    generation = params.integer(request.query_params, "generation", minimum=1)
    if generation is None:
        return Boundary.objects.active()
    if not Generation.objects.filter(id=generation).exists():
        raise ApiError(404, "not_found", f"generation {generation} does not exist")
    return Boundary.objects.in_generation(generation)


def _shape(request: Request) -> dict:
    q = request.query_params
    return {
        "precision": params.integer(q, "precision", default=7, minimum=0, maximum=geojson.MAX_PRECISION),
        "simplify": params.number(q, "simplify", minimum=0, maximum=1),
    }


class BoundaryList(APIView):
    """GeoJSON FeatureCollection of boundaries; filters: level, parent, bbox, generation."""

    @extend_schema(
        operation_id="boundaries_list",
        parameters=schema.BOUNDARY_PARAMETERS,
        responses={(200, GEOJSON): schema.BOUNDARY_FEATURES, 400: schema.ERROR, 404: schema.ERROR},
    )
    def get(self, request: Request) -> HttpResponse:
        q = request.query_params
        queryset = _scope(request)
        level = params.choice(q, "level", Level.values)
        if level:
            queryset = queryset.filter(level=level)
        if q.get("parent"):
            queryset = queryset.filter(parent_code=q["parent"])
        box = params.bbox(q)
        if box:
            queryset = queryset.intersecting_bbox(box)
        limit = params.integer(q, "limit", default=DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
        offset = params.integer(q, "offset", default=0, minimum=0)
        queryset = queryset.order_by("level", "code")
        matched = queryset.count()
        # Pick the page's rows first: PostgreSQL would otherwise build geometry for every skipped row.
        ids = list(queryset.values_list("id", flat=True)[offset : offset + limit])
        page = list(geojson.features(Boundary.objects.filter(id__in=ids).order_by("level", "code"), **_shape(request)))
        links = [{"rel": "self", "type": GEOJSON, "href": self._href(request, offset, limit)}]
        if offset + len(page) < matched:
            links.append({"rel": "next", "type": GEOJSON, "href": self._href(request, offset + limit, limit)})
        if offset > 0:
            links.append({"rel": "prev", "type": GEOJSON, "href": self._href(request, max(0, offset - limit), limit)})
        content = geojson.feature_collection(page, numberMatched=matched, numberReturned=len(page), links=links)
        return HttpResponse(content, content_type=GEOJSON)

    @staticmethod
    def _href(request: Request, offset: int, limit: int) -> str:
        query: dict[str, str | int] = {
            k: v for k, v in request.query_params.dict().items() if k not in ("offset", "limit")
        }
        query.update(offset=offset, limit=limit)
        return request.build_absolute_uri(request.path) + "?" + urlencode(query)


class BoundaryDetail(APIView):
    """One boundary as a GeoJSON Feature, by DOPA code (add level= where codes are ambiguous)."""

    @extend_schema(
        parameters=schema.BOUNDARY_PARAMETERS[:1] + schema.BOUNDARY_PARAMETERS[3:6],
        responses={(200, GEOJSON): schema.BOUNDARY_FEATURE, 400: schema.ERROR, 404: schema.ERROR},
    )
    def get(self, request: Request, code: str) -> HttpResponse:
        queryset = _scope(request).filter(code=code)
        level = params.choice(request.query_params, "level", Level.values)
        if level:
            queryset = queryset.filter(level=level)
        found = list(geojson.features(queryset[:2], **_shape(request)))
        if not found:
            raise ApiError(404, "not_found", f"no boundary with code {code!r}")
        if len(found) > 1:
            raise ApiError(400, "ambiguous", f"code {code!r} exists at several levels; add level=")
        return HttpResponse(found[0], content_type=GEOJSON)
