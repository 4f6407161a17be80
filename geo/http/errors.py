"""Error answers in the shape of the protocol a URL belongs to.

The native API's shape, {"error": {"code", "message", "details"}}, is the default. A protocol
with a shape of its own (Open311, OGC) registers it for its URL prefixes when its app is ready,
so that answers made before any view (unmatched routes, URL checks, timeouts) reach its clients
in the shape they parse.
"""

from collections.abc import Callable

from django.http import HttpResponse, JsonResponse

# (path, status, native code, message) -> the answer; the native code ("not_found",
# "query_timeout", ...) lets a protocol pick its own code for the same failure.
Shape = Callable[[str, int, str, str], HttpResponse]


class ApiError(Exception):
    def __init__(self, status_code: int, code: str, message: str, details=None, headers=None):
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def body(code: str, message: str, details=None) -> dict:
    error: dict = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def native(path: str, status: int, code: str, message: str) -> HttpResponse:
    return JsonResponse(body(code, message), status=status)


_shapes: list[tuple[tuple[str, ...], Shape]] = []


def register(prefixes: str | tuple[str, ...], shape: Shape) -> None:
    """Answer errors under these path prefixes with `shape` (registering again replaces it)."""
    prefixes = (prefixes,) if isinstance(prefixes, str) else tuple(prefixes)
    _shapes[:] = [(p, s) for p, s in _shapes if p != prefixes] + [(prefixes, shape)]


def shape_for(path: str) -> Shape:
    for prefixes, shape in _shapes:
        if path.startswith(prefixes):
            return shape
    return native


def for_path(path: str, status: int, code: str, message: str) -> HttpResponse:
    """An error in the shape of the protocol the URL belongs to."""
    return shape_for(path)(path, status, code, message)


def not_found(request, exception=None) -> HttpResponse:
    return for_path(request.path, 404, "not_found", f"no such resource: {request.path}")


def server_error(request) -> HttpResponse:
    return JsonResponse(body("server_error", "an unexpected error occurred; it has been logged"), status=500)
