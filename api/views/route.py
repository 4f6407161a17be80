from rest_framework.response import Response
from rest_framework.views import APIView

from routing import snapshot
from routing.grid import MAX_WITHIN_M
from routing.matcher import DEFAULT_WITHIN_M
from routing.points import BatchError, BatchTooLarge, PointError, parse_batch, parse_point

from ..errors import ApiError


def within_of(body) -> float:
    value = body.get("within", DEFAULT_WITHIN_M) if isinstance(body, dict) else DEFAULT_WITHIN_M
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_WITHIN_M:
        raise ApiError(400, "invalid", f"within: must be a number of metres within 0..{MAX_WITHIN_M:g}")
    return float(value)


def result(point, match, generation) -> dict:
    out = {
        "id": point.id,
        "lon": point.lon,
        "lat": point.lat,
        "status": match.status,
        "generation": generation,
        "jurisdictions": {level: j.as_dict() for level, j in match.jurisdictions.items()},
        "on_boundary": match.on_boundary,
    }
    if point.category is not None:
        out["category"] = point.category
    if match.snapped_m is not None:
        out["snapped_m"] = match.snapped_m
    if match.reason:
        out["reason"] = match.reason
    return out


class Route(APIView):
    """POST {"lon", "lat", "category"?, "within"?} -> every jurisdiction at the point."""

    def post(self, request):
        body = request.data
        try:
            point = parse_point(body)
        except PointError as exc:
            raise ApiError(400, "invalid_point", str(exc), {"field": exc.field}) from None
        matcher = snapshot.current()
        match = matcher.lookup(point.lon, point.lat, within_of(body))
        return Response(result(point, match, matcher.generation))


class RouteBatch(APIView):
    """POST {"points": [...]} or a GeoJSON FeatureCollection (up to 10,000 points), answers in order."""

    def post(self, request):
        body = request.data
        try:
            points = parse_batch(body)
        except BatchTooLarge as exc:
            raise ApiError(413, "batch_too_large", str(exc), {"count": exc.count}) from None
        except BatchError as exc:
            raise ApiError(400, "invalid_points", str(exc), exc.problems) from None
        within = within_of(body)
        matcher = snapshot.current()
        answers = matcher.lookup_many([p.lon for p in points], [p.lat for p in points], within)
        results = [result(p, answers.match(k), matcher.generation) for k, p in enumerate(points)]
        return Response({"generation": matcher.generation, "count": len(results), "results": results})
