import re

from django.conf import settings
from django.http import JsonResponse, QueryDict

from geo.http.errors import body, for_path

DRAIN_LIMIT = 64 * 1024 * 1024
# The endpoints that take photos, as multipart (deploy/nginx.conf.template has the same list), and
# the workspace's finish form.
UPLOADS = re.compile(
    r"^/(api/v1/complaints(/[0-9]+/transitions)?|open311/v2/requests\.(json|xml)|work/complaints/[0-9]+/finish/)$"
)
CHUNK = 1024 * 1024
WORK_FINISH = re.compile(r"^/work/complaints/([0-9]+)/finish/$")


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
        if UPLOADS.match(request.path) and request.content_type == "multipart/form-data":
            limit = max(limit, settings.GEO_UPLOAD_MAX_BODY)  # photos (docs/photos.md)
        if limit and length > limit:
            stream = request.META.get("wsgi.input")
            remaining = min(length, DRAIN_LIMIT)
            while stream is not None and remaining > 0:
                chunk = stream.read(min(CHUNK, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
            page = WORK_FINISH.match(request.path)
            if page:
                response = self.refused_page(request, page.group(1))
            else:
                response = JsonResponse(
                    body("body_too_large", f"the request body is {length:,} bytes; the limit is {limit:,}"), status=413
                )
            if length > DRAIN_LIMIT:
                response["Connection"] = "close"
            return response
        return self.get_response(request)

    def refused_page(self, request, complaint_id: str):
        """An officer's too large finish: the complaint's page with its form and the reason, as
        deploy/nginx.conf.template's @work_upload_too_large asks for it (the body is gone)."""
        request.method = request.META["REQUEST_METHOD"] = "GET"
        request.path = request.path_info = f"/work/complaints/{complaint_id}/"
        request.META.update(QUERY_STRING="refused=too_large", CONTENT_LENGTH="0")
        request.GET = QueryDict("refused=too_large")
        response = self.get_response(request)
        if response.status_code == 200:
            response.status_code = 413
        return response


class RejectNul:
    """400 for a NUL character in the URL: PostgreSQL cannot store one in text, and a parameter
    carrying it would otherwise fail deep in a query. Bodies are checked where they are parsed
    (api/parsers.py for JSON, params.text_problem for form fields)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return for_path(request.path, 400, "invalid", "the URL contains a NUL character (U+0000)")
        return self.get_response(request)
