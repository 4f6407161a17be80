"""Session state through PgBouncer in transaction mode (geo/pooling.py, issue 24). The statement
timeout (geo/http/timeouts.py): one
PgBouncer from the multi-node layout (scripts/multinode, deploy/pgbouncer.ini.template) before the
test database, with two server connections, and the request's connection made through it as a
node's is (geo/settings_nodes.py with GEO_PGBOUNCER=1). A second client takes the server
connection the request last used, so the request's next transaction runs on the other one: the
budget holds there too, in autocommit and in atomic blocks, and neither server connection keeps
it afterwards. The session `SET` a single machine uses is shown leaking through the same PgBouncer. The file
writers' session lock (ogc/downloads.py) refuses a pooled connection."""

import contextlib
import shutil
import time

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.test import RequestFactory

from geo import pooling
from geo.http import timeouts
from geo.server import ROOT, free_port
from ogc import downloads
from scripts.multinode.databases import PgBouncer

BUDGET_MS = 300
SLEEP_S = 1.5  # well past the budget: a query that ran it out was not cancelled


@pytest.fixture(scope="module")
def bouncer(django_db_setup, django_db_blocker):
    folder = ROOT / "var" / f"pgbouncer-{settings.DATABASES['default']['NAME']}"
    port = settings.DATABASES["default"].get("PORT") or 54329
    bouncer = PgBouncer(folder, free_port(), int(port), pool_size=2, dbname=settings.DATABASES["default"]["NAME"])
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()
        shutil.rmtree(folder, ignore_errors=True)


def client(bouncer: PgBouncer) -> psycopg.Connection:
    """Another node's connection through the same PgBouncer (a transaction of its own until commit)."""
    return psycopg.connect(host="127.0.0.1", port=bouncer.port, dbname="geo", user="geo")


@pytest.fixture
def pooled(bouncer, django_db_blocker, monkeypatch):
    """The thread's default connection, through PgBouncer, as a node's with GEO_PGBOUNCER=1."""
    monkeypatch.setattr(timeouts, "DEFAULT_MS", BUDGET_MS)  # what GEO_TIMEOUT_DEFAULT_MS=300 sets
    direct = connections["default"]
    through = {**direct.settings_dict, "HOST": "127.0.0.1", "PORT": str(bouncer.port), "NAME": "geo"}
    through.update(DISABLE_SERVER_SIDE_CURSORS=True, **{pooling.POOLED: True})
    wrapper = type(direct)(through, alias="default")
    with django_db_blocker.unblock():
        connections["default"] = wrapper
        try:
            yield wrapper
        finally:
            connections["default"] = direct
            wrapper.close()


def one(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def cancelled(sql: str, savepoint: bool = False, many: bool = False) -> bool:
    started = time.monotonic()
    try:
        with transaction.atomic() if savepoint else contextlib.nullcontext():
            if many:
                with connection.cursor() as cursor:
                    cursor.executemany(sql, [[], []])
            else:
                one(sql)
    except OperationalError as exc:
        assert timeouts.is_timeout(exc), exc
        assert time.monotonic() - started < SLEEP_S
        return True
    return False


def request(view):
    """The view answered through the StatementTimeout middleware, as a request to a path of the
    default budget."""
    return timeouts.StatementTimeout(view)(RequestFactory().get("/somewhere"))


def server_settings(bouncer: PgBouncer) -> dict[int, str]:
    """statement_timeout on each of PgBouncer's two server connections (two clients in a
    transaction each hold both)."""
    first, second = client(bouncer), client(bouncer)
    try:
        found: dict[int, str] = {}
        for db in (first, second):
            pid, timeout = db.execute("SELECT pg_backend_pid(), current_setting('statement_timeout')").fetchone() or ()
            found[pid] = timeout
    finally:
        for db in (first, second):
            db.rollback()  # ended before closing: PgBouncer drops a server connection left in a transaction
            db.close()
    assert len(found) == 2
    return found


def test_the_budget_holds_in_every_transaction_on_either_server_connection_and_stays_in_none(bouncer, pooled):
    seen = {}

    def view(request):
        seen["first"] = one("SELECT pg_backend_pid(), current_setting('statement_timeout')")
        other = client(bouncer)  # takes the server connection the request just gave back
        try:
            seen["other"] = other.execute("SELECT pg_backend_pid()").fetchone()[0]
            seen["second"] = one("SELECT pg_backend_pid(), current_setting(%s)", ["statement_timeout"])
            seen["autocommit cancelled"] = cancelled(f"SELECT pg_sleep({SLEEP_S})")
            seen["executemany cancelled"] = cancelled(f"SELECT pg_sleep({SLEEP_S})", many=True)
            with transaction.atomic():
                seen["atomic"] = one("SELECT pg_backend_pid(), current_setting('statement_timeout')")
                # A savepoint first in its transaction: the budget still comes before it.
                seen["nested cancelled"] = cancelled(f"SELECT pg_sleep({SLEEP_S})", savepoint=True)
        finally:
            other.rollback()
            other.close()
        seen["after"] = one("SELECT current_setting('statement_timeout')")
        return None

    request(view)
    first_pid, first_timeout = seen["first"]
    second_pid, second_timeout = seen["second"]
    assert seen["other"] == first_pid and second_pid != first_pid, "the request moved to the other server connection"
    assert (first_timeout, second_timeout) == ("300ms", "300ms")
    assert seen["autocommit cancelled"] and seen["executemany cancelled"] and seen["nested cancelled"]
    assert seen["atomic"][1] == "300ms" and seen["after"] == ("300ms",)
    assert server_settings(bouncer) == {first_pid: "0", second_pid: "0"}, "no server connection keeps the budget"
    # Outside a request, the same connection runs without any budget.
    assert one("SELECT current_setting('statement_timeout')") == ("0",)
    assert not cancelled(f"SELECT pg_sleep({BUDGET_MS * 2 / 1000})")


def test_a_session_set_leaks_through_pgbouncer_to_the_next_client(bouncer, pooled):
    """Why the pooled connection is different: PgBouncer 1.18 passes a session's SET on to whoever
    gets the server connection next."""
    with connection.execute_wrapper(timeouts._SetOnFirstQuery(BUDGET_MS)):  # what one machine does
        set_on = one("SELECT pg_backend_pid()")[0]
    try:
        leaked = server_settings(bouncer)
        assert leaked[set_on] == "300ms" and sorted(leaked.values()) == ["0", "300ms"]
    finally:
        both = client(bouncer), client(bouncer)  # each in a transaction at once: one RESET on each server connection
        for db in both:
            db.execute("RESET statement_timeout")
        for db in both:
            db.commit()
            db.close()
    assert server_settings(bouncer) == dict.fromkeys(leaked, "0")


def test_the_file_writers_session_lock_is_refused_through_pgbouncer(pooled):
    lock = downloads._writer_lock("provinces", "light")
    with pytest.raises(downloads.ThroughPooler, match="run them on the primary itself"), lock:
        pass
    assert downloads.writing("provinces", "light") is False, "no lock was taken"
