"""What an OGC or tile request costs in rate-limit units (access/throttling.py), known before it
runs: a page of features costs by its size and resolution, a low-zoom tile (a whole region's
boundaries) more than a street-level one."""

from django.http import JsonResponse

from .features import FULL

# Units per feature asked for: full-resolution polygons carry about six times the vertices.
LIGHT_PER_UNIT, FULL_PER_UNIT = 100, 20
LOW_ZOOM, LOW_ZOOM_COST = 5, 5
BYTES_PER_UNIT = 256 * 1024


def refuse(request, wait, **_):
    return JsonResponse({"code": "Throttled", "description": f"too many requests; retry in {int(wait)} s"}, status=429)


def _limit(request, default: int = 100) -> int:
    text = request.GET.get("limit", "")
    return min(int(text), 10_000) if text.isascii() and text.isdigit() else default


def items(request) -> int:
    per_unit = FULL_PER_UNIT if request.GET.get("resolution") == FULL else LIGHT_PER_UNIT
    return 1 + _limit(request) // per_unit


def tile(request) -> int:
    z = (request.resolver_match.kwargs if request.resolver_match else {}).get("z", 0)
    return LOW_ZOOM_COST if z <= LOW_ZOOM else 1


def download(request) -> int:
    """Any request for a file costs one unit before it is answered (HEAD, 304, 416, 503 included);
    the bytes it is then sent cost more (file_bytes), charged before they are sent."""
    return 1


def file_bytes(length: int) -> int:
    """Units for `length` bytes of a file (a whole file or the range sent): one per started
    BYTES_PER_UNIT. The 168 MB subdistricts file costs 640 (641 with the request's unit): an
    address at the default 3000 a minute gets about four and a half a minute; QGIS reading it by
    ranges pays for the bytes it reads."""
    return -(-length // BYTES_PER_UNIT)


def wrong_method(request, **_):
    return JsonResponse(
        {"code": "MethodNotAllowed", "description": f"{request.method} is not allowed here; use GET"}, status=405
    )
