"""Reads that may be a second stale go to the streaming replica (GEO_REPLICA_URL); everything
else, and everything a client writes and then reads back, stays on the primary.

What may be stale is marked where it is asked for, not in the code that answers it: requests by
URL prefix (GET and HEAD under settings.GEO_REPLICA_PATHS: statistics, layers, tiles) through the
StaleReads middleware, other code with `with stale_reads():`. Inside, the thread's default
connection *is* the replica's (the statistics and layers run raw SQL on `django.db.connection`,
which no router sees), and ReplicaRouter sends the ORM's reads there too.

A replica that does not answer is never an error for the client: the request is answered by the
primary, and the replica is left alone for GEO_REPLICA_RETRY_S. A request that tries to write on
the replica (a layer's derived rows, built on first use) is run again on the primary. Without
DJANGO_SETTINGS_MODULE=geo.settings_nodes and GEO_REPLICA_URL neither the middleware nor the
router is installed (geo/settings_nodes.py), and stale_reads() changes nothing.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
QUERY_CANCELED = "57014"  # a statement timeout: the primary would time out the same (geo/http/timeouts.py)
_stale_ok: ContextVar[bool] = ContextVar("stale_ok", default=False)
_down_until = 0.0  # per process: when to try the replica again after it failed


def configured() -> bool:
    return REPLICA in settings.DATABASES


def mark_down(reason: object) -> None:
    global _down_until
    retry_s = getattr(settings, "GEO_REPLICA_RETRY_S", 5.0)  # geo.settings_nodes: only where a replica may be
    _down_until = time.monotonic() + retry_s
    log.warning("replica unavailable, reads go to the primary for %g s: %s", retry_s, reason)
    connections[REPLICA].close()


def _replica_ready() -> bool:
    if not configured() or time.monotonic() < _down_until:
        return False
    replica = connections[REPLICA]
    try:
        # The health check Django makes once per request (CONN_HEALTH_CHECKS), made here, before
        # the swap: a replica stopped since the last request is found now, not by a view's query.
        replica.close_if_health_check_failed()
        replica.ensure_connection()
    except DatabaseError as exc:
        mark_down(exc)
        return False
    return True


@contextmanager
def stale_reads() -> Iterator[bool]:
    """Within the block, this thread's queries read the replica; yields False (and changes nothing)
    when there is none or it is away."""
    if _stale_ok.get() or not _replica_ready():
        yield False
        return
    primary = connections["default"]
    connections["default"] = connections[REPLICA]
    token = _stale_ok.set(True)
    try:
        yield True
    finally:
        connections["default"] = primary
        _stale_ok.reset(token)


class _Watch:
    """An execute wrapper on the replica: remembers a failure (other than a statement timeout)."""

    def __init__(self):
        self.failure: DatabaseError | None = None

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except DatabaseError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != QUERY_CANCELED:
                self.failure = exc
            raise


class StaleReads:
    """GET and HEAD under settings.GEO_REPLICA_PATHS read the replica; on any failure there, the
    same request is answered again by the primary (these are reads: running one twice is harmless)."""

    def __init__(self, get_response):
        if not configured():
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "GEO_REPLICA_PATHS", ()))

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or not request.path.startswith(self.prefixes):
            return self.get_response(request)
        watch = _Watch()
        with stale_reads() as on_replica:
            if not on_replica:
                return self.get_response(request)
            with connections[REPLICA].execute_wrapper(watch):
                response = self.get_response(request)
        if watch.failure is None:
            return response
        replica = connections[REPLICA]
        if replica.connection is None or not replica.is_usable():
            mark_down(watch.failure)
        else:  # the replica is there but refused this request (it wrote): the primary answers it
            log.info("%s answered by the primary: %s", request.path, watch.failure)
            replica.close()
        return self.get_response(request)


class ReplicaRouter:
    """The ORM's reads inside stale_reads() go to the replica; writes, and every read outside it,
    to the primary. Migrations run on the primary only (the replica follows by streaming)."""

    def db_for_read(self, model, **hints):
        return REPLICA if _stale_ok.get() else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
