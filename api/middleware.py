from django.conf import settings
from django.http import JsonResponse

from .errors import body

DRAIN_LIMIT = 64 * 1024 * 1024
CHUNK = 1024 * 1024


class BodySizeLimit:
    """413 for bodies over DATA_UPLOAD_MAX_MEMORY_SIZE, after reading them off the socket.

    Answering before the client has sent its body makes many clients report a connection reset
    instead of the answer; draining (up to a cap) lets them read the 413.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit and length > limit:
            stream = request.META.get("wsgi.input")
            remaining = min(length, DRAIN_LIMIT)
            while stream is not None and remaining > 0:
                chunk = stream.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            response = JsonResponse(
                body("body_too_large", f"the request body is {length:,} bytes; the limit is {limit:,}"), status=413
            )
            if length > DRAIN_LIMIT:
                response["Connection"] = "close"
            return response
        return self.get_response(request)


# How a NUL is written in each text body we accept.
NUL_MARKS = {
    "application/json": (b"\\u0000", b"\x00"),
    "application/geo+json": (b"\\u0000", b"\x00"),
    "application/x-www-form-urlencoded": (b"%00", b"\x00"),
}


class RejectNul:
    """400 for a NUL character in the URL or body: PostgreSQL cannot store one in text, and a
    parameter or field carrying it would otherwise fail deep in a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = None
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            where = "URL"
        elif any(mark in request.body for mark in NUL_MARKS.get(request.content_type, ())):
            where = "request body"
        if where:
            return JsonResponse(body("invalid", f"the {where} contains a NUL character (U+0000)"), status=400)
        return self.get_response(request)
