"""DRF's exception handler (settings.REST_FRAMEWORK): every refusal a DRF view raises, answered in
the native error shape (errors.body)."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from rest_framework import exceptions, status
from rest_framework.response import Response

from params import ParamError

from . import timeouts
from .errors import ApiError, body

log = logging.getLogger(__name__)

DB_RETRY_AFTER_S = 5

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
    if isinstance(exc, OperationalError) and timeouts.is_timeout(exc):
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


def _timeout(context):
    request = context.get("request")
    kind, ms = getattr(request, "statement_budget", None) or timeouts.budget(request.path if request else "")
    log.warning("statement timeout (%s, %d ms)", kind, ms)
    return Response(
        body("query_timeout", timeouts.message(kind, ms)),
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(timeouts.RETRY_AFTER_S)},
    )
