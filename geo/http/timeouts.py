"""A statement timeout for each kind of request, so no single read can hold a worker and a
database backend for long; a request that runs out answers 503 with Retry-After in its
endpoint's error shape (errors.for_path: native, or the shape its protocol registered), never a
500.

The timeout is set on the connection before the request's first query (routing, which needs no
query, pays nothing), and again by the next request: a persistent connection never keeps a
stale value for long.
"""

import logging
import os

from django.db import OperationalError, connection

from . import errors

log = logging.getLogger(__name__)

QUERY_CANCELED = "57014"
RETRY_AFTER_S = 30


def _ms(name: str, default: int) -> int:
    return int(os.environ.get(f"GEO_TIMEOUT_{name}_MS", default))


# (path prefix, kind, milliseconds): the first matching prefix wins. Tiles, layer pages and
# choropleth shapes are drawn once per generation and then served from the cache, so their
# budget must cover that first, cold drawing on a busy machine: a budget below it would refuse
# the same drawing on every request and never cache it.
KINDS = (
    ("/tiles/", "tiles", _ms("TILES", 30_000)),
    ("/ogc/", "layers", _ms("LAYERS", 30_000)),
    ("/api/v1/stats", "stats", _ms("STATS", 30_000)),
    ("/api/v1/boundaries", "layers", _ms("LAYERS", 30_000)),
    ("/open311/", "search", _ms("SEARCH", 10_000)),
    ("/api/v1/complaints", "search", _ms("SEARCH", 10_000)),
)
DEFAULT_MS = _ms("DEFAULT", 30_000)


def budget(path: str) -> tuple[str, int]:
    for prefix, kind, ms in KINDS:
        if path.startswith(prefix):
            return kind, ms
    return "default", DEFAULT_MS


def is_timeout(exc: BaseException) -> bool:
    cause = exc.__cause__
    return isinstance(exc, OperationalError) and QUERY_CANCELED in (
        getattr(cause, "sqlstate", None),  # psycopg 3
        getattr(cause, "pgcode", None),  # psycopg2
    )


def message(kind: str, ms: int) -> str:
    return f"this {kind} request needs more than {ms / 1000:g} s of database time; narrow it or retry later"


class _SetOnFirstQuery:
    def __init__(self, ms: int):
        self.ms = ms
        self.done = False

    def __call__(self, execute, sql, params, many, context):
        if not self.done:
            self.done = True
            context["cursor"].cursor.execute(f"SET statement_timeout = {int(self.ms)}")
        return execute(sql, params, many, context)


def _answer(path: str, kind: str, ms: int):
    response = errors.for_path(path, 503, "query_timeout", message(kind, ms))
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class StatementTimeout:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        kind, ms = budget(request.path)
        request.statement_budget = (kind, ms)
        with connection.execute_wrapper(_SetOnFirstQuery(ms)):
            return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_timeout(exc):
            return None
        kind, ms = getattr(request, "statement_budget", budget(request.path))
        log.warning("statement timeout (%s, %d ms): %s", kind, ms, request.path)
        return _answer(request.path, kind, ms)
