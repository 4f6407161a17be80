from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import duplicates
from geo.http.errors import ApiError
from routing import live
from routing.batch.compact import compact_results
from routing.engine.grid import MAX_WITHIN_M
from routing.engine.matcher import DEFAULT_WITHIN_M
from routing.engine.points import BatchError, BatchTooLarge, PointError, parse_batch, parse_point, point_arrays
from routing.rules.decisions import answer
from routing.rules.responsibility import UnknownCategory

from .. import batch_answer, schema
from ..fast_json import FastJSONRenderer, FastNegotiation, dumps
from ..fast_path import HandOn, with_fast_path
from .complaints import visibility_of


def within_of(body) -> float:
    value = body.get("within", DEFAULT_WITHIN_M) if isinstance(body, dict) else DEFAULT_WITHIN_M
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_WITHIN_M:
        raise ApiError(400, "invalid", f"within: must be a number of metres within 0..{MAX_WITHIN_M:g}")
    return float(value)


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


def check_categories(points, directory):
    problems = []
    for index, point in enumerate(points):
        try:
            directory.check_categories(point.categories)
        except UnknownCategory as exc:
            problems.append({"index": index, "id": point.id, "field": "category", "message": str(exc)})
    if problems:
        raise ApiError(
            400,
            "unknown_category",
            f"{problems[0]['message']}; known: {', '.join(sorted(directory.categories))}",
            problems[:100],
        )


def result(point, match, generation, directory) -> dict:
    # Computed once per key and shared: put into this answer, never changed.
    jurisdictions, decided = answer(directory, generation, match, point.categories, (point.lon, point.lat))
    out = {
        "id": point.id,
        "lon": point.lon,
        "lat": point.lat,
        "status": match.status,
        "generation": generation,
        "jurisdictions": jurisdictions,
        "on_boundary": match.on_boundary,
        "categories": list(point.categories),
        **decided,
    }
    if match.snapped_m is not None:
        out["snapped_m"] = match.snapped_m
    return out


def fast_answer(request, body) -> bytes:
    """Route's answer on the fast path (api/fast_path.py); any refusal raises, and the DRF view
    below then answers the same request with its error."""
    if "duplicates" in body:
        raise HandOn
    point = parse_point(body)
    within = within_of(body)
    directory = live.directory.current()
    directory.check_categories(point.categories)
    matcher = live.matcher.current()
    match = matcher.lookup(point.lon, point.lat, within)
    return dumps(result(point, match, matcher.generation, directory))


class Route(APIView):
    """POST {"lon", "lat", "category"? | "categories"?, "within"?} -> jurisdictions, agency and reason."""

    renderer_classes = [FastJSONRenderer]
    content_negotiation_class = FastNegotiation

    @classmethod
    def as_view(cls, **initkwargs):
        return with_fast_path(super().as_view(**initkwargs), fast_answer, ", ".join(cls().allowed_methods))

    @extend_schema(
        request=schema.ROUTE_REQUEST,
        parameters=[schema.query("duplicates", description="1: also the duplicate candidates")],
        responses={200: schema.ROUTE_RESULT, 400: schema.ERROR},
    )
    def post(self, request):
        body = request.data
        try:
            point = parse_point(body)
        except PointError as exc:
            raise ApiError(400, "invalid_point", str(exc), {"field": exc.field}) from None
        directory = live.directory.current()
        check_categories([point], directory)
        matcher = live.matcher.current()
        match = matcher.lookup(point.lon, point.lat, within_of(body))
        out = result(point, match, matcher.generation, directory)
        if duplicates_wanted(request, body):
            out["duplicates"] = route_duplicates(request, point, body)
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
    within = within_of(body)
    directory = live.directory.current()
    for categories in points.categories:
        directory.check_categories(categories)
    matcher = live.matcher.current()
    answers = matcher.lookup_many(points.lons, points.lats, within)
    if request.META["QUERY_STRING"] in ("compact=1", "compact=true"):
        return batch_answer.compact(points, answers, matcher, directory)
    return batch_answer.full(points, answers, matcher, directory, result)


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
        body = request.data
        try:
            points = parse_batch(body)
        except BatchTooLarge as exc:
            raise ApiError(413, "batch_too_large", str(exc), {"count": exc.count}) from None
        except BatchError as exc:
            raise ApiError(400, "invalid_points", str(exc), exc.problems) from None
        within = within_of(body)
        directory = live.directory.current()
        check_categories(points, directory)
        matcher = live.matcher.current()
        answers = matcher.lookup_many([p.lon for p in points], [p.lat for p in points], within)
        if compact:
            results = compact_results(points, answers, matcher, directory)
            return Response({"generation": matcher.generation, "count": len(results), "results": results})
        results = [result(p, answers.match(k), matcher.generation, directory) for k, p in enumerate(points)]
        return Response({"generation": matcher.generation, "count": len(results), "results": results})
