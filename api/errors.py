"""One error shape for the native API: {"error": {"code", "message", "details"}}."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from params import ParamError

log = logging.getLogger(__name__)

DB_RETRY_AFTER_S = 5


class ApiError(Exception):
    def __init__(self, status_code: int, code: str, message: str, details=None, headers=None):
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def body(code: str, message: str, details=None) -> dict:
    error = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


_DRF_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
}


def exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        return Response(
            body("body_too_large", f"the request body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, ApiError):
        return Response(body(exc.code, exc.message, exc.details), status=exc.status_code, headers=exc.headers)
    if isinstance(exc, ParamError):
        return Response(
            body("invalid_parameter", exc.message, {"parameter": exc.name}), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, exceptions.ValidationError):
        return Response(body("invalid", "the request is not valid", exc.detail), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
        headers = {}
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return Response(body(code, str(exc.detail)), status=exc.status_code, headers=headers)
    if isinstance(exc, OperationalError) and _timed_out(exc):
        return _timeout(context)
    if isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("database unavailable: %s", exc)
        return Response(
            body("database_unavailable", "the database is not reachable; retry shortly"),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DB_RETRY_AFTER_S)},
        )
    if isinstance(exc, DatabaseError):
        log.exception("database error")
        return Response(body("database_error", "the database refused the request"), status=500)
    return None


def for_path(path: str, status_code: int, code: str, message: str):
    """An error in the shape of the protocol the URL belongs to, for answers made before any view
    (unmatched routes, URL checks): Open311 and OGC clients parse theirs, not ours."""
    if path.startswith("/open311/"):
        from open311 import render

        return render.error("xml" if path.endswith(".xml") else "json", status_code, message)
    if path.startswith(("/ogc", "/tiles/")):
        ogc_code = "NotFound" if status_code == 404 else "InvalidParameterValue"
        return JsonResponse({"code": ogc_code, "description": message}, status=status_code)
    return JsonResponse(body(code, message), status=status_code)


def _timed_out(exc) -> bool:
    from .timeouts import is_timeout  # timeouts imports this module

    return is_timeout(exc)


def _timeout(context):
    from .timeouts import RETRY_AFTER_S, budget, message

    request = context.get("request")
    kind, ms = getattr(request, "statement_budget", None) or budget(request.path if request else "")
    log.warning("statement timeout (%s, %d ms)", kind, ms)
    return Response(
        body("query_timeout", message(kind, ms)),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


def not_found(request, exception=None):
    return for_path(request.path, 404, "not_found", f"no such resource: {request.path}")


def server_error(request):
    return JsonResponse(body("server_error", "an unexpected error occurred; it has been logged"), status=500)
