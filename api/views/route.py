from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import duplicates
from geo.http.errors import ApiError
from routing import service
from routing.engine.points import BatchError, BatchTooLarge, PointError, point_arrays
from routing.service import UnknownCategories

from .. import batch_answer, schema
from ..fast_json import FastJSONRenderer, FastNegotiation, dumps
from ..fast_path import HandOn, with_fast_path
from .complaints import visibility_of


def compact_of(request) -> bool:
    value = request.query_params.get("compact", "0")
    if value not in ("0", "1", "true", "false"):
        raise ApiError(400, "invalid", "compact: must be 1 or 0 (true or false)")
    return value in ("1", "true")


def duplicates_wanted(request, body) -> bool:
    """`"duplicates": true` in the body or `?duplicates=1`: only then is the database asked."""
    value = request.query_params.get("duplicates", "0")
    if value not in ("0", "1", "true", "false"):
        raise ApiError(400, "invalid", "duplicates: must be 1 or 0 (true or false)")
    flag = body.get("duplicates", False) if isinstance(body, dict) else False
    if not isinstance(flag, bool):
        raise ApiError(400, "invalid", "duplicates: must be true or false", {"field": "duplicates"})
    return flag or value in ("1", "true")


def route_duplicates(request, point, body) -> dict:
    """The open complaints a report at this point, of its first category, may repeat."""
    if not point.categories:
        raise ApiError(400, "invalid", "duplicates: needs a category", {"field": "category"})
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > 5000:
        raise ApiError(400, "invalid", "description: a string of at most 5000 characters", {"field": "description"})
    category = point.categories[0]
    found = duplicates.find(
        point.lon,
        point.lat,
        category,
        at=timezone.now(),
        description=description,
        visibility=visibility_of(request),
    )
    return duplicates.answer(found, category)


def refused(exc: Exception) -> ApiError:
    """A refusal of the route service in the API's error shape."""
    if isinstance(exc, PointError):
        return ApiError(400, "invalid_point", str(exc), {"field": exc.field})
    if isinstance(exc, BatchTooLarge):
        return ApiError(413, "batch_too_large", str(exc), {"count": exc.count})
    if isinstance(exc, BatchError):
        return ApiError(400, "invalid_points", str(exc), exc.problems)
    if isinstance(exc, UnknownCategories):
        return ApiError(400, "unknown_category", str(exc), exc.problems[:100])
    return ApiError(400, "invalid", str(exc))  # WithinError


def fast_answer(request, body) -> bytes:
    """Route's answer on the fast path (api/fast_path.py); a refusal is answered by the DRF view."""
    if "duplicates" in body:
        raise HandOn
    return dumps(service.route(body).as_dict())


class Route(APIView):
    """POST {"lon", "lat", "category"? | "categories"?, "within"?} -> jurisdictions, agency and reason."""

    renderer_classes = [FastJSONRenderer]
    content_negotiation_class = FastNegotiation

    @classmethod
    def as_view(cls, **initkwargs):
        return with_fast_path(
            super().as_view(**initkwargs), fast_answer, ", ".join(cls().allowed_methods), declines=service.REFUSALS
        )

    @extend_schema(
        request=schema.ROUTE_REQUEST,
        parameters=[schema.query("duplicates", description="1: also the duplicate candidates")],
        responses={200: schema.ROUTE_RESULT, 400: schema.ERROR},
    )
    def post(self, request):
        body = request.data
        try:
            found = service.route(body)
        except service.REFUSALS as exc:
            raise refused(exc) from None
        out = found.as_dict()
        if duplicates_wanted(request, body):
            out["duplicates"] = route_duplicates(request, found.point, body)
        return Response(out)


BATCH_QUERIES = frozenset({"", "compact=1", "compact=true", "compact=0", "compact=false"})


def shallow_batch(document, raw: bytes) -> bool:
    """As many braces as the document and its points, as many brackets as the list of points and
    the points' category lists: then nothing is nested deeper (a brace or bracket inside a string
    only adds to the count). Sound where point_arrays then accepts the points: every point an
    object, every `categories` absent or a list; anything else is handed to the standard parser."""
    items = document.get("points") if isinstance(document, dict) else None
    if not isinstance(items, list):
        return False
    lists = sum(1 for item in items if type(item) is dict and item.get("categories") is not None)
    return raw.count(b"{") == 1 + len(items) and raw.count(b"[") == 1 + lists


def fast_batch_answer(request, body) -> bytes:
    """RouteBatch's answer on the fast path: {"points": [...]} with every point valid; anything
    else (GeoJSON, a bad point, an unknown category) is answered by the DRF view."""
    points = point_arrays(body)
    if points is None:
        raise HandOn
    batch = service.route_points(points, body)
    if request.META["QUERY_STRING"] in ("compact=1", "compact=true"):
        return batch_answer.compact(batch)
    return batch_answer.full(batch)


class RouteBatch(APIView):
    """POST {"points": [...]} or a GeoJSON FeatureCollection (up to 10,000 points), answers in order."""

    renderer_classes = [FastJSONRenderer]
    content_negotiation_class = FastNegotiation

    @classmethod
    def as_view(cls, **initkwargs):
        return with_fast_path(
            super().as_view(**initkwargs),
            fast_batch_answer,
            ", ".join(cls().allowed_methods),
            declines=service.REFUSALS,
            queries=BATCH_QUERIES,
            shallow=shallow_batch,
        )

    @extend_schema(
        request=schema.ROUTE_BATCH_REQUEST,
        parameters=[schema.COMPACT],
        responses={200: schema.ROUTE_BATCH_ANSWER, 400: schema.ERROR, 413: schema.ERROR},
    )
    def post(self, request):
        compact = compact_of(request)
        try:
            batch = service.route_batch(request.data)
        except service.REFUSALS as exc:
            raise refused(exc) from None
        if compact:  # the fast path's encoder: one compact answer, byte for byte
            return HttpResponse(batch_answer.compact(batch), content_type="application/json")
        # One by one: the reference the fast path's grouped encoder (batch_answer.full) must equal.
        results = [batch.one(k).as_dict() for k in range(len(batch))]
        return Response({"generation": batch.generation, "count": len(results), "results": results})
