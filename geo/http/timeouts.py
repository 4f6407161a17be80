"""A statement timeout for each kind of request, so no single read can hold a worker and a
database backend for long; a request that runs out answers 503 with Retry-After in its
endpoint's error shape (errors.for_path: native, or the shape its protocol registered), never a
500.

On a connection of its own (one session per worker: `make run`) the timeout is a `SET` before
the request's first query (routing, which needs no query, pays nothing), set again by the next
request: a persistent connection never keeps a stale value for long. Through PgBouncer in
transaction mode (geo/pooling.py: geo/settings_nodes.py with GEO_PGBOUNCER=1) a session's
`SET` would stay on whichever server connection ran it, for the next client to inherit, and the
request's later transactions may run on another server connection without it; PgBouncer 1.18
(Debian bookworm) passes on no other parameter than the few it tracks (client encoding, date
style, time zone, standard_conforming_strings, application_name; `track_extra_parameters` came
in 1.20), and `options` at start-up is dropped (deploy/pgbouncer.ini.template). So there the
timeout is `SET LOCAL`, the first statement of each transaction (a query outside any: Django's
autocommit, sent with it as one implicit transaction): the budget holds for every query of the
request, and ends with each transaction.
"""

import contextlib
import logging
import os

from django.db import DatabaseError, OperationalError, connection
from psycopg.pq import TransactionStatus

from geo import pooling

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


class _SetInEachTransaction:
    """Through a transaction pooler: the budget is the first statement of each transaction."""

    def __init__(self, ms: int):
        self.sql = f"SET LOCAL statement_timeout = {int(ms)}"

    def __call__(self, execute, sql, params, many, context):
        db = context["connection"]
        autocommit = db.get_autocommit()
        if not autocommit and db.connection.info.transaction_status != TransactionStatus.IDLE:
            return execute(sql, params, many, context)  # its first statement carried the budget
        if not many:
            # One message, two statements (Django's psycopg cursors bind on the client and send by the
            # simple protocol): alone, PostgreSQL runs it as one implicit transaction, and in a block
            # it is the first of the transaction psycopg begins. The budget costs no round trip.
            result = execute(f"{self.sql}; {sql}", params, many, context)
            context["cursor"].cursor.nextset()  # the query's rows, not the SET's
            return result
        if not autocommit:
            context["cursor"].cursor.execute(self.sql)  # psycopg begins the transaction with it
            return execute(sql, params, many, context)
        # executemany outside a transaction (each row would be a transaction of its own): in one
        db.set_autocommit(False)
        try:
            context["cursor"].cursor.execute(self.sql)
            result = execute(sql, params, many, context)
            db.commit()
            return result
        except BaseException:
            with contextlib.suppress(DatabaseError):  # a lost connection: the first error is the answer
                db.rollback()
            raise
        finally:
            try:
                db.set_autocommit(True)
            except DatabaseError:  # as Django's atomic does: a connection in doubt is closed, made anew
                db.close()


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
        # connection: the request's default one, the replica's inside StaleReads (geo/db_router.py).
        wrapper = _SetInEachTransaction if pooling.pooled(connection) else _SetOnFirstQuery
        with connection.execute_wrapper(wrapper(ms)):
            return self.get_response(request)

    def process_exception(self, request, exc):
        if not is_timeout(exc):
            return None
        kind, ms = getattr(request, "statement_budget", budget(request.path))
        log.warning("statement timeout (%s, %d ms): %s", kind, ms, request.path)
        return _answer(request.path, kind, ms)
